"""The monthly partitions of patrols_patrol (patrols/migrations/0012; issue #18).

pg_partman keeps them when the database has it (part_config names the table); otherwise the
months are created here, natively, with the names partman gives (patrols_patrol_pYYYY_MM).
A Celery beat task (patrols.tasks.keep_patrol_partitions) runs ``ensure_future_months`` daily;
``manage.py check`` warns when partman is missing or fewer than ``MIN_FUTURE_MONTHS`` months
ahead have a partition (a patrol of a month without one lands in the default partition, which
then blocks creating that month's partition until its rows are moved).
"""

import datetime
import logging
import re

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

PARENT = "patrols_patrol"
DEFAULT = f"{PARENT}_default"
MONTHS_AHEAD = 12
MIN_FUTURE_MONTHS = 3

_BOUND = re.compile(r"FROM \('(\d{4})-(\d{2})-01'\)")


def is_partitioned() -> bool:
    """The table is partitioned (PostgreSQL after the migration; never on SQLite)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [PARENT])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def partman_manages() -> bool:
    """pg_partman is installed and keeps this table's partitions."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_partman'")
        if cursor.fetchone() is None:
            return False
        cursor.execute(
            "SELECT 1 FROM partman.part_config WHERE parent_table = %s", [f"public.{PARENT}"]
        )
        return cursor.fetchone() is not None


def months() -> list[datetime.date]:
    """The first day of every month that has a partition, in order (the default aside)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [PARENT],
        )
        bounds = [row[0] for row in cursor.fetchall()]
    found = [_BOUND.search(bound) for bound in bounds]
    return sorted(datetime.date(int(m[1]), int(m[2]), 1) for m in found if m)


def future_months(*, today: datetime.date) -> int:
    """How many months after today's have a partition."""
    this_month = today.replace(day=1)
    return sum(1 for month in months() if month > this_month)


def _add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def partition_name(month: datetime.date) -> str:
    return f"{PARENT}_p{month:%Y_%m}"


def ensure_future_months(*, today: datetime.date) -> list[str]:
    """Partitions for this month and the ``MONTHS_AHEAD`` after it; returns those created.

    Idempotent. With pg_partman its maintenance makes them (premake 12); without, they are
    created here. A month whose rows already sit in the default partition is left out and
    logged (creating it would fail): its rows have to be moved first.
    """
    before = set(months())
    if partman_manages():
        with connection.cursor() as cursor:
            cursor.execute("SELECT partman.run_maintenance(%s)", [f"public.{PARENT}"])
    else:
        first = today.replace(day=1)
        for n in range(MONTHS_AHEAD + 1):
            month = _add_months(first, n)
            if month in before:
                continue
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        f'CREATE TABLE IF NOT EXISTS "{partition_name(month)}" PARTITION OF '
                        f"{PARENT} FOR VALUES FROM (%s) TO (%s)",
                        [month, _add_months(month, 1)],
                    )
            except DatabaseError:
                logger.exception("patrols: no partition for %s (rows in the default?)", month)
    return [partition_name(month) for month in sorted(set(months()) - before)]
