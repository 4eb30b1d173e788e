# Region moved from rivers to accounts (accounts needs it, and rivers sits above accounts).
# State only: the table stays ``rivers_region`` and every foreign key keeps pointing at it, so
# no row and no constraint moves; ``sqlmigrate`` shows nothing to run.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_region_moved_from_rivers'),
        ('issues', '0006_client_key'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='issue',
                    name='assignee_region',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='assigned_issues', to='accounts.region', verbose_name='责任社区'),
                ),
                migrations.AlterField(
                    model_name='issue',
                    name='region',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='issues', to='accounts.region', verbose_name='所在区域'),
                ),
                migrations.AlterField(
                    model_name='issuesequence',
                    name='street',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.region'),
                ),
                migrations.AlterField(
                    model_name='supervisionorder',
                    name='street',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.region', verbose_name='街道'),
                ),
                migrations.AlterField(
                    model_name='supervisionordersequence',
                    name='street',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.region'),
                ),
            ],
            database_operations=[],
        ),
    ]
