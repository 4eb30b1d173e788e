# Region moved from rivers to accounts (accounts needs it, and rivers sits above accounts).
# State only: the table stays ``rivers_region`` and every foreign key keeps pointing at it, so
# no row and no constraint moves; ``sqlmigrate`` shows nothing to run.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_region_moved_from_rivers'),
        ('patrols', '0009_patrol_filed_late'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='bulletin',
                    name='street',
                    field=models.ForeignKey(limit_choices_to={'level': 'street'}, on_delete=django.db.models.deletion.PROTECT, related_name='bulletins', to='accounts.region', verbose_name='街道'),
                ),
            ],
            database_operations=[],
        ),
    ]
