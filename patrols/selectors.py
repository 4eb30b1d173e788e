"""Reads for patrols, and compliance (巡河率): patrols done against patrols required.

Compliance counts, per chief, the valid patrols in each whole period of the rule in force that
has ended in the range, each period capped at the rule's minimum (five patrols in one week do not
make up for three missed weeks), against the rule's minimum of those periods. A chief is short
only for a whole period that has ended: no pro rata for a part period (an appointment, a relief,
a rule change, the range's end). One SQL aggregate does the counting.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.db import connection, connections, router
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from accounts.models import Region, RegionLevel, User
from core.geo import TrackPoint
from rivers.models import Chief

from . import tracks
from .models import Finding, FindingPhoto, Patrol, PatrolRule
from .periods import period_key, period_start_sql
from .rules import RuleBook


def patrol_list(*, user: User) -> QuerySet[Patrol]:
    return (
        Patrol.objects.visible_to(user)
        .select_related("chief", "reach__river")
        .prefetch_related(
            Prefetch("findings", queryset=Finding.objects.select_related("issue")),
            "findings__photos",
        )
        .defer("track_raw")
    )


def patrol_raw_track(*, patrol: Patrol) -> dict | None:
    """The track exactly as received (deferred in lists: it is the big one)."""
    return Patrol.objects.filter(pk=patrol.pk).values_list("track_raw", flat=True).first()


def patrol_dropped_fixes(*, raw_track: dict | None) -> list[TrackPoint]:
    """The fixes of a raw track that filing dropped as drift, found again with the drift limits
    in force (``PATROL_MAX_SPEED_KMH``, ``PATROL_MAX_GAP_M``)."""
    if not raw_track:
        return []
    try:
        points = tracks.from_geojson(raw_track)
    except tracks.TrackError:
        return []
    _kept, dropped = tracks.split_jumps(
        points, max_speed_kmh=settings.PATROL_MAX_SPEED_KMH, max_gap_m=settings.PATROL_MAX_GAP_M
    )
    return dropped


def finding_photo_list(*, user: User) -> QuerySet[FindingPhoto]:
    """The photos of the findings of the patrols ``user`` sees: the office and leaders of the
    region, and the chiefs there (the one who filed the patrol among them)."""
    return FindingPhoto.objects.visible_to(user)


def patrol_rule_list(*, user: User) -> QuerySet[PatrolRule]:
    # Rules are the portal's policy, the same for every region.
    return PatrolRule.objects.all()


@dataclass(frozen=True)
class ComplianceRow:
    chief_id: int
    name: str
    role: str
    region_id: int
    region_name: str
    street_id: int | None
    community_id: int | None
    required: Decimal  # whole patrols: the rules' minimum over the owed periods
    done: int
    counted: int  # valid patrols of the owed periods, each period capped at the rule's minimum
    rate: Decimal | None
    short: bool = False  # counted < required: a whole ended period fell short


@dataclass(frozen=True)
class OwedPeriod:
    """A whole period of a rule, ended, that a chief serving all of it owes."""

    role: str
    key: int  # period_key(start): what period_start_sql gives for the period's days
    start: datetime.date
    end: datetime.date
    min_count: int


def owed_periods(
    rule_book: RuleBook,
    *,
    roles: Iterable[str],
    date_from: datetime.date,
    as_of: datetime.date,
    today: datetime.date,
) -> list[OwedPeriod]:
    """The whole periods of the rules for ``roles`` that end in [date_from, as_of] and before
    today (a period ending today has not ended). Each period belongs to the one day it ends on,
    so the figures of consecutive ranges add up."""
    last_end = min(as_of, today - datetime.timedelta(days=1))
    return [
        OwedPeriod(
            role=role,
            key=period_key(period.start),
            start=period.start,
            end=period.end,
            min_count=period.rule.min_count,
        )
        for role in sorted(roles)
        for period in rule_book.whole_periods(role, date_from, last_end)
    ]


def _bucket(
    rule_book: RuleBook, roles: set[str], first: datetime.date, last: datetime.date
) -> Case:
    """SQL: the period (as period_start_sql's period_key) of the rule in force for the patrol's
    chief on the patrol's day, for days in [first, last]; NULL on a day under no rule."""
    buckets = []
    # Month-naming rules first, as RuleBook.rule_for decides.
    for rule in sorted(rule_book.rules(), key=lambda r: (not r.months, r.valid_from)):
        if rule.role not in roles or not rule.in_force_between(first, last):
            continue
        condition = Q(chief__role=rule.role)
        # Bounds the whole range lies within are left out: this CASE runs once per patrol.
        if rule.valid_from > first:
            condition &= Q(started_on__gte=rule.valid_from)
        if rule.valid_to is not None and rule.valid_to < last:
            condition &= Q(started_on__lte=rule.valid_to)
        if rule.months:
            condition &= Q(started_on__month__in=rule.months)
        buckets.append(When(condition, then=period_start_sql(rule.period, "started_on")))
    return Case(*buckets, default=Value(None), output_field=IntegerField())


def _counting_query(
    *,
    chiefs: QuerySet[Chief],
    rule_book: RuleBook,
    date_from: datetime.date,
    date_to: datetime.date,
    as_of: datetime.date | None = None,
    roles: Iterable[str] | None = None,
    today: datetime.date | None = None,
) -> tuple[str, tuple]:
    """SQL of the aggregate: per chief, valid patrols done in [date_from, as_of] and those
    counted in the owed periods (capped per period at the rule's minimum).

    The owed periods (a few hundred a year, the same for every chief of a role) are computed in
    Python and joined in as a small derived table by (role, period key); a chief counts a period
    only when serving all of it. Patrols are grouped by chief and period first (the partial
    index patrol_valid_chief_day answers that part), so the join sees one row per period."""
    today = today or timezone.localdate()
    as_of = as_of or min(date_to, today)
    roles = set(rule_book.roles if roles is None else roles) & rule_book.roles
    owed = owed_periods(rule_book, roles=roles, date_from=date_from, as_of=as_of, today=today)
    first = min([date_from, *(period.start for period in owed)])
    in_range = Q(started_on__gte=date_from, started_on__lte=as_of)
    patrols = (
        Patrol.objects.filter(
            valid=True,
            started_on__gte=first,
            started_on__lte=max(as_of, first),
            chief__in=chiefs.values("pk"),
        )
        # Patrols made while serving only (the filing service refuses others; older rows stay).
        .filter(started_on__gte=F("chief__appointed_on"))
        .filter(Q(chief__relieved_on__isnull=True) | Q(started_on__lte=F("chief__relieved_on")))
        .annotate(
            bucket=_bucket(rule_book, roles, first, max(as_of, first)),
            in_range=Case(When(in_range, then=Value(1)), default=Value(0)),
        )
        .values("chief_id", "bucket")
        # COUNT(*), not COUNT(id): the partial index patrol_valid_chief_day then answers the
        # whole query (an index-only scan in chief order, sorted per chief in memory).
        .annotate(n=Count("*"), d=Sum("in_range"))
        .order_by()
    )
    inner, params = patrols.query.sql_with_params()
    # The owed periods as a derived table; an impossible row keeps it valid SQL when none is
    # owed (a role no chief holds, a bucket no patrol has).
    rows = [
        (period.role, period.key, period.start, period.end, period.min_count) for period in owed
    ]
    rows = rows or [("", -1, first, first, 0)]
    owed_sql = " UNION ALL ".join(
        ["SELECT %s AS role, %s AS bucket, %s AS first_day, %s AS last_day, %s AS cap"]
        + ["SELECT %s, %s, %s, %s, %s"] * (len(rows) - 1)
    )
    owed_params = tuple(value for row in rows for value in row)
    chief_table = connection.ops.quote_name(Chief._meta.db_table)
    # The SQL is built from the ORM's (parameters kept apart) and constants; nothing user-typed
    # is formatted into the string.
    sql = (
        "SELECT t.chief_id, SUM(t.d), "  # noqa: S608  # nosec B608
        "SUM(CASE WHEN o.cap IS NULL THEN 0 WHEN t.n < o.cap THEN t.n ELSE o.cap END) "
        f"FROM ({inner}) t "
        f"JOIN {chief_table} c ON c.id = t.chief_id "
        f"LEFT JOIN ({owed_sql}) o ON o.role = c.role AND o.bucket = t.bucket "
        "AND c.appointed_on <= o.first_day "
        "AND (c.relieved_on IS NULL OR c.relieved_on >= o.last_day) "
        "GROUP BY t.chief_id"
    )
    return sql, (*params, *owed_params)


def patrol_compliance(
    *,
    user: User,
    date_from: datetime.date,
    date_to: datetime.date,
    region: Region | None = None,
    as_of: datetime.date | None = None,
    roles: Iterable[str] | None = None,
) -> list[ComplianceRow]:
    """Every chief the user can see under a patrol rule who served in the range."""
    chiefs = Chief.objects.visible_to(user)
    if region is not None:
        chiefs = chiefs.in_region(region)
    return compliance_of(
        chiefs=chiefs, date_from=date_from, date_to=date_to, as_of=as_of, roles=roles
    )


def region_patrol_compliance(
    *,
    region: Region,
    date_from: datetime.date,
    date_to: datetime.date,
    as_of: datetime.date | None = None,
    roles: Iterable[str] | None = None,
) -> list[ComplianceRow]:
    """The same for a whole region, for jobs that run without a user (the monthly bulletin)."""
    return compliance_of(
        chiefs=Chief.objects.in_region(region),
        date_from=date_from,
        date_to=date_to,
        as_of=as_of,
        roles=roles,
    )


def compliance_of(
    *,
    chiefs: QuerySet[Chief],
    date_from: datetime.date,
    date_to: datetime.date,
    as_of: datetime.date | None = None,
    roles: Iterable[str] | None = None,
    today: datetime.date | None = None,
) -> list[ComplianceRow]:
    """Required, done, counted, rate and short for each of ``chiefs`` under a rule who served
    in [date_from, as_of] (``as_of``: the last day counted, default min(date_to, today)).

    A chief owes the whole periods of the rule in force that end in [date_from, as_of] and have
    ended, served in full under one rule (see owed_periods): a period cut by a rule change, an
    appointment or a relief owes nothing, and a period still running owes nothing yet. So a
    week counts in full in the month it ends in, with its patrols of the month before, and the
    figures of consecutive ranges add up. ``roles`` restricts the roles (default: every role
    under a rule; rivers.models.PATROLLING_ROLES for 巡河 alone). ``today`` (default the local
    date) says which periods have ended: a report made on a Sunday owes no week ending that day.
    """
    today = today or timezone.localdate()
    as_of = as_of or min(date_to, today)
    rule_book = RuleBook.load()
    wanted = rule_book.roles_between(date_from, date_to)
    if roles is not None:
        wanted &= set(roles)
    chiefs = chiefs.serving_between(date_from, max(as_of, date_from)).filter(role__in=wanted)
    counts: dict[int, tuple[int, int]] = {}
    if wanted:
        sql, params = _counting_query(
            chiefs=chiefs,
            rule_book=rule_book,
            date_from=date_from,
            date_to=date_to,
            as_of=as_of,
            roles=wanted,
            today=today,
        )
        # Where the ORM reads patrols (the read replica on a read-only page: core.db_routing).
        with connections[router.db_for_read(Patrol)].cursor() as cursor:
            cursor.execute(sql, params)
            counts = {chief_id: (int(done), int(counted)) for chief_id, done, counted in cursor}

    owed = owed_periods(rule_book, roles=wanted, date_from=date_from, as_of=as_of, today=today)
    by_role: dict[str, list[OwedPeriod]] = defaultdict(list)
    for period in owed:
        by_role[period.role].append(period)

    @cache
    def required(role: str, appointed_on: datetime.date, relieved_on: datetime.date | None) -> int:
        return sum(
            period.min_count
            for period in by_role[role]
            if appointed_on <= period.start and (relieved_on is None or relieved_on >= period.end)
        )

    rows = []
    for chief in chiefs.values(
        "pk",
        "name",
        "role",
        "region_id",
        "region__name",
        "region__level",
        "region__parent_id",
        "appointed_on",
        "relieved_on",
    ).order_by("region__code", "role", "name", "pk"):
        owed_count = required(chief["role"], chief["appointed_on"], chief["relieved_on"])
        done, counted = counts.get(chief["pk"], (0, 0))
        in_community = chief["region__level"] == RegionLevel.COMMUNITY
        rows.append(
            ComplianceRow(
                chief_id=chief["pk"],
                name=chief["name"],
                role=chief["role"],
                region_id=chief["region_id"],
                region_name=chief["region__name"],
                street_id=chief["region__parent_id"]
                if in_community
                else (chief["region_id"] if chief["region__level"] == RegionLevel.STREET else None),
                community_id=chief["region_id"] if in_community else None,
                required=Decimal(owed_count),
                done=done,
                counted=counted,
                rate=_rate(counted, Decimal(owed_count)),
                short=counted < owed_count,
            )
        )
    return rows


def _rate(counted: int | Decimal, required: Decimal) -> Decimal | None:
    if required <= 0:
        return None
    return min(Decimal(1), Decimal(counted) / required).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class RankingRow:
    rank: int
    region_id: int
    region_name: str
    chiefs: int
    required: Decimal
    counted: int
    rate: Decimal | None
    short_chiefs: int  # chiefs below their rule


def compliance_ranking(rows: list[ComplianceRow], *, level: str) -> list[RankingRow]:
    """Communities or streets ranked by their chiefs' patrols counted against required."""
    key = "community_id" if level == RegionLevel.COMMUNITY else "street_id"
    groups: dict[int, list[ComplianceRow]] = defaultdict(list)
    for row in rows:
        region_id = getattr(row, key)
        if region_id is not None:
            groups[region_id].append(row)
    names = dict(Region.objects.filter(pk__in=groups).values_list("pk", "name"))
    totals = []
    for region_id, members in groups.items():
        required = sum((m.required for m in members), Decimal(0))
        counted = sum(m.counted for m in members)
        short = sum(1 for m in members if m.short)
        totals.append((region_id, len(members), required, counted, _rate(counted, required), short))
    totals.sort(key=lambda t: (-(t[4] if t[4] is not None else Decimal(-1)), names[t[0]]))
    ranking, rank = [], 0
    for position, (region_id, count, required, counted, rate, short) in enumerate(totals, 1):
        # Equal rates share a rank, and the next rank skips past them (1, 2, 2, 4).
        if position == 1 or rate != ranking[-1].rate:
            rank = position
        ranking.append(
            RankingRow(
                rank=rank,
                region_id=region_id,
                region_name=names[region_id],
                chiefs=count,
                required=required,
                counted=counted,
                rate=rate,
                short_chiefs=short,
            )
        )
    return ranking
