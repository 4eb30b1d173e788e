"""Every figure of a region and period, computed once, for the ``stats/`` API and the reports.

What each figure means and which records it counts is declared once, in ``reports.figures``;
this module counts them (``region_statistics``: one aggregate per source of rows) and gathers the
lists the prose and tables name (``report_details``), each cut by a registered figure's rows. The
``stats/`` API, the reports and (through the rollups) the dashboard all read these.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import asdict, dataclass, field, make_dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Region
from accounts.querysets import subtrees_remembered
from activities.selectors import joint_police_checks, publicity_venues
from issues.models import Issue, IssueSource, IssueStatus
from patrols.periods import Period
from patrols.rules import RuleBook
from patrols.selectors import ComplianceRow, compliance_of
from rivers.models import (
    PATROLLING_ROLES,
    Bank,
    Chief,
    ChiefRole,
    Facility,
    FacilityKind,
    Reach,
    RiverKind,
)
from rivers.selectors import river_plan_open_tasks

from .figures import FIGURES, SOURCES, Figure, Scope, figure, water_figures, year_before
from .models import ReportKind
from .selectors_assessment import published_citations

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


def _rate(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    if not whole:
        return None
    return min(Decimal(1), Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, ROUND_HALF_UP)


# --- the figures --------------------------------------------------------------------------------


def _python_type(fig: Figure) -> Any:
    kind = fig.kind
    if kind == "breakdown":
        return dict[str, int]
    if kind == "rate":
        return Decimal | None
    if fig.places:
        return Decimal
    return int


# The figures as one typed, frozen object: an attribute per registered figure (so a misspelt
# figure is an AttributeError, never a silent 0), made from the registry so the two cannot differ.
_Figures = make_dataclass(
    "_Figures",
    [
        ("region_id", int),
        ("region_name", str),
        ("date_from", datetime.date),
        ("date_to", datetime.date),
        ("as_of", datetime.date),
        *((fig.key, _python_type(fig)) for fig in FIGURES.values()),
    ],
    frozen=True,
)


class Statistics(_Figures):
    """Every registered figure of one region and period (see ``reports.figures``)."""

    @property
    def running(self) -> bool:
        """The period had not ended on ``as_of``: the text says "截至X月X日"."""
        return self.as_of < self.date_to

    @property
    def four_disorders(self) -> dict[str, Any]:
        return {
            "cleanups": self.four_disorders_cleanups,
            "points": self.four_disorders_points,
            "garbage_t": self.four_disorders_garbage_t,
            "garbage_m3": self.four_disorders_garbage_m3,
        }

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready as the API writes it: dates ISO, decimals as numbers."""
        return {key: _jsonable(value) for key, value in asdict(self).items()}

    @classmethod
    def blank(
        cls,
        *,
        date_from: datetime.date = datetime.date(2000, 1, 1),
        date_to: datetime.date = datetime.date(2000, 12, 31),
        as_of: datetime.date | None = None,
        region_id: int = 0,
        region_name: str = "",
        **figures: Any,
    ) -> Statistics:
        """Every figure nothing (zero, an empty breakdown, no rate) but those given: a period
        with no records, or text composed without a database. An unknown figure is refused."""
        unknown = set(figures) - set(FIGURES)
        if unknown:
            raise TypeError(f"no such figures: {sorted(unknown)}")
        values: dict[str, Any] = {}
        for key, fig in FIGURES.items():
            if fig.kind == "breakdown":
                values[key] = {str(v): 0 for v in fig.choices.values} if fig.choices else {}
            elif fig.kind == "rate":
                values[key] = None
            else:
                values[key] = _typed(fig, 0)
        for key, value in figures.items():
            fig = FIGURES[key]
            if fig.kind == "breakdown":
                values[key] = {**values[key], **value}
            else:
                values[key] = None if value is None else _typed(fig, value)
        return cls(
            region_id=region_id,
            region_name=region_name,
            date_from=date_from,
            date_to=date_to,
            as_of=as_of or date_to,
            **values,
        )


def _typed(fig: Figure, value: Any) -> Any:
    if _python_type(fig) is int:
        return int(value)
    return Decimal(str(value))


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


def _aggregate(fig: Figure, scope: Scope) -> Any:
    condition = fig.condition(scope)
    if fig.total:
        output = (
            DecimalField(max_digits=16, decimal_places=fig.places) if fig.places else IntegerField()
        )
        return Coalesce(Sum(fig.total, filter=condition), Value(0), output_field=output)
    return Count("pk", filter=condition)


def count_figures(scope: Scope, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every registered figure counted from rows (but those in ``skip``): one aggregate per
    source, one grouped query per breakdown."""
    values: dict[str, Any] = {}
    by_source: dict[str, list[Figure]] = {}
    for fig in FIGURES.values():
        if fig.source is None or fig.key in skip:
            continue
        if fig.narrow:
            values[fig.key] = fig.rows(scope).select_related(None).order_by().count()
            continue
        if fig.by:
            rows = (
                fig.rows(scope)
                .select_related(None)
                .values(fig.by)
                .annotate(n=Count("pk"))
                .order_by()
            )
            counts = {str(value): 0 for value in fig.choices.values} if fig.choices else {}
            for row in sorted(rows, key=lambda row: (-row["n"], row[fig.by])):
                counts[row[fig.by]] = row["n"]
            values[fig.key] = counts
        else:
            by_source.setdefault(fig.source, []).append(fig)
    for source, figs in by_source.items():
        rows = SOURCES[source].rows(scope).select_related(None).order_by()
        # Aliased apart from the columns (a figure may share a column's name: garbage_t).
        counted = rows.aggregate(**{f"figure__{fig.key}": _aggregate(fig, scope) for fig in figs})
        values.update({fig.key: counted[f"figure__{fig.key}"] for fig in figs})
    for fig in FIGURES.values():
        if fig.places and fig.key in values:
            values[fig.key] = Decimal(values[fig.key]).quantize(Decimal(1).scaleb(-fig.places))
    return values


def chief_compliance(scope: Scope) -> list[ComplianceRow]:
    """The chiefs' (not cleaners') patrols owed and counted over whole ended rule periods."""
    return compliance_of(
        chiefs=Chief.objects.in_region(scope.region),
        date_from=scope.date_from,
        date_to=scope.date_to,
        as_of=scope.as_of,
        roles=PATROLLING_ROLES,
        today=scope.today,
    )


# The figures the rollups (reports.rollups) hold, summed over a region's subtree and months.
ROLLUP_FIGURES = frozenset(
    {
        "patrols",
        "patrols_invalid",
        "cleaning_rounds",
        "patrols_required",
        "patrols_counted",
        "chiefs_short",
        "issues_found",
        "issues_found_closed",
        "issues_closed",
        "issues_by_category",
        "issues_found_by_patrol",
        "issues_assigned",
        "issues_supervised",
        "issues_voided",
        "issues_by_source",
        "issues_overdue",
        "issues_overdue_in_period",
        "patrolling_chiefs",
    }
)


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def rollups_serve(scope: Scope) -> bool:
    """The rollups answer a period of whole months that ended before today: their cells are
    months, and a rule period ending today has not ended yet."""
    return (
        scope.region is not None
        and scope.date_from.day == 1
        and scope.date_to == _month_end(scope.date_to)
        and scope.date_to < scope.today
    )


def rollup_figures(scope: Scope) -> dict[str, Any]:
    """The ``ROLLUP_FIGURES`` of a period ``rollups_serve``, read from the rollups: the subtree
    sums (TreeMonth, TreeIssueMonth, TreeClosedMonth) of the region's months, and the chiefs
    short from the chiefs' months (ChiefMonth) of the region's subtree. Each is the registered
    figure of its name, as ``count_figures`` and ``chief_compliance`` count it live."""
    from .models import (
        ChiefMonth,
        TreeClosedMonth,
        TreeIssueMonth,
        TreeIssueSourceMonth,
        TreeMonth,
    )

    region = scope.region
    first, last = scope.date_from, scope.date_to.replace(day=1)
    months = {"region": region, "month__gte": first, "month__lte": last}
    tree = TreeMonth.objects.filter(**months).aggregate(
        **{
            name: Coalesce(Sum(name), Value(0))
            for name in (
                "patrols",
                "patrols_invalid",
                "cleaning_rounds",
                "issues_found",
                "issues_voided",
                "counted",
            )
        },
        required=Coalesce(Sum("required"), Value(ZERO), output_field=DecimalField()),
    )
    closed = TreeClosedMonth.objects.filter(region=region)
    found_closed = closed.filter(
        month__gte=first, month__lte=last, closed_month__lte=last
    ).aggregate(n=Coalesce(Sum("issues"), Value(0)))["n"]
    closed_in_period = closed.filter(closed_month__gte=first, closed_month__lte=last).aggregate(
        n=Coalesce(Sum("issues"), Value(0))
    )["n"]
    by_category = {str(value): 0 for value in FIGURES["issues_by_category"].choices.values}
    rows = (
        TreeIssueMonth.objects.filter(**months)
        .values("category")
        .annotate(n=Sum("issues"))
        .order_by()
    )
    for row in sorted(rows, key=lambda row: (-row["n"], row["category"])):
        if row["n"]:
            by_category[row["category"]] = row["n"]
    # A chief is short over the months when a month is: each month counts at most what it
    # owes (every rule period's patrols capped at the rule's minimum), so the months' counted
    # fall short of their required in sum exactly when one of them does. One index probe per
    # chief of the region (chief_month_unique), stopping at the first short month.
    short_month = ChiefMonth.objects.filter(
        chief=OuterRef("pk"), month__gte=first, month__lte=last, counted__lt=F("required")
    )
    short = (
        Chief.objects.in_region(region)
        .filter(role__in=PATROLLING_ROLES)
        .filter(Exists(short_month.order_by()))
        .order_by()
        .count()
    )
    # Found by patrol, assigned by the period's end (the first 交办 no later than its last
    # month), supervised, and by source: the subtree's few source rows, summed here.
    by_patrol = assigned = supervised = 0
    by_source = {str(value): 0 for value in FIGURES["issues_by_source"].choices.values}
    sources: dict[str, int] = defaultdict(int)
    for source, is_supervised, assigned_month, n in TreeIssueSourceMonth.objects.filter(
        **months
    ).values_list("source", "supervised", "assigned_month", "issues"):
        sources[source] += n
        by_patrol += n if source == IssueSource.PATROL else 0
        supervised += n if is_supervised else 0
        assigned += n if assigned_month is not None and assigned_month <= last else 0
    for source, n in sorted(sources.items(), key=lambda item: (-item[1], item[0])):
        if n:
            by_source[source] = n
    # Overdue at any time in the period, and on its last day: each issue's runs of overdue days.
    overdue = overdue_from_rollups(region=region, first=first, last=last)
    # The chiefs (as they stand: region, role) with a valid patrol while serving in one of the
    # period's months: one index probe per chief (chief_month_unique).
    patrolled = ChiefMonth.objects.filter(
        chief=OuterRef("pk"), month__gte=first, month__lte=last, patrolled__gt=0
    )
    patrolling = (
        Chief.objects.in_region(region)
        .filter(role__in=PATROLLING_ROLES)
        .filter(Exists(patrolled.order_by()))
        .order_by()
        .count()
    )
    return {
        "issues_found_by_patrol": by_patrol,
        "issues_assigned": assigned,
        "issues_supervised": supervised,
        "issues_voided": tree["issues_voided"],
        "issues_by_source": by_source,
        "issues_overdue": overdue["at_end"],
        "issues_overdue_in_period": overdue["during"],
        "patrolling_chiefs": patrolling,
        "patrols": tree["patrols"],
        "patrols_invalid": tree["patrols_invalid"],
        "cleaning_rounds": tree["cleaning_rounds"],
        "patrols_required": Decimal(tree["required"]).quantize(Decimal("0.01"), ROUND_HALF_UP),
        "patrols_counted": tree["counted"],
        "chiefs_short": short,
        "issues_found": tree["issues_found"],
        "issues_found_closed": found_closed,
        "issues_closed": closed_in_period,
        "issues_by_category": by_category,
    }


def overdue_from_rollups(
    *, region: Region | int, first: datetime.date, last: datetime.date
) -> dict[str, int]:
    """The issues of ``region``'s subtree overdue at any time in the months ``first`` to
    ``last`` (their first days) ("during", ``issues_overdue_in_period``) and on the last one's
    last day ("at_end", ``issues_overdue``), from the subtree counts of the overdue runs
    (TreeOverdue). A run counts once per issue: the issue's first run reaching into the period
    (the run before it, if any, ended before the period's first month)."""
    from .models import TreeOverdue

    return TreeOverdue.objects.filter(
        Q(last_month__isnull=True) | Q(last_month__gte=first),
        region=region,
        first_month__lte=last,
    ).aggregate(
        during=Coalesce(
            Sum("spans", filter=Q(previous_month__isnull=True) | Q(previous_month__lt=first)),
            Value(0),
        ),
        at_end=Coalesce(
            Sum("spans", filter=Q(end_month__isnull=True) | Q(end_month__gte=last)),
            Value(0),
        ),
    )


def region_statistics(
    *,
    region: Region,
    date_from: datetime.date,
    date_to: datetime.date,
    today: datetime.date | None = None,
    from_rollups: bool = False,
) -> Statistics:
    """Every figure of ``region`` (and below) from ``date_from`` to ``date_to``, inclusive, as
    of ``today`` (default: the local date).

    ``from_rollups``: the figures the rollups hold (``ROLLUP_FIGURES``) are read from them when
    the period is whole ended months (``rollups_serve``), the rest counted live. The rollups
    follow every write on its commit (and the nightly rebuild), so they may trail a write by
    the moment their refresh takes; the reports, which are documents, always count live."""
    # Scoped many times over (each figure, each breakdown): each subtree read once.
    with subtrees_remembered():
        scope = Scope.of(region=region, date_from=date_from, date_to=date_to, today=today)
        served = rollup_figures(scope) if from_rollups and rollups_serve(scope) else {}
        values = count_figures(scope, skip=frozenset(served))
        values.update(served)
        if "patrols_required" not in served:
            compliance = chief_compliance(scope)
            required = sum((row.required for row in compliance), ZERO)
            counted = sum(row.counted for row in compliance)
            values.update(
                patrols_required=Decimal(required).quantize(Decimal("0.01"), ROUND_HALF_UP),
                patrols_counted=counted,
                chiefs_short=sum(1 for row in compliance if row.short),
            )
        # The monitoring points graded by the period's means (never from the rollups: one query).
        values.update(water_figures(scope))
        for fig in FIGURES.values():
            if fig.rate_of:
                part, whole = fig.rate_of
                values[fig.key] = _rate(values[part], values[whole])
        return Statistics(
            region_id=region.pk,
            region_name=region.name,
            date_from=date_from,
            date_to=date_to,
            as_of=scope.as_of,
            **values,
        )


# --- what the prose and the tables list ---------------------------------------------------------


@dataclass(frozen=True)
class Details:
    """The lists a report's sentences and tables name, each cut by a registered figure's rows."""

    as_of: datetime.date
    running: bool
    publicity_places: list[str] = field(default_factory=list)
    publicity_venues: list[str] = field(default_factory=list)
    patrolled_reaches: list[dict[str, Any]] = field(default_factory=list)
    flood_channels_patrolled: int = 0
    sewage_plants_patrolled: int = 0
    police_units: list[str] = field(default_factory=list)
    joint_check_topics: list[str] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    cleanup_months: list[dict[str, Any]] = field(default_factory=list)
    monthly: list[dict[str, Any]] = field(default_factory=list)
    communities: list[dict[str, Any]] = field(default_factory=list)
    overdue_issues: list[dict[str, Any]] = field(default_factory=list)
    short_chiefs: list[dict[str, Any]] = field(default_factory=list)
    recurring_categories: list[dict[str, Any]] = field(default_factory=list)
    superior_issues: list[dict[str, Any]] = field(default_factory=list)
    facility_rectifying_communities: list[str] = field(default_factory=list)
    # The published assessment rounds of the period (selectors_assessment.published_citations).
    assessments: list[dict[str, Any]] = field(default_factory=list)
    # The river plans' (一河一策) tasks still open and due by the end of the next year, soonest
    # first (rivers.selectors.river_plan_open_tasks): the annual report's next steps cite them.
    plan_tasks: list[dict[str, Any]] = field(default_factory=list)
    # The water-quality figures of the same days a year before ("较上年"), as stats/ counts
    # them for that period: monitoring_points, points_meeting_target, target_rate.
    water_year_before: dict[str, Any] = field(default_factory=dict)

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


def _place(issue: Issue) -> str:
    """Where an issue is, as prose names it: the reach (its region when it has none)."""
    if issue.reach_id is None:
        return issue.region.name
    if issue.reach.name.startswith(issue.region.name):
        return issue.reach.name  # "东关社区段", not "东关社区东关社区段"
    return f"{issue.region.name}{issue.reach.name}"


def report_details(
    *,
    region: Region,
    date_from: datetime.date,
    date_to: datetime.date,
    statistics: Statistics | None = None,
    today: datetime.date | None = None,
) -> Details:
    scope = Scope.of(region=region, date_from=date_from, date_to=date_to, today=today)
    as_of = scope.as_of
    patrols = figure("patrols").rows(scope).select_related(None).order_by()
    found = figure("issues_found").rows(scope).select_related(None).order_by()

    events = figure("publicity_events").rows(scope)
    places = [
        row["place"]
        for row in events.exclude(place="")
        .values("place")
        .annotate(n=Count("pk"))
        .order_by("-n", "place")[:LISTED_PLACES]
    ]
    venues = publicity_venues(events)

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

    joint = joint_police_checks(region=region, date_from=date_from, date_to=as_of)

    rule_book = RuleBook.load()
    serving = statistics.chiefs if statistics else {}
    rules = []
    for role in ChiefRole:
        rule = rule_book.rule_for(role, as_of) if serving.get(role) else None
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

    campaign = figure("four_disorders_cleanups").rows(scope)
    cleanup_months = [
        {
            "month": f"{row['month']:%Y-%m}",
            "points": row["points"],
            "garbage_m3": row["garbage_m3"],
            "garbage_t": row["garbage_t"],
        }
        for row in campaign.annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(
            points=Coalesce(Sum("points"), 0),
            garbage_m3=_sum("garbage_m3"),
            garbage_t=_sum("garbage_t"),
        )
        .order_by("month")
    ]

    patrol_months = _by_month(
        patrols.annotate(month=TruncMonth("started_on")).values("month").annotate(n=Count("pk"))
    )
    found_months = _by_month(
        found.annotate(month=TruncMonth("reported_at")).values("month").annotate(n=Count("pk"))
    )
    closed_months = _by_month(
        figure("issues_closed")
        .rows(scope)
        .select_related(None)
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
            # The month of as_of, when the period runs on past it, is drawn as far as it went.
            "partial_to": as_of.day
            if month == f"{as_of:%Y-%m}" and as_of < _month_end(as_of)
            else None,
        }
        for month in _months(date_from, min(date_to, as_of))
    ]

    communities = _community_rows(region, scope=scope)

    # Overdue on as_of by the deadline in force that day (a later 督办 does not shorten it).
    overdue = (
        figure("issues_overdue")
        .rows(scope)
        .with_deadline_on(as_of)
        .select_related("region", "reach")
        .order_by("deadline_in_force", "reported_at", "pk")
    )
    overdue_issues = [
        {
            "title": issue.title,
            "place": _place(issue),
            "region": issue.region.name,
            "deadline": issue.deadline_in_force,
            "days_overdue": (as_of - issue.deadline_in_force).days,
        }
        for issue in overdue[:LISTED_OVERDUE]
    ]

    short = sorted(
        (row for row in chief_compliance(scope) if row.short),
        key=lambda row: (row.rate, row.region_name, row.name),
    )
    short_chiefs = [
        {
            "name": row.name,
            "role_label": str(ChiefRole(row.role).label),
            "region": row.region_name,
            "required": row.required,
            "counted": row.counted,
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

    # Superiors' and the procuratorate's issues of the period, and older ones still open: the
    # open ones first, so the report never buries what is still owed upward.
    superior_rows = (
        Issue.objects.in_region(region)
        .filter(source__in=[IssueSource.SUPERIOR, IssueSource.PROCURATORATE])
        .exclude(status=IssueStatus.VOIDED)
        .filter(
            scope.moments("reported_at")
            | (
                Q(reported_at__lt=scope.start)
                & (Q(closed_at__isnull=True) | Q(closed_at__gte=scope.start))
            )
        )
        .select_related("region", "reach")
    )
    superior = sorted(
        (
            {
                "source": issue.source,
                "source_label": str(IssueSource(issue.source).label),
                "title": issue.title,
                "place": _place(issue),
                "reported_on": timezone.localdate(issue.reported_at),
                "closed_on": (
                    timezone.localdate(issue.closed_at)
                    if issue.closed_at and issue.closed_at < scope.end
                    else None
                ),
                "status_label": str(IssueStatus(issue.status).label),
            }
            for issue in superior_rows
        ),
        key=lambda row: (row["closed_on"] is not None, row["reported_on"]),
    )

    rectifying = list(
        Region.objects.filter(
            pk__in=figure("facility_issues_closed").rows(scope).values("issue__region")
        )
        .order_by("code")
        .values_list("name", flat=True)
    )

    return Details(
        as_of=as_of,
        running=scope.running,
        publicity_places=places,
        publicity_venues=venues,
        patrolled_reaches=reaches,
        flood_channels_patrolled=flood_channels,
        sewage_plants_patrolled=sewage_plants,
        police_units=joint.units,
        joint_check_topics=joint.topics,
        rules=rules,
        cleanup_months=cleanup_months,
        monthly=monthly,
        communities=communities,
        overdue_issues=overdue_issues,
        short_chiefs=short_chiefs,
        recurring_categories=recurring,
        superior_issues=superior,
        facility_rectifying_communities=rectifying,
        assessments=published_citations(region=region, date_from=date_from, date_to=date_to),
        plan_tasks=open_plan_tasks(region=region, year=date_to.year + 1, as_of=as_of),
        water_year_before=_water_year_before(scope),
    )


def open_plan_tasks(*, region: Region, year: int, as_of: datetime.date) -> list[dict[str, Any]]:
    """The open tasks of the plans of the rivers in ``region``, due in ``year`` or before, as
    a report's snapshot holds them; ``overdue``: past their due date on ``as_of``."""
    return [
        {
            "river": task.plan.river.name,
            "title": task.title,
            "responsible": task.responsible,
            "due": task.due.isoformat(),
            "status": task.status,
            "overdue": task.due < as_of,
        }
        for task in river_plan_open_tasks(region=region, year=year)
    ]


def _water_year_before(scope: Scope) -> dict[str, Any]:
    before = year_before(scope)
    values: dict[str, Any] = water_figures(before)
    part, whole = FIGURES["target_rate"].rate_of
    return {
        "date_from": before.date_from,
        "date_to": before.date_to,
        "monitoring_points": values["monitoring_points"],
        "points_meeting_target": values["points_meeting_target"],
        "target_rate": _rate(values[part], values[whole]),
    }


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _sum(name: str, places: int = 2) -> Coalesce:
    return Coalesce(
        Sum(name), Value(ZERO), output_field=DecimalField(max_digits=14, decimal_places=places)
    )


def _category_label(category: str) -> str:
    from calendars.models import IssueCategory

    try:
        return str(IssueCategory(category).label)
    except ValueError:
        return category


# The table's columns, each a registered figure.
COMMUNITY_COLUMNS = ("patrols", "issues_found", "issues_found_closed", "issues_overdue")


def _community_rows(region: Region, *, scope: Scope) -> list[dict[str, Any]]:
    """Per child region: the registered figures of ``COMMUNITY_COLUMNS``. Grouped in SQL by the
    leaf region, then the groups (not the records) are summed up to the child they lie in."""
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
    for key in COMMUNITY_COLUMNS:
        fig = figure(key)
        leaf = "reach__region" if fig.source == "patrols" else "region"
        for row in (
            fig.rows(scope)
            .select_related(None)
            .values(leaf=F(leaf))
            .annotate(n=Count("pk"))
            .order_by()
        ):
            if row["leaf"] in owner:
                rows[owner[row["leaf"]]][key] += row["n"]
    return [
        row
        for row in rows.values()
        if row["region_id"] != region.pk
        or any(row[key] for key in COMMUNITY_COLUMNS)
        or children == [region]
    ]


def _blank_row(region_id: int, name: str) -> dict[str, Any]:
    return {"region_id": region_id, "name": name, **dict.fromkeys(COMMUNITY_COLUMNS, 0)}
