from django.db import migrations


def load(apps, schema_editor):
    # The same sync as `manage.py sync_holidays`, on the historical model.
    from calendars.services import calendar_sync_statutory

    calendar_sync_statutory(model=apps.get_model("calendars", "CalendarDay"))


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
