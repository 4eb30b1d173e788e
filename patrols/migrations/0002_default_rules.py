from django.db import migrations

# The seeds' rules: general chiefs monthly, street chiefs per dekad, community chiefs weekly,
# cleaners daily; a patrol counts from 10 minutes and 0.3 km. Offices edit them afterwards.
DEFAULT_RULES = (
    ("general_chief", "month"),
    ("street_chief", "dekad"),
    ("community_chief", "week"),
    ("cleaner", "day"),
)


def install(apps, schema_editor):
    PatrolRule = apps.get_model("patrols", "PatrolRule")
    for role, period in DEFAULT_RULES:
        if not PatrolRule.objects.filter(role=role).exists():
            PatrolRule.objects.create(role=role, period=period, min_count=1)


class Migration(migrations.Migration):
    dependencies = [("patrols", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
