"""Writes of the work reports: request, edit the office's text, regenerate, build.

A report is a kind of document of the one pipeline (core.documents, as the monthly bulletins;
``REPORTS``, registered by ReportsConfig.ready): a request creates or resets the row and a
worker builds it once, whatever the number of messages; the sweeper recovers rows whose worker
died. The files are kept ``REPORT_FILE_DAYS`` days after a build, then the pipeline's daily
cleanup deletes them; the row and its data snapshot stay, and regenerating makes them again.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Region, RegionLevel, User
from accounts.roles import REGION_READERS
from core.documents import DocumentFile, DocumentKind
from core.exceptions import StateConflict
from core.jobs import Claim, Jobs
from core.pdf import PDFUnavailable
from core.renderers import DOCX_MEDIA_TYPE
from rivers.models import Chief

from .documents import ReportError, build_documents
from .models import Report, ReportKind, Rounding
from .selectors import report_file_stem, report_filename, report_list, report_title
from .statistics import period_bounds

logger = logging.getLogger(__name__)

REPORT_JOBS: Jobs[Report] = Jobs(
    model=Report,
    kind="report",
    stuck_setting="REPORT_STUCK_MINUTES",
    error_message=gettext_lazy("生成报告时出错：%(detail)s。请稍后重试，或联系管理员。"),
    readable_errors=(ReportError, PDFUnavailable),
)
PERIODS = {ReportKind.QUARTERLY: 4, ReportKind.HALF_YEAR: 2, ReportKind.ANNUAL: 0}
TEXT_FIELDS = ("rounding", "opening", "problems_note", "plans", "document_date", "issuer")


# --- requesting ---------------------------------------------------------------------------------


def _checked_period(*, kind: str, year: int, period: int | None, today: datetime.date) -> int:
    """The stored period (0 for a year) of a valid request; a ValidationError otherwise."""
    if kind not in PERIODS:
        raise ValidationError({"kind": [_("报告类型应为季度、半年或年度。")]})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("年度应在 2000 至 2100 之间。")]})
    if kind == ReportKind.ANNUAL:
        if period:
            raise ValidationError({"period": [_("年度总结不分期次，期次应为空。")]})
        period = 0
    elif kind == ReportKind.QUARTERLY and not (period and 1 <= period <= 4):
        raise ValidationError({"period": [_("季度报告的期次应为 1 至 4。")]})
    elif kind == ReportKind.HALF_YEAR and not (period and 1 <= period <= 2):
        raise ValidationError({"period": [_("半年报告的期次应为 1（上半年）或 2（下半年）。")]})
    first, _last = period_bounds(kind=kind, year=year, period=period)
    if first > today:
        # A period that has begun may be reported on (a progress report); one to come may not.
        key = "year" if kind == ReportKind.ANNUAL else "period"
        raise ValidationError({key: [_("该期尚未开始，不能生成报告。")]})
    return period


@transaction.atomic
def report_request(
    *,
    region: Region,
    kind: str,
    year: int,
    period: int | None,
    user: User | None,
    rounding: str | None = None,
    document_date: datetime.date | None = None,
    issuer: str | None = None,
    regenerate: bool = False,
    today: datetime.date | None = None,
) -> Report:
    """Queue the report of ``region`` for the period; asking again is harmless.

    A failed (or lost pending) report is queued again; a done one only with ``regenerate``.
    ``user`` None is the beat job, which may ask for any region.
    """
    if user is not None and not Region.objects.visible_to(user).filter(pk=region.pk).exists():
        raise ValidationError({"region": [_("该区域不在您的管辖范围内。")]})
    period = _checked_period(
        kind=kind, year=year, period=period, today=today or timezone.localdate()
    )
    if rounding is not None and rounding not in Rounding.values:
        raise ValidationError({"rounding": [_("数字写法应为精确数字或概数。")]})
    report, created = Report.objects.get_or_create(
        region=region,
        kind=kind,
        year=year,
        period=period,
        defaults={
            "queued_at": timezone.now(),
            "requested_by": user,
            "rounding": rounding or Rounding.EXACT,
            "document_date": document_date,
            "issuer": (issuer or "").strip(),
        },
    )
    if created:
        REPORT_JOBS.send(report.pk)
        return report
    fields = {"requested_by": user} if user is not None else {}
    if rounding is not None:
        fields["rounding"] = rounding
    if document_date is not None:
        fields["document_date"] = document_date
    if issuer is not None:
        fields["issuer"] = issuer.strip()
    if REPORT_JOBS.requeue(report.pk, rebuild=regenerate, **fields):
        report.refresh_from_db()
    return report


@transaction.atomic
def report_update_texts(
    *,
    report: Report,
    user: User,
    opening: str | None = None,
    problems_note: str | None = None,
    plans: str | None = None,
    rounding: str | None = None,
    document_date: datetime.date | None = None,
    issuer: str | None = None,
    clear_document_date: bool = False,
) -> Report:
    """The office's own words (None: unchanged); they go into the next build.

    Written by a single UPDATE of these fields alone, so that a build running meanwhile keeps
    its own fields; blank means the generated default text.
    """
    given = {
        "opening": opening,
        "problems_note": problems_note,
        "plans": plans,
        "rounding": rounding,
        "document_date": document_date,
        "issuer": issuer,
    }
    changes = {name: value for name, value in given.items() if value is not None}
    if clear_document_date:
        changes["document_date"] = None
    for name, value in changes.items():
        setattr(report, name, value.strip() if isinstance(value, str) else value)
    report.full_clean(exclude=[f.name for f in Report._meta.fields if f.name not in TEXT_FIELDS])
    if changes:
        Report.objects.filter(pk=report.pk).update(
            **{name: getattr(report, name) for name in changes}
        )
    report.refresh_from_db()
    return report


@transaction.atomic
def report_regenerate(*, report: Report, user: User) -> Report:
    """Build a done or failed report again with today's records and the office's texts."""
    # Done, failed or still pending: reset and (re)sent; so is a running one whose worker
    # stopped beating (core.jobs.stale_running); a live build is left alone.
    if not REPORT_JOBS.requeue(report.pk, rebuild=True, requested_by=user):
        raise StateConflict(_("报告正在生成，请等待完成后再重新生成。"))
    report.refresh_from_db()
    return report


def reports_for_last_quarter(*, today: datetime.date) -> list[Report]:
    """The beat job of the quarter's first day: last quarter's report of every street that had
    chiefs serving in it; reports already made are kept as they are."""
    last_quarter_day = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter_day -= datetime.timedelta(days=1)
    quarter = (last_quarter_day.month - 1) // 3 + 1
    first, last = period_bounds(
        kind=ReportKind.QUARTERLY, year=last_quarter_day.year, period=quarter
    )
    serving = Chief.objects.serving_between(first, last)
    streets = Region.objects.filter(level=RegionLevel.STREET).filter(
        Q(pk__in=serving.values("region")) | Q(pk__in=serving.values("region__parent"))
    )
    return [
        report_request(
            region=street,
            kind=ReportKind.QUARTERLY,
            year=last_quarter_day.year,
            period=quarter,
            user=None,
            today=today,
        )
        for street in streets.order_by("code")
    ]


# --- building -----------------------------------------------------------------------------------


# --- the kind of document -----------------------------------------------------------------------


class ReportDocument(DocumentKind[Report]):
    """The work reports in the document pipeline (core.documents): a region's period, printed
    as a PDF and written as an editable Word file, kept ``REPORT_FILE_DAYS`` days."""

    jobs = REPORT_JOBS
    label = gettext_lazy("工作报告")
    files = {
        "pdf": DocumentFile.pdf(lambda report: report_filename(report, "pdf")),
        "docx": DocumentFile(
            content_type=DOCX_MEDIA_TYPE,
            filename=lambda report: report_filename(report, "docx"),
            label=gettext_lazy("下载 Word"),
        ),
    }
    # The pages link to the API's downloads, as they always have.
    url_names = {"pdf": "report-pdf", "docx": "report-docx"}
    not_ready = gettext_lazy("报告尚未生成完成（当前状态：%(status)s）。")
    gone = gettext_lazy("报告文件已过期删除，请重新生成。")
    expires = True
    readers = REGION_READERS
    refusal = gettext_lazy("工作报告仅供河长办和领导查看。")

    def build(self, claim: Claim[Report]) -> None:
        report = Report.objects.select_related("region").get(pk=claim.pk)
        claim.progress(5)
        documents = build_documents(report=report, on_progress=claim.progress)
        stem = f"reports/{report_file_stem(report)}"
        stored: dict[str, str] = {}
        try:
            stored["pdf"] = claim.store(report, "pdf", f"{stem}.pdf", documents.pdf)
            stored["docx"] = claim.store(report, "docx", f"{stem}.docx", documents.docx)
        except BaseException:
            for field_name, name in stored.items():
                getattr(report, field_name).storage.delete(name)  # no half-saved pair left behind
            raise
        expires_at = timezone.now() + datetime.timedelta(days=settings.REPORT_FILE_DAYS)
        claim.publish(report, files=stored, data=documents.data, expires_at=expires_at)

    def rows(self, user: User) -> QuerySet[Report]:
        return report_list(user=user)

    def title(self, report: Report) -> str:
        return report_title(report)

    def detail_url(self, report: Report) -> str:
        return reverse("report-view", args=[report.pk])


REPORTS = ReportDocument()
