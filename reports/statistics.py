"""Every figure of a region and period, computed once, for the ``stats/`` API and the reports.

Both read ``region_statistics``, so a report can never say what the API does not. Each group
of figures is one SQL aggregate over the scoped rows (no Python loops over records); the
lists the prose needs (places, reaches, months, communities) are in ``report_details``.

Counting rules, chosen to match how offices write "发现问题*个，已经整改的有*个":
- issues found: reported in the period;
- issues closed: of those, closed by the period's end (so closed <= found);
- issues overdue: open and past their deadline at the period's end (or today, if earlier);
- outfalls and facilities: distinct assets checked in the period, by kind.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import (
    CheckResult,
    Cleanup,
    FacilityCheck,
    Inspection,
    Meeting,
    MeetingKind,
    OutfallCheck,
    PublicityEvent,
    SignUpdate,
)
from issues.models import Issue, IssueEvent, IssueSource, IssueStatus
from map_patches.models import MapPatch
from patrols.models import Patrol
from patrols.periods import Period
from patrols.rules import RuleBook
from patrols.selectors import region_patrol_compliance
from rivers.models import (
    Bank,
    Chief,
    ChiefRole,
    Facility,
    FacilityKind,
    Outfall,
    OutfallKind,
    Reach,
    Region,
    River,
    RiverKind,
    Sign,
)

from .models import ReportKind

RATE_PLACES = Decimal("0.0001")
ZERO = Decimal(0)


# --- periods ------------------------------------------------------------------------------------


def period_bounds(
    *, kind: str, year: int, period: int | None
) -> tuple[datetime.date, datetime.date]:
    """First and last day of a quarter (1-4), a half (1-2) or a year."""
    if kind == ReportKind.ANNUAL:
        first_month, months = 1, 12
    elif kind == ReportKind.HALF_YEAR:
        first_month, months = 1 + 6 * ((period or 1) - 1), 6
    else:
        first_month, months = 1 + 3 * ((period or 1) - 1), 3
    last_month = first_month + months - 1
    return (
        datetime.date(year, first_month, 1),
        datetime.date(year, last_month, calendar.monthrange(year, last_month)[1]),
    )


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _as_of(date_to: datetime.date) -> datetime.date:
    """The day figures "so far" are taken at: the period's end, or today while it runs."""
    return min(date_to, timezone.localdate())


def _rate(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if not whole:
        return None
    return min(Decimal(1), Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, ROUND_HALF_UP)


def _sum(name: str, places: int = 2) -> Coalesce:
    return Coalesce(
        Sum(name), Value(ZERO), output_field=DecimalField(max_digits=14, decimal_places=places)
    )


def _overdue(end: datetime.datetime, as_of: datetime.date) -> Q:
    """Reported by the period's end, past its deadline on ``as_of`` and not closed by then."""
    return Q(reported_at__lt=end, deadline__lt=as_of) & (
        Q(closed_at__isnull=True) | Q(closed_at__gte=_day_start(as_of))
    )


def _count_by(rows, key: str, choices) -> dict[str, int]:
    counts = {str(value): 0 for value in choices.values}
    for row in rows:
        counts[row[key]] = row["n"]
    return counts


# --- the figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statistics:
    region_id: int
    region_name: str
    date_from: datetime.date
    date_to: datetime.date
    rivers: int
    flood_channels: int
    reaches: int
    chiefs: dict[str, int]
    signs: int
    signs_updated: int
    patrols: int
    patrolling_chiefs: int
    patrols_required: Decimal
    patrols_counted: int
    patrol_rate: Decimal | None
    issues_found: int
    issues_found_by_patrol: int
    issues_assigned: int
    issues_closed: int
    issues_overdue: int
    resolution_rate: Decimal | None
    issues_supervised: int
    issues_by_category: dict[str, int]
    issues_by_source: dict[str, int]
    publicity_events: int
    publicity_units: int
    publicity_participants: int
    banners: int
    slogans: int
    leaflets: int
    cleanups: int
    cleanup_points: int
    garbage_t: Decimal
    garbage_m3: Decimal
    cleanup_participants: int
    vehicles: int
    net_m: Decimal
    warning_signs: int
    cleanup_banners: int
    meetings: int
    trainings: int
    meeting_attendees: int
    inspections: int
    inspection_problems: int
    outfalls: dict[str, int]
    outfalls_checked: int
    outfalls_total: dict[str, int]
    facilities: dict[str, int]
    facilities_total: dict[str, int]
    facility_problems: int
    facility_issues_closed: int
    map_patches_checked: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready as the API writes it: dates ISO, decimals as numbers."""
        return {key: _jsonable(value) for key, value in asdict(self).items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    return value


def region_statistics(
    *, region: Region, date_from: datetime.date, date_to: datetime.date
) -> Statistics:
    """Every figure of ``region`` (and below) from ``date_from`` to ``date_to``, inclusive."""
    start, end = _day_start(date_from), _day_start(date_to + datetime.timedelta(days=1))
    as_of = _as_of(date_to)
    in_dates = {"date__gte": date_from, "date__lte": date_to}

    rivers = River.objects.in_region(region).aggregate(
        rivers=Count("pk"), flood_channels=Count("pk", filter=Q(kind=RiverKind.FLOOD_CHANNEL))
    )
    chiefs = _count_by(
        Chief.objects.in_region(region)
        .serving_between(date_from, date_to)
        .values("role")
        .annotate(n=Count("pk"))
        .order_by(),
        "role",
        ChiefRole,
    )
    patrols = (
        Patrol.objects.in_region(region)
        .filter(started_on__gte=date_from, started_on__lte=date_to)
        .aggregate(patrols=Count("pk"), patrolling_chiefs=Count("chief", distinct=True))
    )
    compliance = region_patrol_compliance(region=region, date_from=date_from, date_to=date_to)
    required = sum((row.required for row in compliance), ZERO)
    counted = sum(row.counted for row in compliance)

    found = Q(reported_at__gte=start, reported_at__lt=end)
    assigned = IssueEvent.objects.filter(issue=OuterRef("pk"), action="assign", at__lt=end)
    issues = (
        Issue.objects.in_region(region)
        .annotate(was_assigned=Exists(assigned))
        .aggregate(
            found=Count("pk", filter=found),
            by_patrol=Count("pk", filter=found & Q(source=IssueSource.PATROL)),
            assigned=Count("pk", filter=found & Q(was_assigned=True)),
            closed=Count("pk", filter=found & Q(closed_at__lt=end)),
            supervised=Count("pk", filter=found & Q(supervised=True)),
            overdue=Count("pk", filter=_overdue(end, as_of)),
        )
    )
    found_issues = Issue.objects.in_region(region).filter(found).order_by()
    by_category = {
        row["category"]: row["n"]
        for row in found_issues.values("category").annotate(n=Count("pk")).order_by("-n")
    }
    by_source = _count_by(
        found_issues.values("source").annotate(n=Count("pk")), "source", IssueSource
    )

    publicity = (
        PublicityEvent.objects.in_region(region)
        .filter(**in_dates)
        .aggregate(
            events=Count("pk"),
            units=Coalesce(Sum("units"), 0),
            participants=Coalesce(Sum("participants"), 0),
            banners=Coalesce(Sum("banners"), 0),
            slogans=Coalesce(Sum("slogans"), 0),
            leaflets=Coalesce(Sum("leaflets"), 0),
        )
    )
    cleanups = (
        Cleanup.objects.in_region(region)
        .filter(**in_dates)
        .aggregate(
            cleanups=Count("pk"),
            points=Coalesce(Sum("points"), 0),
            garbage_t=_sum("garbage_t"),
            garbage_m3=_sum("garbage_m3"),
            participants=Coalesce(Sum("participants"), 0),
            vehicles=Coalesce(Sum("vehicles"), 0),
            net_m=_sum("net_m", 1),
            warning_signs=Coalesce(Sum("warning_signs"), 0),
            banners=Coalesce(Sum("banners"), 0),
        )
    )
    meetings = (
        Meeting.objects.in_region(region)
        .filter(**in_dates)
        .aggregate(
            meetings=Count("pk", filter=Q(kind=MeetingKind.WORK_MEETING)),
            trainings=Count("pk", filter=Q(kind=MeetingKind.TRAINING)),
            attendees=Coalesce(Sum("attendees"), 0),
        )
    )
    inspections = (
        Inspection.objects.in_region(region)
        .filter(**in_dates)
        .aggregate(inspections=Count("pk"), problems=Coalesce(Sum("problems_found"), 0))
    )
    outfall_checks = OutfallCheck.objects.in_region(region).filter(**in_dates)
    outfalls = _count_by(
        outfall_checks.values(kind=F("outfall__kind"))
        .annotate(n=Count("outfall", distinct=True))
        .order_by(),
        "kind",
        OutfallKind,
    )
    facility_checks = FacilityCheck.objects.in_region(region).filter(**in_dates)
    facilities = _count_by(
        facility_checks.values(kind=F("facility__kind"))
        .annotate(n=Count("facility", distinct=True))
        .order_by(),
        "kind",
        FacilityKind,
    )
    facility_problems = facility_checks.aggregate(
        problems=Count("pk", filter=Q(result=CheckResult.PROBLEM)),
        closed=Count(
            "pk",
            filter=Q(issue__status=IssueStatus.CLOSED, issue__closed_at__lt=end),
        ),
    )

    return Statistics(
        region_id=region.pk,
        region_name=region.name,
        date_from=date_from,
        date_to=date_to,
        rivers=rivers["rivers"],
        flood_channels=rivers["flood_channels"],
        reaches=Reach.objects.in_region(region).count(),
        chiefs=chiefs,
        signs=Sign.objects.in_region(region).count(),
        signs_updated=SignUpdate.objects.in_region(region)
        .filter(**in_dates)
        .aggregate(n=Count("sign", distinct=True))["n"],
        patrols=patrols["patrols"],
        patrolling_chiefs=patrols["patrolling_chiefs"],
        patrols_required=required.quantize(Decimal("0.01"), ROUND_HALF_UP),
        patrols_counted=counted,
        patrol_rate=_rate(counted, required),
        issues_found=issues["found"],
        issues_found_by_patrol=issues["by_patrol"],
        issues_assigned=issues["assigned"],
        issues_closed=issues["closed"],
        issues_overdue=issues["overdue"],
        resolution_rate=_rate(issues["closed"], issues["found"]),
        issues_supervised=issues["supervised"],
        issues_by_category=by_category,
        issues_by_source=by_source,
        publicity_events=publicity["events"],
        publicity_units=publicity["units"],
        publicity_participants=publicity["participants"],
        banners=publicity["banners"],
        slogans=publicity["slogans"],
        leaflets=publicity["leaflets"],
        cleanups=cleanups["cleanups"],
        cleanup_points=cleanups["points"],
        garbage_t=cleanups["garbage_t"].quantize(Decimal("0.01")),
        garbage_m3=cleanups["garbage_m3"].quantize(Decimal("0.01")),
        cleanup_participants=cleanups["participants"],
        vehicles=cleanups["vehicles"],
        net_m=cleanups["net_m"].quantize(Decimal("0.1")),
        warning_signs=cleanups["warning_signs"],
        cleanup_banners=cleanups["banners"],
        meetings=meetings["meetings"],
        trainings=meetings["trainings"],
        meeting_attendees=meetings["attendees"],
        inspections=inspections["inspections"],
        inspection_problems=inspections["problems"],
        outfalls=outfalls,
        outfalls_checked=sum(outfalls.values()),
        outfalls_total=_count_by(
            Outfall.objects.in_region(region).values("kind").annotate(n=Count("pk")).order_by(),
            "kind",
            OutfallKind,
        ),
        facilities=facilities,
        facilities_total=_count_by(
            Facility.objects.in_region(region).values("kind").annotate(n=Count("pk")).order_by(),
            "kind",
            FacilityKind,
        ),
        facility_problems=facility_problems["problems"],
        facility_issues_closed=facility_problems["closed"],
        map_patches_checked=MapPatch.objects.in_region(region)
        .filter(checked_at__gte=start, checked_at__lt=end)
        .count(),
    )


# --- what the prose and the tables list ---------------------------------------------------------


@dataclass(frozen=True)
class Details:
    publicity_places: list[str] = field(default_factory=list)
    patrolled_reaches: list[dict[str, Any]] = field(default_factory=list)
    flood_channels_patrolled: int = 0
    sewage_plants_patrolled: int = 0
    police_units: list[str] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    cleanup_months: list[dict[str, Any]] = field(default_factory=list)
    monthly: list[dict[str, Any]] = field(default_factory=list)
    communities: list[dict[str, Any]] = field(default_factory=list)
    overdue_issues: list[dict[str, Any]] = field(default_factory=list)
    short_chiefs: list[dict[str, Any]] = field(default_factory=list)
    short_chiefs_count: int = 0
    recurring_categories: list[dict[str, Any]] = field(default_factory=list)
    superior_issues: list[dict[str, Any]] = field(default_factory=list)
    facility_rectifying_communities: list[str] = field(default_factory=list)
    last_month: int = 12

    def as_dict(self) -> dict[str, Any]:
        return {key: _jsonable(value) for key, value in asdict(self).items()}


# A category "keeps recurring" when the period saw at least this many issues of it.
RECURRING_AT = 3
LISTED_OVERDUE = 10
LISTED_SHORT = 10
LISTED_PLACES = 3


def _months(date_from: datetime.date, date_to: datetime.date) -> list[str]:
    months, month = [], date_from.replace(day=1)
    while month <= date_to:
        months.append(f"{month:%Y-%m}")
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _by_month(rows, key: str = "month") -> dict[str, dict[str, Any]]:
    return {f"{row[key]:%Y-%m}": row for row in rows}


def _child_regions(region: Region) -> list[Region]:
    """The table's rows: the communities of a street, the streets of a county."""
    children = list(Region.objects.filter(parent=region).order_by("code"))
    return children or [region]


def report_details(
    *,
    region: Region,
    date_from: datetime.date,
    date_to: datetime.date,
    statistics: Statistics | None = None,
) -> Details:
    start, end = _day_start(date_from), _day_start(date_to + datetime.timedelta(days=1))
    as_of = _as_of(date_to)
    in_dates = {"date__gte": date_from, "date__lte": date_to}
    patrols = Patrol.objects.in_region(region).filter(
        started_on__gte=date_from, started_on__lte=date_to
    )
    issues = Issue.objects.in_region(region)
    found = issues.filter(reported_at__gte=start, reported_at__lt=end)

    places = [
        row["place"]
        for row in PublicityEvent.objects.in_region(region)
        .filter(**in_dates)
        .exclude(place="")
        .values("place")
        .annotate(n=Count("pk"))
        .order_by("-n", "place")[:LISTED_PLACES]
    ]

    patrolled = (
        Reach.objects.in_region(region)
        .filter(Exists(patrols.filter(reach=OuterRef("pk"))))
        .select_related("river")
        .order_by("river__code", "name")
    )
    reaches = [
        {
            "river": reach.river.name,
            "river_kind": reach.river.kind,
            "bank": reach.bank,
            "bank_label": str(Bank(reach.bank).label),
            "reach": reach.name,
        }
        for reach in patrolled
    ]
    flood_channels = len(
        {row["river"] for row in reaches if row["river_kind"] == RiverKind.FLOOD_CHANNEL}
    )
    sewage_plants = Facility.objects.filter(
        kind=FacilityKind.SEWAGE_PLANT, reach__in=patrolled.values("pk")
    ).count()

    police_units = list(
        Chief.objects.in_region(region)
        .serving_between(date_from, date_to)
        .filter(role=ChiefRole.POLICE_CHIEF)
        .exclude(unit="")
        .values_list("unit", flat=True)
        .distinct()
        .order_by("unit")
    )

    rule_book = RuleBook.load()
    roles = {
        role for role, count in (statistics.chiefs if statistics else {}).items() if count
    } or {ChiefRole.STREET_CHIEF, ChiefRole.COMMUNITY_CHIEF}
    rules = []
    for role in ChiefRole:
        rule = rule_book.rule_for(role, as_of) if role in roles else None
        if rule is not None:
            rules.append(
                {
                    "role": str(role),
                    "role_label": str(role.label),
                    "period": rule.period,
                    "period_label": str(Period(rule.period).label),
                    "min_count": rule.min_count,
                }
            )

    cleanup_rows = _by_month(
        Cleanup.objects.in_region(region)
        .filter(**in_dates)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(
            points=Coalesce(Sum("points"), 0),
            garbage_m3=_sum("garbage_m3"),
            garbage_t=_sum("garbage_t"),
        )
        .order_by("month")
    )
    cleanup_months = [
        {
            "month": month,
            "points": row["points"],
            "garbage_m3": row["garbage_m3"],
            "garbage_t": row["garbage_t"],
        }
        for month, row in cleanup_rows.items()
    ]

    patrol_months = _by_month(
        patrols.annotate(month=TruncMonth("started_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found_months = _by_month(
        found.annotate(month=TruncMonth("reported_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    closed_months = _by_month(
        found.filter(closed_at__lt=end)
        .annotate(month=TruncMonth("closed_at"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    monthly = [
        {
            "month": month,
            "patrols": patrol_months.get(month, {}).get("n", 0),
            "issues_found": found_months.get(month, {}).get("n", 0),
            "issues_closed": closed_months.get(month, {}).get("n", 0),
        }
        for month in _months(date_from, date_to)
    ]

    communities = _community_rows(
        region, patrols=patrols, issues=issues, start=start, end=end, as_of=as_of
    )

    overdue = (
        issues.filter(_overdue(end, as_of)).select_related("region").order_by("deadline", "code")
    )
    overdue_issues = [
        {
            "code": issue.code,
            "title": issue.title,
            "region": issue.region.name,
            "deadline": issue.deadline,
            "days_overdue": (as_of - issue.deadline).days,
        }
        for issue in overdue[:LISTED_OVERDUE]
    ]

    compliance = region_patrol_compliance(region=region, date_from=date_from, date_to=as_of)
    short = sorted(
        (row for row in compliance if row.rate is not None and row.rate < 1),
        key=lambda row: (row.rate, row.region_name, row.name),
    )
    short_chiefs = [
        {
            "name": row.name,
            "role_label": str(ChiefRole(row.role).label),
            "region": row.region_name,
            "required": row.required.quantize(Decimal("0.01"), ROUND_HALF_UP),
            "done": row.done,
            "rate": row.rate,
        }
        for row in short[:LISTED_SHORT]
    ]

    recurring = [
        {"category": row["category"], "label": _category_label(row["category"]), "count": row["n"]}
        for row in found.values("category")
        .annotate(n=Count("pk"))
        .filter(n__gte=RECURRING_AT)
        .order_by("-n", "category")
    ]

    superior = [
        {
            "source": issue.source,
            "source_label": str(IssueSource(issue.source).label),
            "title": issue.title,
            "reported_month": timezone.localtime(issue.reported_at).month,
            "closed_month": (
                timezone.localtime(issue.closed_at).month
                if issue.closed_at and issue.closed_at < end
                else None
            ),
            "status_label": str(IssueStatus(issue.status).label),
        }
        for issue in found.filter(
            source__in=[IssueSource.SUPERIOR, IssueSource.PROCURATORATE]
        ).order_by("reported_at")
    ]

    rectifying = list(
        Region.objects.filter(
            pk__in=FacilityCheck.objects.in_region(region)
            .filter(**in_dates, issue__status=IssueStatus.CLOSED, issue__closed_at__lt=end)
            .values("issue__region")
        )
        .order_by("code")
        .values_list("name", flat=True)
    )

    return Details(
        publicity_places=places,
        patrolled_reaches=reaches,
        flood_channels_patrolled=flood_channels,
        sewage_plants_patrolled=sewage_plants,
        police_units=police_units,
        rules=rules,
        cleanup_months=cleanup_months,
        monthly=monthly,
        communities=communities,
        overdue_issues=overdue_issues,
        short_chiefs=short_chiefs,
        short_chiefs_count=len(short),
        recurring_categories=recurring,
        superior_issues=superior,
        facility_rectifying_communities=rectifying,
        last_month=as_of.month,
    )


def _category_label(category: str) -> str:
    from calendars.models import IssueCategory

    try:
        return str(IssueCategory(category).label)
    except ValueError:
        return category


def _community_rows(
    region: Region,
    *,
    patrols,
    issues,
    start: datetime.datetime,
    end: datetime.datetime,
    as_of: datetime.date,
) -> list[dict[str, Any]]:
    """Per child region: patrols, issues found, closed, overdue. Grouped in SQL by the leaf
    region, then the groups (not the records) are summed up to the child they lie in."""
    children = _child_regions(region)
    owner: dict[int, int] = {child.pk: child.pk for child in children}
    if children != [region]:
        for pk, parent_id in Region.objects.filter(parent__in=children).values_list(
            "pk", "parent_id"
        ):
            owner[pk] = parent_id
    rows = {child.pk: _blank_row(child.pk, child.name) for child in children}
    if children != [region]:
        # Records kept at the region's own level (an issue reported at the street office).
        owner[region.pk] = region.pk
        rows[region.pk] = _blank_row(region.pk, _("%(region)s本级") % {"region": region.name})
    for row in patrols.values(leaf=F("reach__region")).annotate(n=Count("pk")).order_by():
        if row["leaf"] in owner:
            rows[owner[row["leaf"]]]["patrols"] += row["n"]
    found = Q(reported_at__gte=start, reported_at__lt=end)
    grouped = (
        issues.values(leaf=F("region"))
        .annotate(
            found=Count("pk", filter=found),
            closed=Count("pk", filter=found & Q(closed_at__lt=end)),
            overdue=Count("pk", filter=_overdue(end, as_of)),
        )
        .order_by()
    )
    for row in grouped:
        if row["leaf"] in owner:
            target = rows[owner[row["leaf"]]]
            target["issues_found"] += row["found"]
            target["issues_closed"] += row["closed"]
            target["issues_overdue"] += row["overdue"]
    return [
        row
        for row in rows.values()
        if row["region_id"] != region.pk
        or any(row[key] for key in _COUNTED)
        or children == [region]
    ]


_COUNTED = ("patrols", "issues_found", "issues_closed", "issues_overdue")


def _blank_row(region_id: int, name: str) -> dict[str, Any]:
    return {"region_id": region_id, "name": name, **dict.fromkeys(_COUNTED, 0)}
