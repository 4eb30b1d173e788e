"""Working-day arithmetic: Monday-Friday, except the days the calendar table says otherwise.

A ``WorkCalendar`` holds the exceptions of a span of dates, loaded in one query and widened
(again in one query) when asked about a day outside it, so a deadline never costs a query per day.

A year counts as loaded only when its State Council notice is in the calendar (a ``HolidayYear``
row). In a year that is not, the arithmetic falls back to Monday-Friday (and whatever single days
are stored), and ``covers`` says so: a deadline reaching into it is provisional, never silently
exact.
"""

import datetime
from dataclasses import dataclass

from .models import CalendarDay, HolidayYear

ONE_DAY = datetime.timedelta(days=1)
# Enough calendar days after a start for most deadlines in one load: 7 per 5 working days, plus
# the longest run of holidays (Spring Festival, up to 9 days with its weekends) and some slack.
HOLIDAY_SLACK_DAYS = 21
# When a walk leaves the loaded span it loads this much more, rather than a day at a time.
EXTEND_DAYS = 60


def _weekdays_through(day: datetime.date) -> int:
    """Monday-Friday days from 0001-01-01 (a Monday) up to and including ``day``."""
    weeks, rest = divmod(day.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def _is_weekday(day: datetime.date) -> bool:
    return day.weekday() < 5


def loaded_years() -> frozenset[int]:
    """The years whose holiday arrangement is entered (one query)."""
    return frozenset(HolidayYear.objects.values_list("year", flat=True))


@dataclass(frozen=True)
class WorkingDeadline:
    """A deadline counted in working days, and whether it is provisional: the count ran through
    a year whose holidays are not loaded, so it assumed Monday-Friday there."""

    date: datetime.date
    provisional: bool


class WorkCalendar:
    """The working days of whatever span it is asked about; load it once per request or loop."""

    def __init__(self) -> None:
        self._exceptions: dict[datetime.date, bool] = {}
        self._first: datetime.date | None = None
        self._last: datetime.date | None = None
        self._loaded_years: frozenset[int] | None = None

    def loaded_years(self) -> frozenset[int]:
        if self._loaded_years is None:
            self._loaded_years = loaded_years()
        return self._loaded_years

    def covers(self, first: datetime.date, last: datetime.date) -> bool:
        """Whether every day of [first, last] lies in a year whose arrangement is loaded."""
        if first > last:
            first, last = last, first
        years = self.loaded_years()
        return all(year in years for year in range(first.year, last.year + 1))

    def deadline(self, start: datetime.date, days: int) -> WorkingDeadline:
        """``add_working_days`` with its flag: provisional when a day counted (``start``
        excluded, the deadline included) lies in a year not loaded."""
        day = self.add_working_days(start, days)
        first = start if days == 0 else start + ONE_DAY
        return WorkingDeadline(date=day, provisional=not self.covers(first, day))

    @classmethod
    def for_span(cls, first: datetime.date, last: datetime.date) -> "WorkCalendar":
        calendar = cls()
        calendar.ensure(first, last)
        return calendar

    def ensure(self, first: datetime.date, last: datetime.date) -> None:
        """Load the exceptions of [first, last] unless they are loaded already."""
        if first > last:
            first, last = last, first
        if self._first is not None and self._last is not None:
            if self._first <= first and last <= self._last:
                return
            # Reload the union: a few dozen rows a year, cheaper than tracking gaps.
            first, last = min(first, self._first), max(last, self._last)
        rows = CalendarDay.objects.filter(date__range=(first, last)).values_list(
            "date", "is_workday"
        )
        self._exceptions = dict(rows)
        self._first, self._last = first, last

    def _covers(self, day: datetime.date) -> bool:
        return (
            self._first is not None and self._last is not None and self._first <= day <= self._last
        )

    def is_workday(self, day: datetime.date) -> bool:
        if not self._covers(day):
            self.ensure(day - EXTEND_DAYS * ONE_DAY, day + EXTEND_DAYS * ONE_DAY)
        return self._exceptions.get(day, _is_weekday(day))

    def next_workday(self, day: datetime.date) -> datetime.date:
        """``day`` itself if it is a working day, else the first working day after it."""
        while not self.is_workday(day):
            day += ONE_DAY
        return day

    def add_working_days(self, start: datetime.date, days: int) -> datetime.date:
        """The ``days``-th working day after ``start`` (``start`` itself not counted); for 0,
        ``start`` if it is a working day, else the next one."""
        if days < 0:
            raise ValueError("days must not be negative")
        if days == 0:
            return self.next_workday(start)
        self.ensure(start, start + datetime.timedelta(days=days * 7 // 5 + HOLIDAY_SLACK_DAYS))
        day, remaining = start, days
        while remaining:
            day += ONE_DAY
            if self.is_workday(day):
                remaining -= 1
        return day

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end``; negative when ``end`` is
        before ``start``. So ``working_days_between(d, add_working_days(d, n)) == n``, and a
        deadline ``d`` is overdue by ``working_days_between(d, today)`` working days."""
        if end < start:
            return -self.working_days_between(end, start)
        if end == start:
            return 0
        self.ensure(start + ONE_DAY, end)
        count = _weekdays_through(end) - _weekdays_through(start)
        # Counted by arithmetic, then corrected by the exceptions, so a span of years costs
        # no more than its few dozen exceptions.
        for day, is_workday in self._exceptions.items():
            if start < day <= end and is_workday != _is_weekday(day):
                count += 1 if is_workday else -1
        return count
