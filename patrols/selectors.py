"""Reads for patrols, and compliance (巡河率): patrols done against patrols required.

Compliance counts, per chief, the valid patrols in each period of the rule in force, each period
capped at the rule's minimum (five patrols in one week do not make up for three missed weeks),
against what the rules require over the days the chief served in the range (pro rata: a chief
appointed mid-month owes that month's share). One SQL aggregate does the counting.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When

from accounts.models import User
from rivers.models import Chief, Region, RegionLevel

from .models import Patrol, PatrolRule
from .periods import period_start_sql
from .rules import RuleBook


def patrol_list(*, user: User) -> QuerySet[Patrol]:
    return (
        Patrol.objects.visible_to(user)
        .select_related("chief", "reach__river")
        .prefetch_related("findings__photos")
        .defer("track_raw")
    )


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
    required: Decimal
    done: int
    counted: int  # done, capped per period at the rule's minimum
    rate: Decimal | None


def _required(rule_book: RuleBook, role: str, first: datetime.date, last: datetime.date) -> Decimal:
    """What the rules ask of ``role`` from ``first`` to ``last``: each day owes its share of the
    period it lies in, so whole periods owe the minimum and part periods their part of it."""
    total = sum(
        (
            stretch.rule.min_count * stretch.share
            for stretch in rule_book.stretches(role, first, last)
        ),
        Decimal(0),
    )
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _counting_query(
    *,
    chiefs: QuerySet[Chief],
    rule_book: RuleBook,
    date_from: datetime.date,
    date_to: datetime.date,
) -> tuple[str, tuple]:
    """SQL of the aggregate: per chief, valid patrols done and counted (capped per period)."""
    period_of, cap_of = [], []
    for rule in rule_book.rules():
        condition = Q(chief__role=rule.role)
        if rule.months:
            condition &= Q(started_on__month__in=rule.months)
        period_of.append(When(condition, then=period_start_sql(rule.period, "started_on")))
        cap_of.append(When(condition, then=Value(rule.min_count)))
    patrols = (
        Patrol.objects.filter(
            valid=True,
            started_on__gte=date_from,
            started_on__lte=date_to,
            chief__in=chiefs.values("pk"),
        )
        .filter(started_on__gte=F("chief__appointed_on"))
        .filter(Q(chief__relieved_on__isnull=True) | Q(started_on__lte=F("chief__relieved_on")))
        .annotate(
            bucket=Case(*period_of, default=Value(None), output_field=IntegerField()),
            cap=Case(*cap_of, default=Value(0), output_field=IntegerField()),
        )
        .values("chief_id", "bucket", "cap")
        # COUNT(*), not COUNT(id): the partial index patrol_valid_chief_day then answers the
        # whole query (an index-only scan in chief order, sorted per chief in memory).
        .annotate(n=Count("*"))
        .order_by()
    )
    inner, params = patrols.query.sql_with_params()
    # The inner SQL comes from the ORM with its parameters kept apart; nothing user-typed is
    # formatted into the string.
    sql = (
        "SELECT t.chief_id, SUM(t.n), "  # noqa: S608  # nosec B608
        "SUM(CASE WHEN t.bucket IS NULL THEN 0 WHEN t.n < t.cap THEN t.n ELSE t.cap END) "
        f"FROM ({inner}) t GROUP BY t.chief_id"
    )
    return sql, params


def patrol_compliance(
    *,
    user: User,
    date_from: datetime.date,
    date_to: datetime.date,
    region: Region | None = None,
) -> list[ComplianceRow]:
    """Every chief the user can see under a patrol rule who served in the range."""
    chiefs = Chief.objects.visible_to(user)
    if region is not None:
        chiefs = chiefs.in_region(region)
    return compliance_of(chiefs=chiefs, date_from=date_from, date_to=date_to)


def region_patrol_compliance(
    *, region: Region, date_from: datetime.date, date_to: datetime.date
) -> list[ComplianceRow]:
    """The same for a whole region, for jobs that run without a user (the monthly bulletin)."""
    return compliance_of(
        chiefs=Chief.objects.in_region(region), date_from=date_from, date_to=date_to
    )


def compliance_of(
    *, chiefs: QuerySet[Chief], date_from: datetime.date, date_to: datetime.date
) -> list[ComplianceRow]:
    """Required, done, counted and rate for each of ``chiefs`` under a rule, serving in range."""
    rule_book = RuleBook.load()
    chiefs = chiefs.serving_between(date_from, date_to).filter(role__in=rule_book.roles)
    counts: dict[int, tuple[int, int]] = {}
    if rule_book.roles:
        sql, params = _counting_query(
            chiefs=chiefs, rule_book=rule_book, date_from=date_from, date_to=date_to
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            counts = {chief_id: (int(done), int(counted)) for chief_id, done, counted in cursor}

    required = lru_cache(maxsize=None)(
        lambda role, first, last: _required(rule_book, role, first, last)
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
        first = max(date_from, chief["appointed_on"])
        last = min(date_to, chief["relieved_on"] or date_to)
        owed = required(chief["role"], first, last)
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
                required=owed,
                done=done,
                counted=counted,
                rate=_rate(counted, owed),
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
        short = sum(1 for m in members if m.rate is not None and m.rate < 1)
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
