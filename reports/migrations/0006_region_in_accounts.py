# Region moved from rivers to accounts (accounts needs it, and rivers sits above accounts).
# State only: the table stays ``rivers_region`` and every foreign key keeps pointing at it, so
# no row and no constraint moves; ``sqlmigrate`` shows nothing to run.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_region_moved_from_rivers'),
        ('reports', '0005_job_heartbeat'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='chiefmonth',
                    name='region',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.region', verbose_name='区域'),
                ),
                migrations.AlterField(
                    model_name='issuemonth',
                    name='region',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.region', verbose_name='区域'),
                ),
                migrations.AlterField(
                    model_name='regionmonth',
                    name='region',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.region', verbose_name='区域'),
                ),
                migrations.AlterField(
                    model_name='report',
                    name='region',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='accounts.region', verbose_name='区域'),
                ),
                migrations.AlterField(
                    model_name='treeclosedmonth',
                    name='region',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.region', verbose_name='区域'),
                ),
                migrations.AlterField(
                    model_name='treeissuemonth',
                    name='region',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.region', verbose_name='区域'),
                ),
                migrations.AlterField(
                    model_name='treemonth',
                    name='region',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.region', verbose_name='区域'),
                ),
            ],
            database_operations=[],
        ),
    ]
