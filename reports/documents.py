"""A work report's documents: its figures, its text, the PDF and the editable Word file.

``build_documents`` is what the report job calls: it reads the figures the ``stats/`` API
serves (reports.statistics), composes the text (reports.content), prints the PDF through the
portal's one WeasyPrint path (core.pdf: Chinese fonts required, static files only) and writes
the .docx (reports.word). It writes nothing to the database; the caller stores what it returns.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.pdf import CJK_FONTS_MISSING, PDFUnavailable, cjk_font_families, html_to_pdf

from .charts import chart_png, chart_svg
from .content import ReportSpec, compose, period_name
from .models import Report
from .statistics import period_bounds, region_statistics, report_details
from .word import write_docx

__all__ = ["DOCUMENT_LANGUAGE", "VERSION", "Documents", "ReportError", "build_documents"]

# A report is an official Chinese document whatever language the office's pages are in.
DOCUMENT_LANGUAGE = "zh-hans"
# Bumped when ``data`` changes shape, so a reader can tell old snapshots from new (3: the
# details hold the published assessment rounds the text cites, ``assessments``; 4: and the river
# plans' open tasks the annual report's next steps cite, ``plan_tasks``; 5: and the
# water-quality figures of the year before, ``water_year_before``).
VERSION = 5


@dataclass
class Documents:
    data: dict[str, Any]
    pdf: bytes
    docx: bytes


class ReportError(Exception):
    """The report cannot be made as things stand (not transient); the message is for the office."""


def build_documents(
    *,
    report: Report,
    on_progress: Callable[[int], None],
    issued_on: datetime.date | None = None,
) -> Documents:
    """Figures (10), text (30), PDF (40-85), Word (95): the report's snapshot and both files."""
    with translation.override(DOCUMENT_LANGUAGE):
        if not cjk_font_families():
            raise ReportError(CJK_FONTS_MISSING)
        region = report.region
        date_from, date_to = period_bounds(kind=report.kind, year=report.year, period=report.period)
        statistics = region_statistics(region=region, date_from=date_from, date_to=date_to)
        details = report_details(
            region=region, date_from=date_from, date_to=date_to, statistics=statistics
        )
        figures, lists = statistics.as_dict(), details.as_dict()
        on_progress(10)

        content = compose(
            spec=ReportSpec.of(report, today=issued_on or timezone.localdate()),
            figures=statistics,
            details=details,
        )
        on_progress(30)

        # The months still to come are not drawn as zeros; the month of as_of is marked partial.
        monthly = lists["monthly"]
        # Ours, not user text: every string in the SVG is escaped where it is written.
        chart = chart_svg(monthly, title=content["chart_caption"])
        html = render_to_string(
            "reports/report_pdf.html",
            {"content": content, "chart": mark_safe(chart)},  # noqa: S308  # nosec B308 B703
        )
        on_progress(40)
        try:
            pdf = html_to_pdf(
                html, on_progress=lambda value: on_progress(40 + (value - 40) * 45 // 60)
            )
        except PDFUnavailable as exc:
            raise ReportError(str(exc)) from exc
        on_progress(85)

        docx = write_docx(
            content,
            chart_png=chart_png(monthly),
            monthly=monthly,
            monthly_columns=[_("月份"), _("有效巡河"), _("发现问题"), _("销号问题")],
        )
        on_progress(95)

        data = {
            "version": VERSION,
            "title": content["title"],
            "region": {"id": region.pk, "name": region.name, "level": region.level},
            "kind": report.kind,
            "year": report.year,
            "period": report.period,
            "period_name": period_name(kind=report.kind, year=report.year, period=report.period),
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
            "rounding": report.rounding,
            "figures": figures,
            "details": lists,
            "sections": content,
        }
    return Documents(data=data, pdf=pdf, docx=docx)
