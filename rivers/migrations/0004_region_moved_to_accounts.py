# Region moved from rivers to accounts (accounts needs it, and rivers sits above accounts).
# State only: the table stays ``rivers_region`` and every foreign key keeps pointing at it, so
# no row and no constraint moves; ``sqlmigrate`` shows nothing to run.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_region_moved_from_rivers'),
        ('activities', '0003_region_in_accounts'),
        ('issues', '0007_region_in_accounts'),
        ('map_patches', '0002_region_in_accounts'),
        ('patrols', '0010_region_in_accounts'),
        ('reports', '0006_region_in_accounts'),
        ('rivers', '0003_sign_code_rules'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='river',
                    name='region',
                    field=models.ForeignKey(help_text='负责管理这条河流的区域；河流流经的其他区域通过河段也能看到它。', on_delete=django.db.models.deletion.PROTECT, related_name='rivers', to='accounts.region', verbose_name='管理区域'),
                ),
                migrations.AlterField(
                    model_name='reach',
                    name='region',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reaches', to='accounts.region', verbose_name='所在区域'),
                ),
                migrations.AlterField(
                    model_name='chief',
                    name='region',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='chiefs', to='accounts.region', verbose_name='所在区域'),
                ),
                migrations.DeleteModel(
                    name='Region',
                ),
            ],
            database_operations=[],
        ),
    ]
