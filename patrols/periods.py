"""Patrol periods (day, dekad, week, month, quarter) in Python and in SQL, kept side by side.

A dekad (旬) is days 1-10, 11-20 and 21 to the month's end. Weeks start on Monday. Each period is
named by its first day; the SQL expressions give the same first day as a YYYYMMDD integer so that
the database can group patrols by period on PostgreSQL and on the embedded SQLite alike.
"""

import calendar
import datetime
from collections.abc import Iterator

from django.db import models
from django.db.models import Case, Value, When
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


def period_key(day: datetime.date) -> int:
    """A period's first day as the integer the SQL expressions produce."""
    return day.year * 10000 + day.month * 100 + day.day


def _ymd(year, month, day):
    return year * Value(10000) + month * Value(100) + day


def period_start_sql(period: str, field: str) -> models.Expression:
    """SQL for the first day of the ``period`` holding the date ``field``, as YYYYMMDD."""
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


__all__ = ["Period", "period_bounds", "period_key", "period_start_sql", "periods_between"]
