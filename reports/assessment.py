"""Assessment (考核): the criteria a scheme may name, and how a round's scores are computed.

A criterion is one entry of ``CRITERIA``: its key, a label, and a function giving the value (a
percentage, 0-100, two decimals) for a subject over [date_from, date_to], or None when there is
nothing to divide (no patrol owed, no issue found or closed). Adding a criterion is one entry.

The values read the figures' own definitions (reports.figures): the patrol rate is the figure
``patrol_rate`` (patrols counted ÷ patrols required under the rules, patrols.selectors'
compliance), the resolution rate the figure ``resolution_rate`` (issues found in the period and
closed by its end ÷ issues found, voided ones left out). For a chief the issues are those handed
to that chief (``assignee_chief``); for a community or a street those of its region and below.
The on-time rate: of the issues closed in the period, those closed on or before their deadline
(an issue with no deadline counts as on time).

Scoring (shared/API.md): a criterion scores weight × min(1, value ÷ target), rounded to two
decimals; a criterion with no value scores its full weight (nothing was owed, so nothing was
missed); score = the sum + the adjustments, within 0-100. Rank 1 is the best; equal scores share
a rank and the next rank skips (1, 1, 3). A chief is scored over the days served in the period;
one who served fewer than 30 of them is listed with no rank.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, RegionLevel
from issues.models import Issue, IssueStatus
from patrols.selectors import compliance_of
from rivers.models import PATROLLING_ROLES, Chief

from .figures import figure

HUNDRED = Decimal(100)
CENTS = Decimal("0.01")
# A chief who served fewer days of the period is listed, not ranked.
MIN_SERVED_DAYS = 30


@dataclass(frozen=True)
class Subject:
    """What is scored: a chief (``chief`` set) or a region (``region`` set), over the days it
    counts for in the period."""

    id: int
    name: str
    date_from: datetime.date
    date_to: datetime.date
    chief: Chief | None = None
    region: Region | None = None

    @property
    def served_days(self) -> int:
        return (self.date_to - self.date_from).days + 1


def _percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENTS, ROUND_HALF_UP)


def _moments(date_from: datetime.date, date_to: datetime.date, field: str) -> Q:
    def start(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    return Q(**{f"{field}__gte": start(date_from)}) & Q(
        **{f"{field}__lt": start(date_to + datetime.timedelta(days=1))}
    )


def _chiefs_of(subject: Subject):
    if subject.chief is not None:
        return Chief.objects.filter(pk=subject.chief.pk)
    return Chief.objects.in_region(subject.region)


def _issues_of(subject: Subject):
    issues = Issue.objects.counted()
    if subject.chief is not None:
        return issues.filter(assignee_chief=subject.chief)
    return issues.in_region(subject.region)


def patrol_rate(subject: Subject) -> Decimal | None:
    """The figure patrol_rate for the subject: patrols counted ÷ required."""
    rows = compliance_of(
        chiefs=_chiefs_of(subject),
        date_from=subject.date_from,
        date_to=subject.date_to,
        roles=PATROLLING_ROLES,
    )
    return _percent(sum(r.counted for r in rows), sum((r.required for r in rows), Decimal(0)))


def resolution_rate(subject: Subject) -> Decimal | None:
    """The figure resolution_rate: issues found in the days counted and closed by their end ÷
    issues found in them."""
    end = subject.date_to + datetime.timedelta(days=1)
    found = _issues_of(subject).filter(_moments(subject.date_from, subject.date_to, "reported_at"))
    closed = found.filter(
        closed_at__lt=timezone.make_aware(datetime.datetime.combine(end, datetime.time.min))
    )
    return _percent(closed.count(), found.count())


def on_time_rate(subject: Subject) -> Decimal | None:
    """Issues closed in the days counted on or before their deadline ÷ issues closed in them."""
    closed = _issues_of(subject).filter(
        _moments(subject.date_from, subject.date_to, "closed_at"), status=IssueStatus.CLOSED
    )
    on_time = sum(
        1
        for closed_at, deadline in closed.values_list("closed_at", "deadline")
        if deadline is None or timezone.localdate(closed_at) <= deadline
    )
    return _percent(on_time, closed.count())


@dataclass(frozen=True)
class Criterion:
    key: str
    label: object
    value: Callable[[Subject], Decimal | None]


CRITERIA: dict[str, Criterion] = {
    "patrol_rate": Criterion("patrol_rate", figure("patrol_rate").label, patrol_rate),
    "resolution_rate": Criterion(
        "resolution_rate", figure("resolution_rate").label, resolution_rate
    ),
    "on_time_rate": Criterion("on_time_rate", _("按时整改率"), on_time_rate),
}


def period_bounds(year: int, quarter: int | None) -> tuple[datetime.date, datetime.date]:
    """A quarter of ``year`` (1-4), or the whole year when ``quarter`` is None."""
    if quarter is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    first = 3 * (quarter - 1) + 1
    last = first + 2
    return (
        datetime.date(year, first, 1),
        datetime.date(year, last, calendar.monthrange(year, last)[1]),
    )


def subjects_of(
    *, subject: str, region: Region, date_from: datetime.date, date_to: datetime.date
) -> list[Subject]:
    """The chiefs who served (patrolling roles) in the region in the period, each over the days
    served; or the region's communities or streets (its own region when of that level)."""
    if subject == "chief":
        chiefs = (
            Chief.objects.in_region(region)
            .serving_between(date_from, date_to)
            .filter(role__in=PATROLLING_ROLES)
            .order_by("name", "pk")
        )
        return [
            Subject(
                id=chief.pk,
                name=chief.name,
                date_from=max(date_from, chief.appointed_on),
                date_to=min(date_to, chief.relieved_on or date_to),
                chief=chief,
            )
            for chief in chiefs
        ]
    level = RegionLevel.COMMUNITY if subject == "community" else RegionLevel.STREET
    regions = Region.objects.subtree(region).filter(level=level).order_by("code", "pk")
    return [
        Subject(id=r.pk, name=r.name, date_from=date_from, date_to=date_to, region=r)
        for r in regions
    ]


def points_of(weight: Decimal, target: Decimal, value: Decimal | None) -> Decimal:
    """weight × min(1, value ÷ target), two decimals; full weight when there is no value."""
    weight = Decimal(weight)
    if value is None or not target:
        return weight.quantize(CENTS, ROUND_HALF_UP)
    share = min(Decimal(1), Decimal(value) / Decimal(target))
    return (weight * share).quantize(CENTS, ROUND_HALF_UP)


def breakdown_of(criteria: list[dict], subject: Subject) -> list[dict]:
    rows = []
    for criterion in criteria:
        value = CRITERIA[criterion["key"]].value(subject)
        points = points_of(
            Decimal(str(criterion["weight"])), Decimal(str(criterion["target"])), value
        )
        rows.append(
            {
                "key": criterion["key"],
                "value": None if value is None else float(value),
                "points": float(points),
            }
        )
    return rows


def total_of(breakdown: list[dict], adjustment: Decimal) -> Decimal:
    total = sum((Decimal(str(row["points"])) for row in breakdown), Decimal(0)) + Decimal(
        adjustment
    )
    return min(HUNDRED, max(Decimal(0), total)).quantize(CENTS, ROUND_HALF_UP)


def competition_ranks(scores: list[Decimal | None]) -> list[int | None]:
    """Rank 1 for the best; equal scores share a rank and the next skips (1, 1, 3); None (not
    ranked) stays None."""
    ranked = sorted(s for s in scores if s is not None)[::-1]
    first = {}
    for i, score in enumerate(ranked):
        first.setdefault(score, i + 1)
    return [None if s is None else first[s] for s in scores]
