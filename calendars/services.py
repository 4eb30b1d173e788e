"""Writes for the calendar: the statutory sync from chinese-calendar, and an admin's own days."""

import datetime
from dataclasses import dataclass
from typing import Any

from chinese_calendar.constants import Holiday, holidays, workdays
from django.db import models, transaction

from accounts.models import User
from core.services import model_create, model_update

from .models import CalendarDay, CalendarSource

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
def calendar_sync_statutory(*, model: type[models.Model] = CalendarDay) -> SyncResult:
    """Make the statutory rows match chinese-calendar, leaving manual rows as they are.

    ``model`` is the historical model when a data migration runs this. Statutory rows of the
    covered years that the package no longer lists are removed: it corrects its data too.
    """
    wanted = {day.date: day for day in statutory_days()}
    first_year, last_year = min(wanted).year, max(wanted).year
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
        and date not in wanted
    ]

    model.objects.bulk_create(to_create)
    model.objects.bulk_update(to_update, ["is_workday", "name"])
    model.objects.filter(pk__in=stale).delete()
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
