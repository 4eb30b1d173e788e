"""Reads for the calendar: the tables, and working-day arithmetic over them.

The date functions build a ``WorkCalendar`` per call (one query). To work out many deadlines at
once, build one ``WorkCalendar`` and ask it directly.
"""

import datetime

from django.db.models import Max, QuerySet

from accounts.models import User

from .models import CalendarDay, DeadlineRule, IssueCategory
from .workdays import WorkCalendar

# When neither the rule of the category nor that of "other" exists for the urgency.
FALLBACK_WORKING_DAYS = 10


def calendar_day_list(*, user: User) -> QuerySet[CalendarDay]:
    # The country's calendar: the same for every region.
    return CalendarDay.objects.all()


def deadline_rule_list(*, user: User) -> QuerySet[DeadlineRule]:
    # Deadline rules are the portal's policy, the same for every region.
    return DeadlineRule.objects.all()


def calendar_coverage() -> int | None:
    """The last year the calendar has holidays for; after it only weekends are rest days, so the
    UI should warn that deadlines there may fall on a holiday. None when the table is empty."""
    last = CalendarDay.objects.aggregate(last=Max("date"))["last"]
    return last.year if last else None


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
    days = deadline_working_days(category=category, urgency=urgency)
    return add_working_days(start=reported_on, days=days)
