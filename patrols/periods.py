"""Patrol periods (day, dekad, week, month, quarter) in Python and in SQL, kept side by side.

A dekad (旬) is days 1-10, 11-20 and 21 to the month's end. Weeks start on Monday. Each period is
named by its first day; the SQL expressions give the same first day as an integer (period_key:
its day number on PostgreSQL, YYYYMMDD elsewhere) so that the database can group patrols by
period on PostgreSQL and on the embedded SQLite alike.
"""

import calendar
import datetime
from collections.abc import Iterator

from django.db import connection, models
from django.db.models import Case, F, Func, IntegerField, Value, When
from django.db.models.functions import (
    ExtractDay,
    ExtractMonth,
    ExtractQuarter,
    ExtractYear,
    TruncWeek,
)
from django.utils.translation import gettext_lazy as _


class Period(models.TextChoices):
    DAY = "day", _("每日")
    DEKAD = "dekad", _("每旬")
    WEEK = "week", _("每周")
    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def period_bounds(period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the period that holds ``day``."""
    if period == Period.DAY:
        return day, day
    if period == Period.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    if period == Period.DEKAD:
        first = 1 if day.day <= 10 else 11 if day.day <= 20 else 21
        start = day.replace(day=first)
        end = _month_end(day) if first == 21 else day.replace(day=first + 9)
        return start, end
    if period == Period.MONTH:
        return day.replace(day=1), _month_end(day)
    if period == Period.QUARTER:
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = day.replace(month=first_month, day=1)
        return start, _month_end(start.replace(month=first_month + 2))
    raise ValueError(period)


def periods_between(
    period: str, first: datetime.date, last: datetime.date
) -> Iterator[tuple[datetime.date, datetime.date]]:
    """Every period that overlaps [first, last], in order, with its full bounds."""
    day = first
    while day <= last:
        start, end = period_bounds(period, day)
        yield start, end
        day = end + datetime.timedelta(days=1)


# PostgreSQL names a period by its first day's number of days since this one: date minus date
# is an integer there, so the name costs no date_part per row.
PG_EPOCH = datetime.date(2000, 1, 1)


def period_key(day: datetime.date, vendor: str | None = None) -> int:
    """A period's first day as the integer the SQL expressions produce on the database
    ``vendor`` (default: the default connection's): days since PG_EPOCH on PostgreSQL,
    YYYYMMDD elsewhere."""
    if (vendor or connection.vendor) == "postgresql":
        return (day - PG_EPOCH).days
    return day.year * 10000 + day.month * 100 + day.day


def _ymd(year, month, day):
    return year * Value(10000) + month * Value(100) + day


def _portable_start(period: str, field: str) -> models.Expression:
    year, month = ExtractYear(field), ExtractMonth(field)
    if period == Period.DAY:
        return _ymd(year, month, ExtractDay(field))
    if period == Period.WEEK:
        monday = TruncWeek(field, output_field=models.DateField())
        return _ymd(ExtractYear(monday), ExtractMonth(monday), ExtractDay(monday))
    if period == Period.DEKAD:
        first = Case(
            When(**{f"{field}__day__lte": 10}, then=Value(1)),
            When(**{f"{field}__day__lte": 20}, then=Value(11)),
            default=Value(21),
        )
        return _ymd(year, month, first)
    if period == Period.MONTH:
        return _ymd(year, month, Value(1))
    if period == Period.QUARTER:
        return _ymd(year, (ExtractQuarter(field) - Value(1)) * Value(3) + Value(1), Value(1))
    raise ValueError(period)


# PostgreSQL: the first day by date arithmetic, named by its day number (date - date is an
# integer). Only a month's first day needs a date_part (the day of the month), once for a
# monthly rule and twice for a dekad; a day and a week need none. EXTRACT returns numeric and
# DATE_TRUNC goes through timestamptz: over a year of a county's patrols (a million rows) those
# made the compliance aggregate two to three times slower, and naming the first day YYYYMMDD
# by three more date_parts (the first version) cost a tenth of the aggregate at a province's size.
_PG_MONTH_START = "({d} - date_part('day', {d})::int + 1)"
_PG_FIRST_DAY = {
    Period.DAY: "{d}",
    Period.WEEK: "({d} - (({d} - date '2000-01-03') %% 7))",  # 2000-01-03 was a Monday
    # The month's first day plus 0, 10 or 20 days: the day of the month minus one, by tens.
    Period.DEKAD: f"({_PG_MONTH_START} + least(({{d}} - {_PG_MONTH_START}) / 10, 2) * 10)",
    Period.MONTH: _PG_MONTH_START,
    Period.QUARTER: (
        "make_date(date_part('year', {d})::int, (date_part('quarter', {d})::int - 1) * 3 + 1, 1)"
    ),
}
_PG_KEY = f"({{d}} - date '{PG_EPOCH.isoformat()}')"


class _PeriodStart(Func):
    """The portable expression everywhere, a cheaper one of the same value on PostgreSQL."""

    output_field = IntegerField()

    def __init__(self, period: str, field: str) -> None:
        if period not in _PG_FIRST_DAY:
            raise ValueError(period)
        self.period = period
        super().__init__(_portable_start(period, field), F(field))

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_postgresql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[1])
        if params:  # a plain date column, named more than once below
            raise ValueError("period_start_sql needs a date column")
        first_day = _PG_FIRST_DAY[self.period].format(d=column)
        return _PG_KEY.format(d=first_day), []


def period_start_sql(period: str, field: str) -> models.Expression:
    """SQL for the first day of the ``period`` holding the date ``field``, as period_key."""
    return _PeriodStart(period, field)


__all__ = [
    "PG_EPOCH",
    "Period",
    "period_bounds",
    "period_key",
    "period_start_sql",
    "periods_between",
]
