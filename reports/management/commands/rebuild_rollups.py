"""``manage.py rebuild_rollups [--from YYYY-MM] [--to YYYY-MM]``: recompute the dashboard's
rollups (reports.rollups)."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from reports import rollups


def _month(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError as error:
        raise CommandError(f"{value!r}: expected a month as YYYY-MM") from error


class Command(BaseCommand):
    help = "Recompute the dashboard's monthly rollups (default: every month with records)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="first", type=_month, help="first month, YYYY-MM")
        parser.add_argument("--to", dest="last", type=_month, help="last month, YYYY-MM")

    def handle(self, *args, first=None, last=None, **options) -> None:
        started = time.monotonic()
        result = rollups.rebuild(first=first, last=last)
        if not result.months:
            self.stdout.write("No records: nothing to rebuild.")
            return
        self.stdout.write(
            f"Rebuilt {result.months} months ({result.first:%Y-%m} to {result.last:%Y-%m}): "
            f"{result.rows} rows in {time.monotonic() - started:.1f} s."
        )
