from django.db import migrations

# Working days to rectify, per category: (normal, urgent, critical). Urgent is about half of
# normal, critical one or two days. Pollution and outfalls harm the water every day they last;
# obstructions threaten flood safety; occupation, building and bank repairs need demolition or
# works. Offices and admins edit them afterwards.
DEFAULT_RULES = {
    "occupation": (15, 7, 2),
    "mining": (10, 5, 1),
    "dumping": (10, 5, 2),
    "construction": (15, 7, 2),
    "pollution": (5, 3, 1),
    "outfall": (5, 3, 1),
    "garbage": (10, 5, 1),
    "bank_damage": (15, 7, 2),
    "flood_obstruction": (7, 3, 1),
    "other": (10, 5, 2),
}
URGENCIES = ("normal", "urgent", "critical")


def install(apps, schema_editor):
    DeadlineRule = apps.get_model("calendars", "DeadlineRule")
    for category, days in DEFAULT_RULES.items():
        for urgency, working_days in zip(URGENCIES, days):
            DeadlineRule.objects.get_or_create(
                category=category, urgency=urgency, defaults={"working_days": working_days}
            )


class Migration(migrations.Migration):
    dependencies = [("calendars", "0002_statutory_days")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
