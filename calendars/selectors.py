"""Reads for the calendar: the tables, and working-day arithmetic over them.

The date functions build a ``WorkCalendar`` per call (one query). To work out many deadlines at
once, build one ``WorkCalendar`` and ask it directly.
"""

import datetime

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import User

from .models import CalendarDay, DeadlineRule, HolidayYear, IssueCategory
from .workdays import WorkCalendar, WorkingDeadline, loaded_years

# When neither the rule of the category nor that of "other" exists for the urgency.
FALLBACK_WORKING_DAYS = 10


def calendar_day_list(*, user: User) -> QuerySet[CalendarDay]:
    # The country's calendar: the same for every region.
    return CalendarDay.objects.all()


def deadline_rule_list(*, user: User) -> QuerySet[DeadlineRule]:
    # Deadline rules are the portal's policy, the same for every region.
    return DeadlineRule.objects.all()


def holiday_year_list(*, user: User) -> QuerySet[HolidayYear]:
    return HolidayYear.objects.select_related("entered_by").order_by("-year")


def calendar_coverage() -> int | None:
    """The last year whose holiday arrangement is entered; after it only weekends are rest days,
    so deadlines there are provisional. None when no year is."""
    years = loaded_years()
    return max(years) if years else None


def holiday_warn_from(*, year: int) -> datetime.date:
    """The day of ``year`` from which next year's arrangement is expected
    (``HOLIDAY_CALENDAR_WARN_FROM``, MM-DD)."""
    month, day = (int(part) for part in settings.HOLIDAY_CALENDAR_WARN_FROM.split("-"))
    return datetime.date(year, month, day)


def holiday_year_missing(
    *, today: datetime.date, years: frozenset[int] | None = None
) -> int | None:
    """The year whose holiday arrangement the office must enter now, or None: this year's if it
    is not loaded; next year's from ``HOLIDAY_CALENDAR_WARN_FROM`` on, if it is not."""
    years = loaded_years() if years is None else years
    if today.year not in years:
        return today.year
    if today >= holiday_warn_from(year=today.year) and today.year + 1 not in years:
        return today.year + 1
    return None


def is_workday(*, day: datetime.date) -> bool:
    return WorkCalendar.for_span(day, day).is_workday(day)


def add_working_days(*, start: datetime.date, days: int) -> datetime.date:
    """The deadline ``days`` working days after ``start``, ``start`` not counted; for 0,
    ``start`` if it is a working day, else the next working day."""
    return WorkCalendar().add_working_days(start, days)


def working_days_between(*, start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier):
    how many working days an issue is overdue, with ``start`` its deadline and ``end`` today."""
    return WorkCalendar().working_days_between(start, end)


def deadline_working_days(*, category: str, urgency: str) -> int:
    """The working days the rules give an issue of ``category`` and ``urgency``."""
    rules = dict(
        DeadlineRule.objects.filter(
            category__in={category, IssueCategory.OTHER}, urgency=urgency
        ).values_list("category", "working_days")
    )
    return rules.get(category, rules.get(IssueCategory.OTHER, FALLBACK_WORKING_DAYS))


def default_deadline(*, category: str, urgency: str, reported_on: datetime.date) -> datetime.date:
    return default_deadline_checked(
        category=category, urgency=urgency, reported_on=reported_on
    ).date


def default_deadline_checked(
    *, category: str, urgency: str, reported_on: datetime.date
) -> WorkingDeadline:
    """The rules' deadline and whether it is provisional (it reaches into a year whose holidays
    are not entered, so it was counted by weekends alone there)."""
    days = deadline_working_days(category=category, urgency=urgency)
    return WorkCalendar().deadline(reported_on, days)
