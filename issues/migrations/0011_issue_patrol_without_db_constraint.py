import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0010_issue_deadline_provisional"),
        ("patrols", "0012_patrol_partitioned_by_month"),
    ]

    operations = [
        # patrols/migrations/0012 dropped the database's foreign key (patrols are partitioned by
        # month; their key is (id, started_on)): only the model's state changes here.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="issue",
                    name="patrol",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="issues",
                        to="patrols.patrol",
                        verbose_name="巡河记录",
                    ),
                ),
            ]
        ),
    ]
