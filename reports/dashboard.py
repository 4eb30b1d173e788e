"""The leaders' dashboard: figures, chart series, the overdue list and the map of a region.

Everything monthly comes from the rollups (reports.rollups), which count the registered figures
(reports.figures) by their own definitions; only what is true *now* (open and overdue issues, the
map's markers) is read from the records, through the partial index on open issues. So the cost
does not grow with the years of patrols and closed issues behind it.

Periods are whole months (the rollups' grain): a period runs from the first day of
``date_from``'s month to the last day of ``date_to``'s month, and figures are as of its last day
or today while it runs, as ``stats/`` and the reports count them:
- patrols: the chiefs' valid patrols (cleaners' rounds and invalid patrols apart);
- issues found (voided ones excepted); found and closed by as_of; closed in the period;
- patrol rate: patrols counted against patrols required over whole rule periods that ended in
  the period (a chief's months add up to the period exactly: each period counts in the month it
  ends in);
- overdue: open and past the deadline on as_of (overdue at any time in the period is in the
  reports and ``stats/``, too slow here without a rollup);
- open: issues reported by the period's end that are open today (a snapshot);
- monitoring points, those meeting their target and those worse than V: each point graded by
  the period's mean of each parameter (reports.figures.PointPeriod), as ``stats/`` and the
  reports count them; the map colours each point by its latest reading instead (its state now);
- a period running on past the current month ends with the current month.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, connections, router
from django.db.models import Count, Q, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Region, RegionLevel, User
from accounts.querysets import subtrees_remembered
from calendars.models import IssueCategory
from core import geo, maps
from issues.models import ENDED_STATUSES, Issue, IssueStatus
from rivers import water_quality as wq
from rivers.models import Outfall, OutfallKind, Reach, Sign
from rivers.selectors import points_with_latest

from .figures import FIGURES, Scope, figure, water_figures
from .models import TreeClosedMonth, TreeIssueMonth, TreeMonth
from .rollups import month_end, month_of, months_between
from .statistics import overdue_from_rollups, rollups_serve

OVERDUE_LIST = 20
MAP_CAP = 2000  # markers or lines per layer
RATE_PLACES = Decimal("0.0001")

# Open statuses on the map and in the status chart: red is the most urgent to act on.
STATUS_COLOURS = {
    IssueStatus.REPORTED: "#c62828",
    IssueStatus.ASSIGNED: "#ef6c00",
    IssueStatus.RECTIFYING: "#1565c0",
    IssueStatus.AWAITING_ACCEPTANCE: "#6a1b9a",
    IssueStatus.CLOSED: "#2e7d32",
}


# --- periods ------------------------------------------------------------------------------------


class PeriodChoice:
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    LAST_YEAR = "last_year"
    CUSTOM = "custom"


def period_choices() -> list[tuple[str, str]]:
    return [
        (PeriodChoice.MONTH, _("本月")),
        (PeriodChoice.QUARTER, _("本季度")),
        (PeriodChoice.YEAR, _("本年")),
        (PeriodChoice.LAST_YEAR, _("上年")),
        (PeriodChoice.CUSTOM, _("自定义月份")),
    ]


def period_bounds(
    choice: str, *, today: datetime.date, first: datetime.date | None = None, last=None
) -> tuple[datetime.date, datetime.date]:
    """First and last day of a period choice (``custom``: the months of ``first``..``last``)."""
    if choice == PeriodChoice.MONTH:
        return today.replace(day=1), month_end(today)
    if choice == PeriodChoice.QUARTER:
        start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
        return start, month_end(start.replace(month=start.month + 2))
    if choice == PeriodChoice.LAST_YEAR:
        return datetime.date(today.year - 1, 1, 1), datetime.date(today.year - 1, 12, 31)
    if choice == PeriodChoice.CUSTOM and first is not None and last is not None:
        return snap(first, last)
    return datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)


def snap(date_from: datetime.date, date_to: datetime.date) -> tuple[datetime.date, datetime.date]:
    """A range widened to whole months."""
    return month_of(date_from), month_end(month_of(date_to))


def _issue_url(pk: int) -> str:
    """The issue's page (the issues app's ``issue-page``, /issues/<id>/)."""
    try:
        return reverse("issue-page", args=[pk])
    except NoReverseMatch:
        return f"/issues/{pk}/"


# --- the figures --------------------------------------------------------------------------------


def _rate(part, whole) -> Decimal | None:
    if not whole:
        return None
    return min(Decimal(1), Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class Dashboard:
    region: dict[str, Any]
    date_from: datetime.date
    date_to: datetime.date
    figures: dict[str, Any]
    series: dict[str, list[dict[str, Any]]]
    overdue: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def dashboard(
    *, user: User, region: Region, date_from: datetime.date, date_to: datetime.date
) -> Dashboard:
    """The dashboard of ``region`` (and all below it) for the months of the period; only the
    regions ``user`` may see are counted."""
    # Scoped several times over (the water, the overdue runs, the lists): each subtree read once,
    # in a task or a benchmark as in a request.
    with subtrees_remembered():
        return _dashboard(user=user, region=region, date_from=date_from, date_to=date_to)


def _dashboard(
    *, user: User, region: Region, date_from: datetime.date, date_to: datetime.date
) -> Dashboard:
    first, last_day = snap(date_from, date_to)
    today = timezone.localdate()
    if first <= today < last_day:
        # Months still to come hold nothing yet and would owe patrols: the period ends with
        # the current month.
        last_day = month_end(today)
    last = month_of(last_day)
    end = timezone.make_aware(
        datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min)
    )

    # The region's subtree as far as the account sees it (all of it, or nothing).
    subtree_ids, names, child_ids = [], {}, []
    for pk, name, parent_id in (
        Region.objects.visible_to(user).subtree(region).values_list("pk", "name", "parent_id")
    ):
        subtree_ids.append(pk)
        if parent_id == region.pk:
            child_ids.append(pk)
            names[pk] = name
    visible = region.pk in subtree_ids
    if not visible:
        subtree_ids, child_ids = [], []
    here = [region.pk] if visible else []

    # Subtree sums (Tree* rollups): the region's own months, one row per child, the issues
    # closed, by category and status. Plain SQL on one cursor: built through the ORM, these five
    # statements cost more in query building than in PostgreSQL (about a millisecond each).
    monthly, per_child, closed_by_region, closed_in_period, by_category, by_status = _tree_sums(
        here=here, child_ids=child_ids, first=first, last=last
    )
    for pk, n in closed_by_region.items():
        if pk in per_child:
            per_child[pk]["closed"] = n

    # Open issues now, overdue today and the most overdue, through the partial indexes on open
    # issues (the subtree's ids came through visible_to).
    now, overdue_rows = _open_issues(subtree_ids=subtree_ids, end=end, today=today)
    # Figures of an ended period are as of its last day, as the report of it says (the
    # registered definitions); the fast count above is the same figure while it runs.
    scope = Scope.of(region=region if visible else None, date_from=first, date_to=last_day)
    if visible and scope.as_of < today:
        # Whole ended months: the subtree's runs of overdue days (as stats/ reads them), not
        # the walk of every issue's deadline history (150 ms for a county).
        if rollups_serve(scope):
            now["overdue"] = overdue_from_rollups(region=region, first=first, last=last)["at_end"]
        else:
            now["overdue"] = figure("issues_overdue").rows(scope).count()
    # "Overdue at any time in the period" is in the reports and stats/, not on the dashboard.

    found = sum(row["issues_found"] for row in monthly.values())
    closed = closed_by_region.get(region.pk, 0)
    required = sum((row["required"] for row in monthly.values()), Decimal(0))
    counted = sum(row["counted"] for row in monthly.values())
    done = sum(row["done"] for row in monthly.values())
    for pk in child_ids:
        per_child.setdefault(pk, {"required": Decimal(0), "counted": 0, "found": 0, "closed": 0})
    children = sorted(child_ids, key=lambda pk: names[pk])
    patrol_ranking = sorted(
        (
            {
                "region_id": pk,
                "name": names[pk],
                "rate": _rate(per_child[pk]["counted"], per_child[pk]["required"]),
                "counted": per_child[pk]["counted"],
                "required": per_child[pk]["required"],
            }
            for pk in children
        ),
        key=lambda row: -1 if row["rate"] is None else -row["rate"],
    )
    resolution_ranking = sorted(
        (
            {
                "region_id": pk,
                "name": names[pk],
                "rate": _rate(per_child[pk]["closed"], per_child[pk]["found"]),
                "closed": per_child[pk]["closed"],
                "found": per_child[pk]["found"],
            }
            for pk in children
        ),
        key=lambda row: -1 if row["rate"] is None else -row["rate"],
    )

    months = [
        {
            "month": month.strftime("%Y-%m"),
            "patrols": (monthly.get(month) or {}).get("patrols") or 0,
            "patrols_invalid": (monthly.get(month) or {}).get("patrols_invalid") or 0,
            "cleaning_rounds": (monthly.get(month) or {}).get("cleaning_rounds") or 0,
            "issues_found": (monthly.get(month) or {}).get("issues_found") or 0,
        }
        for month in months_between(first, last)
    ]
    garbage = sum((row["garbage_t"] or Decimal(0) for row in monthly.values()), Decimal(0))
    # The monitoring points graded by the period's means, as stats/ counts them (one query).
    water = (
        water_figures(scope)
        if visible
        else {key: 0 for key, fig in FIGURES.items() if fig.graded is not None}
    )
    figures = {
        "patrol_rate": _rate(counted, required),
        "patrols": sum(row["patrols"] or 0 for row in monthly.values()),
        "patrols_invalid": sum(row["patrols_invalid"] or 0 for row in monthly.values()),
        "cleaning_rounds": sum(row["cleaning_rounds"] or 0 for row in monthly.values()),
        "patrols_required": required.quantize(Decimal("0.01")),
        "patrols_done": done,
        "patrols_counted": counted,
        "issues_found": found,
        "issues_found_closed": closed,
        "issues_closed": closed_in_period,
        "issues_open": now["open"],
        "issues_overdue": now["overdue"],
        "resolution_rate": _rate(closed, found),
        "cleanups": sum(row["cleanups"] or 0 for row in monthly.values()),
        "garbage_t": garbage.quantize(Decimal("0.01")),
        "monitoring_points": water["monitoring_points"],
        "points_meeting_target": water["points_meeting_target"],
        "points_worse_than_v": water["points_worse_than_v"],
        "target_rate": _rate(water["points_meeting_target"], water["monitoring_points"]),
    }
    series = {
        "months": months,
        "by_category": [
            {"key": key, "label": str(IssueCategory(key).label), "n": n}
            for key, n in sorted(by_category.items(), key=lambda item: -item[1])
            if key in IssueCategory.values
        ],
        "by_status": [
            {
                "key": status,
                "label": str(status.label),
                "n": by_status.get(status, 0),
                "colour": STATUS_COLOURS[status],
            }
            # Voided issues count in no figure but issues_voided, and have no place here.
            for status in IssueStatus
            if status in STATUS_COLOURS
        ],
        "patrol_ranking": patrol_ranking,
        "resolution_ranking": resolution_ranking,
    }
    overdue = [
        {
            "id": pk,
            "code": code,
            "title": title,
            "region": region_name,
            "reach": f"{river_name} {reach_name}" if reach_name is not None else "",
            "status": status,
            "status_label": str(IssueStatus(status).label),
            "deadline": deadline,
            "days_overdue": (today - deadline).days,
            "url": _issue_url(pk),
        }
        for pk, code, title, status, deadline, region_name, reach_name, river_name in overdue_rows
    ]
    return Dashboard(
        region={
            "id": region.pk,
            "name": region.name,
            "level": region.level,
            "child_level": _child_level(region.level),
        },
        date_from=first,
        date_to=last_day,
        figures=figures,
        series=series,
        overdue=overdue,
    )


def _open_issues(
    *, subtree_ids: list[int], end: datetime.datetime, today: datetime.date
) -> tuple[dict[str, int], list[tuple]]:
    """The subtree's issues reported before ``end`` and open now: their count, those past
    their deadline today, and the ``OVERDUE_LIST`` most overdue as (id, code, title, status,
    deadline, region name, reach name, river name). Plain SQL on PostgreSQL (the subtree as one
    array): COUNT(*) and COUNT(deadline) are columns the partial index on open issues holds,
    so no table rows are read for the counts."""
    if connection.vendor != "postgresql":
        return _open_issues_orm(subtree_ids=subtree_ids, end=end, today=today)
    params = {"ids": subtree_ids, "end": end, "today": today, "n": OVERDUE_LIST}
    ended = ", ".join(f"'{status}'" for status in ENDED_STATUSES)  # constants
    where = f"i.status NOT IN ({ended}) AND i.region_id = ANY(%(ids)s) AND i.reported_at < %(end)s"
    # Where the ORM would read issues: the replica on the dashboard (core.db_routing).
    with connections[router.db_for_read(Issue)].cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), COUNT(i.deadline) FILTER (WHERE i.deadline < %(today)s) "  # noqa: S608  # nosec B608
            f"FROM issues_issue i WHERE {where}",
            params,
        )
        opened, overdue = cursor.fetchone()
        cursor.execute(
            "SELECT i.id, i.code, i.title, i.status, i.deadline, g.name, r.name, v.name "  # noqa: S608  # nosec B608
            "FROM issues_issue i JOIN rivers_region g ON g.id = i.region_id "
            "LEFT JOIN rivers_reach r ON r.id = i.reach_id "
            "LEFT JOIN rivers_river v ON v.id = r.river_id "
            f"WHERE {where} AND i.deadline < %(today)s "
            "ORDER BY i.deadline, i.reported_at, i.id LIMIT %(n)s",
            params,
        )
        rows = cursor.fetchall()
    return {"open": opened, "overdue": overdue}, rows


def _open_issues_orm(
    *, subtree_ids: list[int], end: datetime.datetime, today: datetime.date
) -> tuple[dict[str, int], list[tuple]]:
    """_open_issues through the ORM, for the quick start's SQLite."""
    open_issues = Issue.objects.open().filter(region_id__in=subtree_ids, reported_at__lt=end)
    now = open_issues.aggregate(
        open=Count("*"), overdue=Count("deadline", filter=Q(deadline__lt=today))
    )
    rows = (
        open_issues.filter(deadline__lt=today)
        .order_by("deadline", "reported_at", "pk")
        .values_list(
            "pk",
            "code",
            "title",
            "status",
            "deadline",
            "region__name",
            "reach__name",
            "reach__river__name",
        )[:OVERDUE_LIST]
    )
    return now, list(rows)


_TREE_MONTH_FIELDS = (
    "patrols",
    "patrols_invalid",
    "cleaning_rounds",
    "issues_found",
    "cleanups",
    "garbage_t",
    "required",
    "done",
    "counted",
)


def _tree_sums(
    *, here: list[int], child_ids: list[int], first: datetime.date, last: datetime.date
) -> tuple[dict, dict, dict, int, dict, dict]:
    """From the subtree rollups of the months ``first``..``last`` (first days): the region's
    own months (``here``: the region, or nothing when it is not visible) by month; per child
    the sums of required, counted and found (``closed`` 0, filled by the caller); issues found
    in the period and closed by its end, per region of ``here`` and the children; issues closed
    in the period; the region's issues found, by category and by status."""
    if connection.vendor != "postgresql":
        return _tree_sums_orm(here=here, child_ids=child_ids, first=first, last=last)
    tree_month = TreeMonth._meta.db_table
    tree_closed = TreeClosedMonth._meta.db_table
    tree_issue = TreeIssueMonth._meta.db_table
    months = {"here": here, "children": child_ids, "first": first, "last": last}
    # The SQL is built from the models' table names and constants; values go as parameters.
    # Read where the ORM would read the rollups: the replica on the dashboard (core.db_routing).
    with connections[router.db_for_read(TreeMonth)].cursor() as cursor:
        cursor.execute(
            f"SELECT month, {', '.join(_TREE_MONTH_FIELDS)} FROM {tree_month} "  # noqa: S608  # nosec B608
            "WHERE region_id = ANY(%(here)s) AND month >= %(first)s AND month <= %(last)s",
            months,
        )
        monthly = {
            row[0]: dict(zip(("month", *_TREE_MONTH_FIELDS), row, strict=True))
            for row in cursor.fetchall()
        }
        cursor.execute(
            "SELECT region_id, SUM(required), SUM(counted), SUM(issues_found) "  # noqa: S608  # nosec B608
            f"FROM {tree_month} WHERE region_id = ANY(%(children)s) "
            "AND month >= %(first)s AND month <= %(last)s GROUP BY region_id",
            months,
        )
        per_child = {
            pk: {"region_id": pk, "required": required, "counted": counted, "found": found}
            | {"closed": 0}
            for pk, required, counted, found in cursor.fetchall()
        }
        # Found in the period and closed by its end (per region), and closed in the period
        # (whenever found), in one pass over the closed cells of here and the children.
        cursor.execute(
            "SELECT region_id, "  # noqa: S608  # nosec B608
            "SUM(issues) FILTER (WHERE month >= %(first)s AND month <= %(last)s "
            "AND closed_month <= %(last)s), "
            "SUM(issues) FILTER (WHERE closed_month >= %(first)s AND closed_month <= %(last)s) "
            f"FROM {tree_closed} "
            "WHERE (region_id = ANY(%(here)s) OR region_id = ANY(%(children)s)) "
            "AND (month >= %(first)s AND month <= %(last)s "
            "OR closed_month >= %(first)s AND closed_month <= %(last)s) GROUP BY region_id",
            months,
        )
        closed_by_region, closed_in_period = {}, 0
        for pk, found_closed, closed in cursor.fetchall():
            if found_closed is not None:
                closed_by_region[pk] = found_closed
            if pk in here:
                closed_in_period = closed or 0
        cursor.execute(
            f"SELECT category, status, SUM(issues) FROM {tree_issue} "  # noqa: S608  # nosec B608
            "WHERE region_id = ANY(%(here)s) AND month >= %(first)s AND month <= %(last)s "
            "GROUP BY category, status",
            months,
        )
        by_category: dict[str, int] = {}
        by_status: dict[str, int] = {}
        for category, status, n in cursor.fetchall():
            by_category[category] = by_category.get(category, 0) + n
            by_status[status] = by_status.get(status, 0) + n
    return monthly, per_child, closed_by_region, closed_in_period, by_category, by_status


def _tree_sums_orm(
    *, here: list[int], child_ids: list[int], first: datetime.date, last: datetime.date
) -> tuple[dict, dict, dict, int, dict, dict]:
    """_tree_sums through the ORM, for the embedded SQLite of the quick start (no arrays)."""
    in_months = {"month__gte": first, "month__lte": last}
    monthly = {
        row["month"]: row
        for row in TreeMonth.objects.filter(region_id__in=here, **in_months).values(
            "month", *_TREE_MONTH_FIELDS
        )
    }
    per_child = {
        row["region_id"]: {**row, "closed": 0}
        for row in TreeMonth.objects.filter(region_id__in=child_ids, **in_months)
        .values("region_id")
        .annotate(required=Sum("required"), counted=Sum("counted"), found=Sum("issues_found"))
        .order_by()
    }
    closed_by_region = {
        row["region_id"]: row["n"]
        for row in TreeClosedMonth.objects.filter(
            region_id__in=[*here, *child_ids], closed_month__lte=last, **in_months
        )
        .values("region_id")
        .annotate(n=Sum("issues"))
        .order_by()
    }
    closed_in_period = (
        TreeClosedMonth.objects.filter(
            region_id__in=here, closed_month__gte=first, closed_month__lte=last
        ).aggregate(n=Sum("issues"))["n"]
        or 0
    )
    by_category: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for row in (
        TreeIssueMonth.objects.filter(region_id__in=here, **in_months)
        .values("category", "status")
        .annotate(n=Sum("issues"))
        .order_by()
    ):
        by_category[row["category"]] = by_category.get(row["category"], 0) + row["n"]
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
    return monthly, per_child, closed_by_region, closed_in_period, by_category, by_status


def _child_level(level: str) -> str | None:
    return {RegionLevel.COUNTY: RegionLevel.STREET, RegionLevel.STREET: RegionLevel.COMMUNITY}.get(
        level
    )


# --- the map ------------------------------------------------------------------------------------


def _point(lat, lon, crs: str) -> dict[str, Any]:
    lat, lon = geo.to_crs(lat, lon, crs)
    return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


def dashboard_map(*, user: User, region: Region, crs: str | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the region's reaches (lines), open issues, outfalls,
    signs and monitoring points (points), at most ``MAP_CAP`` of each, in the datum of the
    tiles (``crs``). A monitoring point carries its latest reading's grade and that grade's
    colour on the national scale (``water_quality.GRADE_COLOURS``)."""
    crs = crs or maps.tile_crs()
    features: list[dict[str, Any]] = []
    capped = {}

    def take(layer: str, rows) -> list:
        rows = list(rows[: MAP_CAP + 1])
        capped[layer] = len(rows) > MAP_CAP
        return rows[:MAP_CAP]

    reaches = take(
        "reaches",
        Reach.objects.visible_to(user)
        .in_region(region)
        .filter(geometry__isnull=False)
        .values("pk", "name", "river__name", "geometry")
        .order_by("pk"),
    )
    for row in reaches:
        coordinates = (row["geometry"] or {}).get("coordinates") or []
        features.append(
            {
                "type": "Feature",
                "id": f"reach-{row['pk']}",
                "geometry": {
                    "type": "LineString",
                    "coordinates": geo.line_to_crs(coordinates, crs),
                },
                "properties": {
                    "layer": "reaches",
                    "name": f"{row['river__name']} {row['name']}",
                },
            }
        )
    issues = take(
        "issues",
        Issue.objects.visible_to(user)
        .in_region(region)
        .open()
        .filter(lat__isnull=False, lon__isnull=False)
        .values("pk", "code", "title", "status", "lat", "lon", "deadline")
        .order_by("deadline", "pk"),
    )
    today = timezone.localdate()
    for row in issues:
        features.append(
            {
                "type": "Feature",
                "id": f"issue-{row['pk']}",
                "geometry": _point(row["lat"], row["lon"], crs),
                "properties": {
                    "layer": "issues",
                    "name": f"{row['code']} {row['title']}",
                    "status": row["status"],
                    "status_label": str(IssueStatus(row["status"]).label),
                    "colour": STATUS_COLOURS[row["status"]],
                    "overdue": bool(row["deadline"] and row["deadline"] < today),
                    "url": _issue_url(row["pk"]),
                },
            }
        )
    outfall_labels = dict(OutfallKind.choices)
    for row in take(
        "outfalls",
        Outfall.objects.visible_to(user)
        .in_region(region)
        .values("pk", "name", "kind", "lat", "lon")
        .order_by("pk"),
    ):
        features.append(
            {
                "type": "Feature",
                "id": f"outfall-{row['pk']}",
                "geometry": _point(row["lat"], row["lon"], crs),
                "properties": {
                    "layer": "outfalls",
                    "name": row["name"],
                    "kind": str(outfall_labels.get(row["kind"], row["kind"])),
                },
            }
        )
    for row in take(
        "signs",
        Sign.objects.visible_to(user)
        .in_region(region)
        .values("pk", "code", "lat", "lon")
        .order_by("pk"),
    ):
        features.append(
            {
                "type": "Feature",
                "id": f"sign-{row['pk']}",
                "geometry": _point(row["lat"], row["lon"], crs),
                "properties": {"layer": "signs", "name": row["code"]},
            }
        )
    pairs = points_with_latest(user=user, region=region, limit=MAP_CAP + 1)
    capped["points"] = len(pairs) > MAP_CAP
    for point, reading in pairs[:MAP_CAP]:
        assessment = reading.assessment if reading is not None else None
        grade = assessment.grade if assessment is not None else None
        features.append(
            {
                "type": "Feature",
                "id": f"point-{point.pk}",
                "geometry": _point(point.lat, point.lon, crs),
                "properties": {
                    "layer": "points",
                    "name": point.name,
                    "code": point.code,
                    "grade": grade,
                    "grade_label": assessment.grade_label if assessment else "",
                    "status_label": str(wq.GRADE_STATUS[grade]) if grade else "",
                    "colour": wq.grade_colour(grade),
                    "sampled_on": reading.sampled_on.isoformat() if reading else None,
                    "target": point.target_grade,
                    "target_label": str(wq.TargetGrade(point.target_grade).label),
                    "meets_target": assessment.meets_target if assessment else None,
                    "url": _point_url(point.pk),
                },
            }
        )
    return {"type": "FeatureCollection", "crs_name": crs, "capped": capped, "features": features}


def _point_url(pk: int) -> str:
    """The monitoring point's page (/water/points/<id>/)."""
    try:
        return reverse("monitoring-point", args=[pk])
    except NoReverseMatch:
        return f"/water/points/{pk}/"
