import datetime

import django.db.models.expressions
from django.db import migrations, models

# Rules written before rules were dated have always been in force.
SINCE_EVER = datetime.date(2000, 1, 1)


class Migration(migrations.Migration):
    dependencies = [("patrols", "0006_patrol_distance_not_negative")]

    operations = [
        migrations.AddField(
            model_name="patrolrule",
            name="valid_from",
            field=models.DateField(default=SINCE_EVER, verbose_name="生效日期"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="patrolrule",
            name="valid_to",
            field=models.DateField(
                blank=True,
                help_text="最后适用的一天；留空表示长期有效。",
                null=True,
                verbose_name="失效日期",
            ),
        ),
        migrations.AlterModelOptions(
            name="patrolrule",
            options={
                "ordering": ["role", "valid_from", "id"],
                "verbose_name": "巡河规则",
                "verbose_name_plural": "巡河规则",
            },
        ),
        migrations.AddConstraint(
            model_name="patrolrule",
            constraint=models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=django.db.models.expressions.F("valid_from")),
                name="patrol_rule_valid_to_after_from",
                violation_error_message="失效日期不能早于生效日期。",
            ),
        ),
    ]
