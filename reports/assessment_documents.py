"""The Excel ledger and the PDF of a published assessment round (考核结果), a kind of the one
document pipeline (core.documents).

The office asks for them on the round's page or at ``assessment-rounds/{id}/documents/``; the row
(reports.models.AssessmentRoundDocument, keyed by the round) is queued after commit, a worker
claims it and stores both files, the page polls and then links the downloads. Only a published
round has them: it is frozen, so they are built once and reused (a failed build may be asked
again). Both files say the same from ``round_sheet``: the title, the scheme and its criteria,
one row per subject by rank with each criterion's value and points, the adjustments and the
score, the unranked (served under 30 days) last; and the adjustments with their reasons.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from accounts.models import User
from accounts.roles import REGION_READERS
from core.documents import DocumentFile, DocumentKind
from core.jobs import Claim, Jobs
from core.ledgers import XLSX_MEDIA_TYPE, ExportColumn, Ledger, write_ledger
from core.pdf import CJK_FONTS_MISSING, PDFUnavailable, cjk_font_families, html_to_pdf

from .assessment import CRITERIA, MIN_SERVED_DAYS, period_bounds
from .models import AssessmentRound, AssessmentRoundDocument, AssessmentSubject
from .selectors_assessment import assessment_round_list

# An official Chinese document whatever language the office's pages are in.
DOCUMENT_LANGUAGE = "zh-hans"
NUMBER = "0.00"
NO_VALUE = "—"
_FILE_NAME_BAD = re.compile(r'[\\/:*?"<>|\s]')


class AssessmentDocumentError(Exception):
    """The files cannot be made as things stand (no Chinese font): shown to the office as is."""


JOBS: Jobs[AssessmentRoundDocument] = Jobs(
    model=AssessmentRoundDocument,
    kind="assessment-round",
    error_message=gettext_lazy("生成考核结果文件时出错：%(detail)s。请稍后重试，或联系管理员。"),
    language=DOCUMENT_LANGUAGE,
    readable_errors=(AssessmentDocumentError,),
)


# --- what both files say ------------------------------------------------------------------------


def period_label(round_: AssessmentRound) -> str:
    """2025年第3季度, or 2025年度."""
    if round_.period:
        return _("%(year)s年第%(quarter)s季度") % {"year": round_.year, "quarter": round_.period}
    return _("%(year)s年度") % {"year": round_.year}


def round_heading(round_: AssessmentRound) -> str:
    """2025年第3季度 河长考核结果 (without the region)."""
    subject = AssessmentSubject(round_.scheme.subject).label
    return _("%(period)s %(subject)s考核结果") % {
        "period": period_label(round_),
        "subject": subject,
    }


def round_title(round_: AssessmentRound) -> str:
    """清水街道 2025年第3季度 河长考核结果."""
    return f"{round_.region.name} {round_heading(round_)}"


def _filename(round_: AssessmentRound, extension: str) -> str:
    return f"{_FILE_NAME_BAD.sub('', round_title(round_))}.{extension}"


def _day(day: datetime.date) -> str:
    return _("%(year)s年%(month)s月%(day)s日") % {
        "year": day.year,
        "month": day.month,
        "day": day.day,
    }


def _number(value: Any) -> str:
    return f"{Decimal(str(value)):.2f}"


@dataclass(frozen=True)
class CriterionColumn:
    key: str
    label: str
    weight: Decimal
    target: Decimal

    @property
    def weight_text(self) -> str:
        return f"{self.weight.normalize():f}"

    @property
    def target_text(self) -> str:
        return f"{self.target.normalize():f}"

    @property
    def text(self) -> str:
        """巡河率 权重60分 目标值90%."""
        return _("%(label)s 权重%(weight)s分 目标值%(target)s%%") % {
            "label": self.label,
            "weight": self.weight_text,
            "target": self.target_text,
        }


@dataclass(frozen=True)
class SheetRow:
    rank: int | None
    name: str
    # Per criterion, in the scheme's order: (value in %, or None when there was nothing to
    # divide, points).
    parts: list[tuple[Decimal | None, Decimal]]
    adjustment: Decimal
    score: Decimal
    served_days: int

    @property
    def note(self) -> str:
        if self.rank is None:
            return _("未满%(days)s天，不参与排名") % {"days": MIN_SERVED_DAYS}
        return ""


@dataclass(frozen=True)
class AdjustmentRow:
    name: str
    points: Decimal
    reason: str
    by: str
    at: datetime.datetime


@dataclass
class RoundSheet:
    """What the ledger and the PDF of one round say."""

    title: str
    region: str
    heading: str
    scheme: str
    subject_label: str
    is_chief: bool
    date_from: datetime.date
    date_to: datetime.date
    published_on: datetime.date | None
    criteria: list[CriterionColumn]
    rows: list[SheetRow]
    adjustments: list[AdjustmentRow] = field(default_factory=list)

    @property
    def period_text(self) -> str:
        return _("%(from)s至%(to)s") % {"from": _day(self.date_from), "to": _day(self.date_to)}

    @property
    def scheme_line(self) -> str:
        line = _("考核方案：%(scheme)s；考核期间：%(period)s") % {
            "scheme": self.scheme,
            "period": self.period_text,
        }
        if self.published_on:
            line += _("；发布日期：%(day)s") % {"day": _day(self.published_on)}
        return line

    @property
    def criteria_line(self) -> str:
        return _("考核指标：%(criteria)s") % {
            "criteria": "；".join(criterion.text for criterion in self.criteria)
        }

    @property
    def rule_line(self) -> str:
        rule = _(
            "计分规则：各项指标得分＝权重×min(1，实际值÷目标值)，“—”表示该项无可计算的数据，"
            "按满分计；得分＝各项指标得分之和＋加减分（0至100分）；得分相同者名次并列。"
        )
        if self.is_chief:
            rule += _("任职不满%(days)s天的河长列出，不参与排名。") % {"days": MIN_SERVED_DAYS}
        return rule

    @property
    def issuer(self) -> str:
        return _("%(region)s河长制办公室") % {"region": self.region}


def round_sheet(round_: AssessmentRound) -> RoundSheet:
    """The round as both files print it: its scores by rank (the unranked last), its
    adjustments oldest first, named by the subjects' names."""
    scheme = round_.scheme
    criteria = [
        CriterionColumn(
            key=item["key"],
            label=str(CRITERIA[item["key"]].label) if item["key"] in CRITERIA else item["key"],
            weight=Decimal(str(item["weight"])),
            target=Decimal(str(item["target"])),
        )
        for item in scheme.criteria
    ]
    rows = []
    names = {}
    for score in round_.scores.all():
        names[score.subject_id] = score.name
        parts = {part["key"]: part for part in score.breakdown}
        rows.append(
            SheetRow(
                rank=score.rank,
                name=score.name,
                parts=[
                    (
                        None
                        if parts.get(c.key, {}).get("value") is None
                        else Decimal(str(parts[c.key]["value"])),
                        Decimal(str(parts.get(c.key, {}).get("points", 0))),
                    )
                    for c in criteria
                ],
                adjustment=score.adjustment,
                score=score.score,
                served_days=score.served_days,
            )
        )
    adjustments = [
        AdjustmentRow(
            name=names.get(adjustment.subject_id, str(adjustment.subject_id)),
            points=adjustment.points,
            reason=adjustment.reason,
            by=(adjustment.created_by.get_full_name() or adjustment.created_by.username)
            if adjustment.created_by
            else "",
            at=adjustment.created_at,
        )
        for adjustment in round_.adjustments.select_related("created_by").order_by(
            "created_at", "pk"
        )
    ]
    date_from, date_to = period_bounds(round_.year, round_.period)
    return RoundSheet(
        title=round_title(round_),
        region=round_.region.name,
        heading=round_heading(round_),
        scheme=scheme.name,
        subject_label=str(AssessmentSubject(scheme.subject).label),
        is_chief=scheme.subject == AssessmentSubject.CHIEF,
        date_from=date_from,
        date_to=date_to,
        published_on=timezone.localdate(round_.published_at) if round_.published_at else None,
        criteria=criteria,
        rows=rows,
        adjustments=adjustments,
    )


# --- the Excel ledger ---------------------------------------------------------------------------


def _score_columns(sheet: RoundSheet) -> list[ExportColumn]:
    columns = [
        ExportColumn(_("排名"), lambda row: NO_VALUE if row.rank is None else row.rank, width=6),
        ExportColumn(sheet.subject_label, lambda row: row.name, width=16),
    ]
    for index, criterion in enumerate(sheet.criteria):
        columns += [
            ExportColumn(
                _("%(label)s（%%）") % {"label": criterion.label},
                lambda row, i=index: NO_VALUE if row.parts[i][0] is None else row.parts[i][0],
                number_format=NUMBER,
            ),
            ExportColumn(
                _("%(label)s得分") % {"label": criterion.label},
                lambda row, i=index: row.parts[i][1],
                number_format=NUMBER,
            ),
        ]
    columns += [
        ExportColumn(_("加减分"), lambda row: row.adjustment, width=8, number_format=NUMBER),
        ExportColumn(_("得分"), lambda row: row.score, width=8, number_format=NUMBER),
    ]
    if sheet.is_chief:
        columns.append(ExportColumn(_("任职天数"), lambda row: row.served_days, width=8))
    columns.append(ExportColumn(_("备注"), lambda row: row.note, width=24))
    return columns


ADJUSTMENT_COLUMNS = [
    ExportColumn(gettext_lazy("考核对象"), lambda row: row.name, width=16),
    ExportColumn(gettext_lazy("分值"), lambda row: row.points, width=8, number_format=NUMBER),
    ExportColumn(gettext_lazy("理由"), lambda row: row.reason, width=40),
    ExportColumn(gettext_lazy("登记人"), lambda row: row.by, width=12),
    ExportColumn(gettext_lazy("登记时间"), lambda row: row.at),
]


def round_xlsx(sheet: RoundSheet, *, printed_on: datetime.date | None = None) -> bytes:
    """Sheet 1: the results by rank under the title, the scheme, the criteria and the rule;
    sheet 2: the adjustments with their reasons."""
    workbook = Workbook()
    results = Ledger(
        name=sheet.heading,
        columns=_score_columns(sheet),
        region=sheet.region,
        printed_on=printed_on,
        notes=(sheet.scheme_line, sheet.criteria_line, sheet.rule_line),
    )
    write_ledger(workbook.active, ledger=results, rows=sheet.rows)
    workbook.active.title = _("考核结果")
    adjustments = Ledger(
        name=_("加减分明细"),
        columns=ADJUSTMENT_COLUMNS,
        region=sheet.region,
        conditions=(sheet.heading,),
        printed_on=printed_on,
        notes=() if sheet.adjustments else (_("本轮考核无加减分。"),),
    )
    write_ledger(workbook.create_sheet(), ledger=adjustments, rows=sheet.adjustments)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the PDF ------------------------------------------------------------------------------------


def round_html(sheet: RoundSheet) -> str:
    def shown(value: Decimal | None) -> str:
        return NO_VALUE if value is None else _number(value)

    rows = [
        {
            "rank": NO_VALUE if row.rank is None else row.rank,
            "name": row.name,
            "parts": [(shown(value), _number(points)) for value, points in row.parts],
            "adjustment": _number(row.adjustment),
            "score": _number(row.score),
            "served_days": row.served_days,
            "note": row.note,
        }
        for row in sheet.rows
    ]
    adjustments = [
        {"name": a.name, "points": _number(a.points), "reason": a.reason} for a in sheet.adjustments
    ]
    issued_on = sheet.published_on or timezone.localdate()
    return render_to_string(
        "reports/assessment_pdf.html",
        {
            "sheet": sheet,
            "rows": rows,
            "adjustments": adjustments,
            "issued_on": _day(issued_on),
            "columns": 4 + 2 * len(sheet.criteria) + (1 if sheet.is_chief else 0),
        },
    )


def round_pdf(sheet: RoundSheet, *, on_progress=None) -> bytes:
    try:
        return html_to_pdf(round_html(sheet), on_progress=on_progress)
    except PDFUnavailable as exc:
        raise AssessmentDocumentError(str(exc)) from exc


# --- the kind of document -----------------------------------------------------------------------


def _xlsx_name(document: AssessmentRoundDocument) -> str:
    with translation.override(DOCUMENT_LANGUAGE):
        return _filename(document.round, "xlsx")


def _pdf_name(document: AssessmentRoundDocument) -> str:
    with translation.override(DOCUMENT_LANGUAGE):
        return _filename(document.round, "pdf")


def assessment_document_list(*, user: User) -> QuerySet[AssessmentRoundDocument]:
    """The documents of the rounds in the user's region; others are not found (404)."""
    return AssessmentRoundDocument.objects.filter(
        round__in=assessment_round_list(user=user)
    ).select_related("round__scheme", "round__region")


class AssessmentRoundDocumentKind(DocumentKind[AssessmentRoundDocument]):
    """A published round's Excel ledger and PDF."""

    jobs = JOBS
    label = gettext_lazy("考核结果")
    files = {
        "xlsx": DocumentFile(
            content_type=XLSX_MEDIA_TYPE, filename=_xlsx_name, label=gettext_lazy("下载 Excel")
        ),
        "pdf": DocumentFile.pdf(_pdf_name),
    }
    not_ready = gettext_lazy("考核结果文件尚未生成完成（当前状态：%(status)s）。")
    # It ranks the chiefs by name: for the office and leaders, as the rounds are.
    readers = REGION_READERS
    refusal = gettext_lazy("考核结果仅供河长办和领导查看。")

    def build(self, claim: Claim[AssessmentRoundDocument]) -> None:
        document = AssessmentRoundDocument.objects.select_related(
            "round__scheme", "round__region"
        ).get(pk=claim.pk)
        if not cjk_font_families():
            raise AssessmentDocumentError(CJK_FONTS_MISSING)
        claim.progress(5)
        sheet = round_sheet(document.round)
        claim.progress(20)
        stem = f"assessment/round-{document.pk}"
        xlsx = claim.store(document, "xlsx", f"{stem}.xlsx", round_xlsx(sheet))
        claim.progress(40)
        pdf = round_pdf(sheet, on_progress=lambda value: claim.progress(40 + value * 55 // 100))
        stored = claim.store(document, "pdf", f"{stem}.pdf", pdf)
        claim.publish(document, files={"xlsx": xlsx, "pdf": stored})

    def rows(self, user: User) -> QuerySet[AssessmentRoundDocument]:
        return assessment_document_list(user=user)

    def title(self, document: AssessmentRoundDocument) -> str:
        return round_title(document.round)

    def detail_url(self, document: AssessmentRoundDocument) -> str:
        return reverse("assessment-round-page", args=[document.pk])


ASSESSMENT_DOCUMENTS = AssessmentRoundDocumentKind()
