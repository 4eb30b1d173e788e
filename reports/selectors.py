"""Reads of the work reports: what a user may see, titles and file names; the records behind a
figure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Region, User
from rivers import water_quality as wq
from rivers.models import ChiefRole

from . import content, statistics
from .figures import (
    FIGURES,
    SOURCES,
    Figure,
    PointPeriod,
    Scope,
    describe,
    figure,
    graded_points,
    records_of,
)
from .models import Report
from .statistics import chief_compliance

# Who reads the work reports (pages and API): the office and leaders; chief accounts are refused.


def report_list(*, user: User) -> QuerySet[Report]:
    """Reports of the regions in the user's region; others are simply not found (404)."""
    return Report.objects.visible_to(user).select_related("region")


def report_period_name(report: Report) -> str:
    """ "2023年第三季度", "2023年上半年", "2022年"."""
    return content.period_name(kind=report.kind, year=report.year, period=report.period)


def report_regions(*, user: User) -> QuerySet[Region]:
    """The regions a user may ask a report for: their own and those below it."""
    return Region.objects.visible_to(user).order_by("code")


def report_title(report: Report) -> str:
    """As the document says it once built; before that, as it will."""
    return report.data.get("title") or content.report_title(
        region_name=report.region.name, kind=report.kind, year=report.year, period=report.period
    )


def report_file_stem(report: Report) -> str:
    """``<region code>-<year>-<kind><period>``, the stored files' name (ASCII)."""
    period = str(report.period) if report.period else ""
    return f"{report.region.code}-{report.year}-{report.kind}{period}"


def report_filename(report: Report, extension: str) -> str:
    """The download's name: the Chinese title."""
    return f"{report_title(report)}.{extension}"


def report_figures(report: Report) -> list[dict[str, Any]]:
    """The figures a built report printed, each with its label, unit, definition and the link
    to its records for the report's region, period and as_of day."""
    figures = (report.data or {}).get("figures") or {}
    if not figures:
        return []
    first, last = statistics.period_bounds(kind=report.kind, year=report.year, period=report.period)
    query = {
        "region": report.region_id,
        "date_from": first.isoformat(),
        "date_to": last.isoformat(),
        "as_of": figures.get("as_of") or last.isoformat(),
    }
    rows = []
    for key, fig in FIGURES.items():
        if key not in figures:
            continue
        value = figures[key]
        url = reverse("figure-records") + "?" + urlencode({"figure": key, **query})
        parts = [
            {
                "label": fig.choices(part).label if fig.choices else part,
                "n": n,
                "url": url + "&" + urlencode({"part": part}),
            }
            # In the choices' order: the stored snapshot (jsonb) keeps its keys in its own order.
            for part, n in (
                [(str(c), value.get(str(c), 0)) for c in fig.choices.values]
                if fig.by and fig.choices
                else (value.items() if fig.by else ())
            )
            if n
        ]
        if fig.kind == "rate":
            # As the text prints it (92.3%), not rounded again by the page.
            display = "—" if value is None else content.percent(value)
        elif fig.by:
            display = ""
        else:
            display = f"{content.exact(value)} {fig.unit}"
        rows.append(
            {
                "display": display,
                "parts": parts,
                "key": key,
                "label": fig.label,
                "unit": fig.unit,
                "definition": fig.definition,
                "kind": fig.kind,
                "value": value,
                "url": url,
            }
        )
    return rows


# --- the records behind a figure (stats/records/ and the records page) ---------------------------


@dataclass(frozen=True)
class FigureRecords:
    """The records of one figure for a scope: ``rows`` (a queryset or a list, to paginate),
    ``describe`` (one row as listed), and the totals that reproduce the figure."""

    figure: Figure
    scope: Scope
    rows: Any
    total: Decimal | int | None
    numerator: Decimal | int | None = None
    denominator: Decimal | int | None = None

    def describe(self, row: Any) -> dict[str, Any]:
        fig = self.listed
        if fig.graded is not None:
            return _describe_point(row)
        if fig.source is not None:
            described = describe(fig.source, row)
            described["value"] = getattr(row, fig.total) if fig.total else None
            return described
        value = COMPLIANCE_VALUES.get(fig.key)
        return {
            "type": "chief",
            "id": row.chief_id,
            "date": None,
            "label": _("%(name)s（%(region)s%(role)s）应巡%(required)s次，计入%(counted)s次")
            % {
                "name": row.name,
                "region": row.region_name,
                "role": ChiefRole(row.role).label,
                "required": row.required,
                "counted": row.counted,
            },
            "url": f"/workbench/chiefs/{row.chief_id}/",
            "value": value(row) if value else None,
        }

    @property
    def listed(self) -> Figure:
        """The figure whose rows are listed: a rate lists its denominator's."""
        return FIGURES[self.figure.rate_of[1]] if self.figure.rate_of else self.figure


# The compliance figures' records: the chiefs who owed patrols, each with its share.
COMPLIANCE_VALUES = {
    "patrols_required": lambda row: row.required,
    "patrols_counted": lambda row: Decimal(row.counted),
}


def _compliance_rows(fig: Figure, scope: Scope) -> list[Any]:
    rows = [row for row in chief_compliance(scope) if row.required > 0]
    if fig.key == "chiefs_short":
        rows = [row for row in rows if row.short]
    return rows


def _ordering(fig: Figure) -> list[str]:
    record_type = SOURCES[fig.source].record_type
    if record_type == "patrol":
        return ["started_on", "pk"]
    if record_type == "issue":
        return ["reported_at", "pk"]
    if record_type in ("publicity_event", "cleanup", "meeting", "inspection", "facility_check"):
        return ["date", "pk"]
    return ["pk"]


def _describe_point(period: PointPeriod) -> dict[str, Any]:
    """A monitoring point as a water-quality figure lists it: its grade for the period."""
    assessment = period.assessment
    return {
        "type": "monitoring_point",
        "id": period.point_id,
        "date": period.last_sampled,
        "label": _("%(name)s：%(grade)s（目标%(target)s，%(n)s次监测的均值）")
        % {
            "name": period.name,
            "grade": assessment.grade_label,
            "target": wq.TargetGrade(period.target).label,
            "n": period.readings,
        },
        "url": f"/water/points/{period.point_id}/",
        "value": None,
    }


def _total(fig: Figure, scope: Scope) -> Decimal | int:
    """A figure's value summed from its own records (the very rows the list shows)."""
    if fig.graded is not None:
        return len(graded_points(fig.key, scope))
    if fig.source is not None:
        rows = records_of(fig.key, scope).select_related(None).order_by()
        if fig.total:
            return rows.aggregate(total=Sum(fig.total))["total"] or 0
        return rows.count()
    rows = _compliance_rows(fig, scope)
    if fig.key == "chiefs_short":
        return len(rows)
    return sum((COMPLIANCE_VALUES[fig.key](row) for row in rows), Decimal(0))


def figure_records(*, key: str, scope: Scope, part: str | None = None) -> FigureRecords:
    """The records of the registered figure ``key`` (KeyError if there is none)."""
    fig = figure(key)
    numerator = denominator = None
    listed = fig
    if fig.rate_of:
        numerator = _total(FIGURES[fig.rate_of[0]], scope)
        denominator = _total(FIGURES[fig.rate_of[1]], scope)
        listed = FIGURES[fig.rate_of[1]]
    if listed.graded is not None:
        rows = graded_points(listed.key, scope)
    elif listed.source is not None:
        rows = records_of(listed.key, scope, part).order_by(*_ordering(listed))
    else:
        rows = _compliance_rows(listed, scope)
    total = None
    if listed.total or listed.places or listed.key in COMPLIANCE_VALUES:
        total = _total(listed, scope)
    return FigureRecords(
        figure=fig,
        scope=scope,
        rows=rows,
        total=total,
        numerator=numerator,
        denominator=denominator,
    )
