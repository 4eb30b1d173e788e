"""Assessment (考核): the criteria a scheme may name, and how a round's scores are computed.

A criterion is one entry of ``CRITERIA``: its key, a label, and a function giving, for every
subject of a round at once, the value (a percentage, 0-100, two decimals) over the subject's
days, or None when there is nothing to divide (no patrol owed, no issue found or closed). Adding
a criterion is one entry. A round's computation costs a few queries whatever its size (one
compliance_of call, one grouped query per issue criterion), not a few per subject: a county of
10,000 chiefs is one round (benchmarks/assessment.py).

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

from django.db import connection
from django.db.models import F, Q
from django.db.models.functions import TruncDate
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
    counts for in the period: a region the whole period, a chief the days of it served
    (subjects_of). The criteria read a batch of one kind; the chiefs of a batch share a period
    (the patrol rate reads compliance over the batch's days, which counts for each chief only
    what it served)."""

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


def _by_kind(subjects: list[Subject]) -> tuple[list[Subject], list[Subject]]:
    """The chiefs and the regions of a batch (a round's subjects are all of one kind)."""
    chiefs = [s for s in subjects if s.chief is not None]
    return chiefs, [s for s in subjects if s.chief is None]


def _region_owners(subjects: list[Subject]) -> dict[int, list[int]]:
    """Each region of the region subjects' subtrees (their own region, its children and
    grandchildren: what ``in_region`` reads) to the subjects it counts for, in one query."""
    ids = {s.region.pk for s in subjects}
    if not ids:
        return {}
    return {
        pk: [owner for owner in (pk, parent, grandparent) if owner in ids]
        for pk, parent, grandparent in Region.objects.filter(
            Q(pk__in=ids) | Q(parent_id__in=ids) | Q(parent__parent_id__in=ids)
        ).values_list("pk", "parent_id", "parent__parent_id")
    }


def _windows(subjects: list[Subject]) -> list[tuple[int, int, datetime.date, datetime.date]]:
    """(key, subject id, first day, last day) per subject, the key being what an issue row
    names: the assignee chief for a chief; for a region, one row per region of its subtree."""
    chiefs, regions = _by_kind(subjects)
    if chiefs:
        return [(s.chief.pk, s.id, s.date_from, s.date_to) for s in chiefs]
    by_id = {s.id: s for s in regions}
    return [
        (region_id, owner, by_id[owner].date_from, by_id[owner].date_to)
        for region_id, owners in _region_owners(regions).items()
        for owner in owners
    ]


def _issue_counts(
    subjects: list[Subject], *, on: str, counts: dict[str, str], **filters
) -> dict[int, dict[str, int]]:
    """Per subject, the issues counted by each of ``counts`` (name: an SQL condition over the
    issue ``i`` and the subject's days ``w``), among the issues the figures count whose ``on``
    moment (reported_at, closed_at) falls on one of the subject's days: one grouped query for
    the whole batch (of one kind), a chief's issues those handed to it (``assignee_chief``), a
    region's those of its region and below.

    The issues are narrowed to the moment over all the subjects' days, then joined to the
    subjects' days, passed as four arrays (``unnest``: four parameters, not four per subject),
    comparing each issue's local day with each subject's own first and last."""
    chiefs, regions = _by_kind(subjects)
    if chiefs and regions:
        return {
            **_issue_counts(chiefs, on=on, counts=counts, **filters),
            **_issue_counts(regions, on=on, counts=counts, **filters),
        }
    result = {s.id: dict.fromkeys(counts, 0) for s in subjects}
    windows = _windows(subjects)
    if not windows:
        return result
    keys, owners, firsts, lasts = (list(column) for column in zip(*windows, strict=True))
    issues = (
        Issue.objects.counted()
        .filter(_moments(min(firsts), max(lasts), on), **filters)
        .values(
            "deadline",
            subject_key=F("assignee_chief_id" if chiefs else "region_id"),
            on_day=TruncDate(on),
            closed_day=TruncDate("closed_at"),
        )
        .order_by()
    )
    inner, params = issues.query.sql_with_params()
    columns = ", ".join(f"count(*) FILTER (WHERE {condition})" for condition in counts.values())
    # Built from the ORM's SQL (its values kept apart as parameters) and this module's
    # constants; nothing typed by a user is formatted into the string.
    sql = (
        f"SELECT w.subject_id, {columns} FROM ({inner}) i "  # noqa: S608  # nosec B608
        "JOIN unnest(%s::bigint[], %s::bigint[], %s::date[], %s::date[]) "
        "AS w(subject_key, subject_id, first_day, last_day) "
        "ON w.subject_key = i.subject_key AND i.on_day BETWEEN w.first_day AND w.last_day "
        "GROUP BY w.subject_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, keys, owners, firsts, lasts))
        for subject_id, *numbers in cursor:
            result[subject_id] = dict(zip(counts, numbers, strict=True))
    return result


def patrol_rate(subjects: list[Subject]) -> dict[int, Decimal | None]:
    """The figure patrol_rate per subject: patrols counted ÷ required (compliance_of).

    The chiefs in one call over the batch's days: compliance_of already counts for each chief
    only the whole periods it served, so over the period it gives what it gives over the days a
    chief served of it (a chief subject's days, subjects_of). Regions: their chiefs summed, one
    call per distinct span of days (a round has one)."""
    chiefs, regions = _by_kind(subjects)
    values: dict[int, Decimal | None] = {}
    if chiefs:
        rows = {
            row.chief_id: row
            for row in compliance_of(
                chiefs=Chief.objects.filter(pk__in=[s.chief.pk for s in chiefs]),
                date_from=min(s.date_from for s in chiefs),
                date_to=max(s.date_to for s in chiefs),
                roles=PATROLLING_ROLES,
            )
        }
        for s in chiefs:
            row = rows.get(s.chief.pk)
            values[s.id] = None if row is None else _percent(row.counted, row.required)
    spans: dict[tuple[datetime.date, datetime.date], list[Subject]] = {}
    for s in regions:
        spans.setdefault((s.date_from, s.date_to), []).append(s)
    for (date_from, date_to), group in spans.items():
        owners = _region_owners(group)
        counted = {s.id: 0 for s in group}
        required = {s.id: Decimal(0) for s in group}
        for row in compliance_of(
            chiefs=Chief.objects.filter(region_id__in=owners),
            date_from=date_from,
            date_to=date_to,
            roles=PATROLLING_ROLES,
        ):
            for owner in owners.get(row.region_id, ()):
                counted[owner] += row.counted
                required[owner] += row.required
        values.update({s.id: _percent(counted[s.id], required[s.id]) for s in group})
    return values


def resolution_rate(subjects: list[Subject]) -> dict[int, Decimal | None]:
    """The figure resolution_rate: issues found in the days counted and closed by their end ÷
    issues found in them."""
    counts = _issue_counts(
        subjects,
        on="reported_at",
        counts={"found": "TRUE", "closed": "i.closed_day <= w.last_day"},
    )
    return {s.id: _percent(counts[s.id]["closed"], counts[s.id]["found"]) for s in subjects}


def on_time_rate(subjects: list[Subject]) -> dict[int, Decimal | None]:
    """Issues closed in the days counted on or before their deadline (or with none) ÷ issues
    closed in them."""
    counts = _issue_counts(
        subjects,
        on="closed_at",
        counts={"closed": "TRUE", "on_time": "i.deadline IS NULL OR i.closed_day <= i.deadline"},
        status=IssueStatus.CLOSED,
    )
    return {s.id: _percent(counts[s.id]["on_time"], counts[s.id]["closed"]) for s in subjects}


@dataclass(frozen=True)
class Criterion:
    """``values`` gives the value of each subject of a batch (a round's), by subject id."""

    key: str
    label: object
    values: Callable[[list[Subject]], dict[int, Decimal | None]]

    def value(self, subject: Subject) -> Decimal | None:
        """The value for one subject: a batch of one."""
        return self.values([subject]).get(subject.id)


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
            .only("pk", "name", "appointed_on", "relieved_on")
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


def breakdowns_of(criteria: list[dict], subjects: list[Subject]) -> dict[int, list[dict]]:
    """Each subject's breakdown ``[{"key", "value", "points"}]``, by subject id: every criterion
    computes its values for the whole batch at once (a few queries however many subjects)."""
    values = {c["key"]: CRITERIA[c["key"]].values(subjects) for c in criteria}
    return {
        subject.id: [
            _row(criterion, values[criterion["key"]].get(subject.id)) for criterion in criteria
        ]
        for subject in subjects
    }


def _row(criterion: dict, value: Decimal | None) -> dict:
    points = points_of(Decimal(str(criterion["weight"])), Decimal(str(criterion["target"])), value)
    return {
        "key": criterion["key"],
        "value": None if value is None else float(value),
        "points": float(points),
    }


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
