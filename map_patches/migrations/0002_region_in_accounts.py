# Region moved from rivers to accounts (accounts needs it, and rivers sits above accounts).
# State only: the table stays ``rivers_region`` and every foreign key keeps pointing at it, so
# no row and no constraint moves; ``sqlmigrate`` shows nothing to run.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_region_moved_from_rivers'),
        ('map_patches', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='mappatch',
                    name='region',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='map_patches', to='accounts.region', verbose_name='所在区域'),
                ),
                migrations.AlterField(
                    model_name='patchbatch',
                    name='region',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='patch_batches', to='accounts.region', verbose_name='所属区域'),
                ),
            ],
            database_operations=[],
        ),
    ]
