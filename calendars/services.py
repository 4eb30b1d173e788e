"""Writes for the calendar: the statutory sync from chinese-calendar, a year's notice entered by
the office, and an admin's own days."""

import datetime
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chinese_calendar.constants import Holiday, holidays, workdays
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core.services import model_create, model_update

from .models import CalendarDay, CalendarSource, HolidayYear
from .signals import holiday_year_loaded

# chinese-calendar names holidays in English; the table keeps the Chinese the UI shows.
SWAPPED_WORKDAY_SUFFIX = "调休上班"


@dataclass(frozen=True)
class StatutoryDay:
    date: datetime.date
    is_workday: bool
    name: str


@dataclass(frozen=True)
class SyncResult:
    first_year: int
    last_year: int
    created: int
    updated: int
    deleted: int
    kept_manual: int


def _chinese_name(english: str) -> str:
    try:
        return Holiday(english).chinese
    except ValueError:
        return english


def statutory_days() -> list[StatutoryDay]:
    """Every exception to Monday-Friday that the installed chinese-calendar knows: holidays on
    weekdays, and weekend days worked in exchange. Holidays on weekends change nothing."""
    days = [
        StatutoryDay(date=day, is_workday=False, name=_chinese_name(name))
        for day, name in holidays.items()
        if day.weekday() < 5
    ]
    days += [
        StatutoryDay(date=day, is_workday=True, name=_chinese_name(name) + SWAPPED_WORKDAY_SUFFIX)
        for day, name in workdays.items()
        if day.weekday() >= 5
    ]
    return sorted(days, key=lambda d: d.date)


@transaction.atomic
def calendar_sync_statutory(
    *,
    model: type[models.Model] = CalendarDay,
    year_model: type[models.Model] | None = None,
) -> SyncResult:
    """Make the statutory rows match chinese-calendar, leaving manual rows as they are, and mark
    each year the package knows as loaded.

    ``model`` and ``year_model`` are the historical models when a data migration runs this
    (0002 ran it before years were kept: with a historical ``model`` and no ``year_model``,
    the years are left alone).
    Statutory rows of the covered years that the package no longer lists are removed: it
    corrects its data too. A year the office entered itself (a manual ``HolidayYear``) is its
    word: the sync leaves that year's days alone.
    """
    wanted = {day.date: day for day in statutory_days()}
    first_year, last_year = min(wanted).year, max(wanted).year
    if year_model is None and model is CalendarDay:
        year_model = HolidayYear
    known_years = dict(year_model.objects.values_list("year", "source")) if year_model else {}
    manual_years = {y for y, source in known_years.items() if source == CalendarSource.MANUAL}
    wanted = {date: day for date, day in wanted.items() if date.year not in manual_years}
    existing = {row.date: row for row in model.objects.select_for_update()}

    to_create, to_update = [], []
    kept_manual = 0
    for date, day in wanted.items():
        row = existing.get(date)
        if row is None:
            to_create.append(
                model(
                    date=date,
                    is_workday=day.is_workday,
                    name=day.name,
                    source=CalendarSource.STATUTORY,
                )
            )
        elif row.source == CalendarSource.MANUAL:
            kept_manual += 1
        elif (row.is_workday, row.name) != (day.is_workday, day.name):
            row.is_workday, row.name = day.is_workday, day.name
            to_update.append(row)
    stale = [
        row.pk
        for date, row in existing.items()
        if row.source == CalendarSource.STATUTORY
        and first_year <= date.year <= last_year
        and date.year not in manual_years
        and date not in wanted
    ]

    model.objects.bulk_create(to_create)
    model.objects.bulk_update(to_update, ["is_workday", "name"])
    model.objects.filter(pk__in=stale).delete()
    new_years = [y for y in range(first_year, last_year + 1) if y not in known_years]
    if year_model is not None:
        year_model.objects.bulk_create(
            [year_model(year=y, source=CalendarSource.STATUTORY) for y in new_years]
        )
    if year_model is HolidayYear:
        for year in new_years:
            holiday_year_loaded.send(sender=HolidayYear, year=year)
    return SyncResult(
        first_year=first_year,
        last_year=last_year,
        created=len(to_create),
        updated=len(to_update),
        deleted=len(stale),
        kept_manual=kept_manual,
    )


def calendar_day_create(*, user: User, **data: Any) -> CalendarDay:
    # A day an admin enters is theirs: the statutory sync must not undo it.
    return model_create(model=CalendarDay, data={**data, "source": CalendarSource.MANUAL})


def calendar_day_update(*, instance: CalendarDay, user: User, **data: Any) -> CalendarDay:
    # Correcting a statutory day makes it manual, so the correction survives the next sync.
    return model_update(instance=instance, data={**data, "source": CalendarSource.MANUAL})


# --- A year's notice entered by the office -------------------------------------------------

# The holidays a State Council notice names, in its order; the page offers these.
NOTICE_HOLIDAYS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
# A notice may start 元旦 (and a day worked for it) in the last days of the year before.
NOTICE_STARTS_BEFORE_YEAR_DAYS = 12
WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


@dataclass(frozen=True)
class HolidayRange:
    """A holiday as the notice gives it: its name and its first and last day off."""

    name: str
    first: datetime.date
    last: datetime.date


@dataclass(frozen=True)
class SwappedWorkday:
    """A weekend day worked in exchange (调休上班); ``name`` empty: named after the nearest
    holiday."""

    date: datetime.date
    name: str = ""


def _notice_errors(
    *, year: int, holidays: Sequence[HolidayRange], workdays: Sequence[SwappedWorkday]
) -> list[str]:
    errors: list[str] = []
    earliest = datetime.date(year, 1, 1) - datetime.timedelta(days=NOTICE_STARTS_BEFORE_YEAR_DAYS)
    latest = datetime.date(year, 12, 31)

    def outside(day: datetime.date) -> bool:
        return not earliest <= day <= latest

    if not holidays:
        errors.append(_("请至少填写一个节日的放假日期。"))
    for h in holidays:
        if not h.name.strip():
            errors.append(_("%(first)s 起的假期没有名称。") % {"first": h.first})
        if h.last < h.first:
            errors.append(
                _("“%(name)s”的最后一天 %(last)s 早于第一天 %(first)s。")
                % {"name": h.name, "first": h.first, "last": h.last}
            )
        elif outside(h.first) or outside(h.last):
            errors.append(
                _("“%(name)s”的日期 %(first)s 至 %(last)s 不在 %(year)s 年内。")
                % {"name": h.name, "first": h.first, "last": h.last, "year": year}
            )
    ordered = sorted((h for h in holidays if h.first <= h.last), key=lambda h: h.first)
    for a, b in itertools.pairwise(ordered):
        if b.first <= a.last:
            errors.append(
                _(
                    "“%(a)s”（%(a_first)s 至 %(a_last)s）与"
                    "“%(b)s”（%(b_first)s 至 %(b_last)s）的日期重叠。"
                )
                % {
                    "a": a.name,
                    "a_first": a.first,
                    "a_last": a.last,
                    "b": b.name,
                    "b_first": b.first,
                    "b_last": b.last,
                }
            )
    seen: set[datetime.date] = set()
    for w in workdays:
        if w.date in seen:
            errors.append(_("调休上班日 %(date)s 填写了两次。") % {"date": w.date})
            continue
        seen.add(w.date)
        if outside(w.date):
            errors.append(
                _("调休上班日 %(date)s 不在 %(year)s 年内。") % {"date": w.date, "year": year}
            )
        if w.date.weekday() < 5:
            errors.append(
                _("%(date)s 是%(weekday)s，本来就是工作日，不是调休上班日。")
                % {"date": w.date, "weekday": WEEKDAY_NAMES[w.date.weekday()]}
            )
        for h in ordered:
            if h.first <= w.date <= h.last:
                errors.append(
                    _("调休上班日 %(date)s 在“%(name)s”的假期之内。")
                    % {"date": w.date, "name": h.name}
                )
    return errors


def _nearest_holiday(day: datetime.date, holidays: Sequence[HolidayRange]) -> str:
    def distance(h: HolidayRange) -> int:
        return (
            0
            if h.first <= day <= h.last
            else min(abs((h.first - day).days), abs((day - h.last).days))
        )

    return min(holidays, key=distance).name.strip()


@transaction.atomic
def holiday_year_enter(
    *,
    user: User | None,
    year: int,
    holidays: Sequence[HolidayRange],
    workdays: Sequence[SwappedWorkday],
    replace: bool = False,
) -> HolidayYear:
    """Enter a year's State Council notice: its holidays (ranges, weekend days included as the
    notice gives them) and its swapped working days. Only the exceptions to Monday-Friday are
    stored (holidays on weekdays, weekends worked), as manual days the statutory sync leaves
    alone. The year then counts as loaded, and the apps counting working days recompute what
    they counted provisionally (``holiday_year_loaded``).

    A year already loaded is replaced only with ``replace``: its days (of either source) go,
    and the new notice's take their place.
    """
    current = HolidayYear.objects.select_for_update().filter(year=year).first()
    if current is not None and not replace:
        raise ValidationError(
            {
                "replace": [
                    _("%(year)s 年的节假日安排已经录入；如要用这次填写的内容替换，请确认替换。")
                    % {"year": year}
                ]
            }
        )
    errors = _notice_errors(year=year, holidays=holidays, workdays=workdays)
    if errors:
        raise ValidationError(errors)

    rows: dict[datetime.date, CalendarDay] = {}
    for h in holidays:
        day = h.first
        while day <= h.last:
            if day.weekday() < 5:
                rows[day] = CalendarDay(
                    date=day, is_workday=False, name=h.name.strip(), source=CalendarSource.MANUAL
                )
            day += datetime.timedelta(days=1)
    for w in workdays:
        name = w.name.strip() or _nearest_holiday(w.date, holidays) + SWAPPED_WORKDAY_SUFFIX
        rows[w.date] = CalendarDay(
            date=w.date, is_workday=True, name=name, source=CalendarSource.MANUAL
        )
    CalendarDay.objects.filter(models.Q(date__year=year) | models.Q(date__in=list(rows))).delete()
    CalendarDay.objects.bulk_create(rows.values())
    loaded, _created = HolidayYear.objects.update_or_create(
        year=year, defaults={"source": CalendarSource.MANUAL, "entered_by": user}
    )
    holiday_year_loaded.send(sender=HolidayYear, year=year)
    return loaded
