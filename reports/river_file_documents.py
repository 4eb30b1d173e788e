"""The PDF of a river's file (一河一档), a kind of the one document pipeline (core.documents).

Asked for on the file's page (导出PDF) or at ``POST rivers/{id}/file/pdf/``: the row
(reports.models.RiverFile, keyed by the river, the year and the asking account's region) is
queued after commit, a worker claims it and prints ``river_file`` as it stands then, the page
polls and then links the download (``/documents/river-file/<pk>/pdf/``). A file is a snapshot:
asking again rebuilds it, and the PDF says the day it was made.
"""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.documents import DocumentFile, DocumentKind
from core.jobs import Claim, Jobs
from core.pdf import CJK_FONTS_MISSING, PDFUnavailable, cjk_font_families, html_to_pdf

from .models import RiverFile
from .river_file import RiverFileSheet, river_file, river_file_rivers, shows_plan

DOCUMENT_LANGUAGE = "zh-hans"
_FILE_NAME_BAD = re.compile(r'[\\/:*?"<>|\s]')


class RiverFileError(Exception):
    """The PDF cannot be made as things stand (no Chinese font): shown to the office as is."""


JOBS: Jobs[RiverFile] = Jobs(
    model=RiverFile,
    kind="river-file",
    error_message=gettext_lazy("生成河流档案时出错：%(detail)s。请稍后重试，或联系管理员。"),
    language=DOCUMENT_LANGUAGE,
    readable_errors=(RiverFileError,),
)


def day_text(day) -> str:
    return _("%(year)s年%(month)s月%(day)s日") % {
        "year": day.year,
        "month": day.month,
        "day": day.day,
    }


def file_title(document: RiverFile) -> str:
    """东风河 一河一档（2026年）."""
    return _("%(river)s 一河一档（%(year)s年）") % {
        "river": document.river.name,
        "year": document.year,
    }


def river_file_html(sheet: RiverFileSheet) -> str:
    return render_to_string(
        "reports/river_file_pdf.html",
        {"sheet": sheet, "made_on": day_text(sheet.made_on), "as_of": day_text(sheet.as_of)},
    )


def river_file_pdf(sheet: RiverFileSheet, *, on_progress=None) -> bytes:
    try:
        return html_to_pdf(river_file_html(sheet), on_progress=on_progress)
    except PDFUnavailable as exc:
        raise RiverFileError(str(exc)) from exc


def _pdf_name(document: RiverFile) -> str:
    with translation.override(DOCUMENT_LANGUAGE):
        return f"{_FILE_NAME_BAD.sub('', file_title(document))}.pdf"


def river_file_document_list(*, user: User) -> QuerySet[RiverFile]:
    """The files of the rivers the user sees, asked for in its region or below (with the river
    plan only for the plans' readers); others are not found (404)."""
    rows = RiverFile.objects.visible_to(user).filter(river__in=river_file_rivers(user=user))
    if not shows_plan(user):
        rows = rows.filter(with_plan=False)
    return rows.select_related("river__region", "region")


class RiverFileKind(DocumentKind[RiverFile]):
    """A river's file for a year, printed."""

    jobs = JOBS
    label = gettext_lazy("一河一档")
    files = {"pdf": DocumentFile.pdf(_pdf_name)}
    not_ready = gettext_lazy("河流档案尚未生成完成（当前状态：%(status)s）。")

    def build(self, claim: Claim[RiverFile]) -> None:
        document = RiverFile.objects.select_related("river__region", "region").get(pk=claim.pk)
        if not cjk_font_families():
            raise RiverFileError(CJK_FONTS_MISSING)
        claim.progress(5)
        sheet = river_file(
            river=document.river,
            region=document.region,
            year=document.year,
            with_plan=document.with_plan,
            today=timezone.localdate(),
        )
        claim.progress(30)
        pdf = river_file_pdf(
            sheet, on_progress=lambda value: claim.progress(30 + value * 65 // 100)
        )
        stored = claim.store(document, "pdf", f"river-files/river-file-{document.pk}.pdf", pdf)
        claim.publish(document, files={"pdf": stored})

    def rows(self, user: User) -> QuerySet[RiverFile]:
        return river_file_document_list(user=user)

    def title(self, document: RiverFile) -> str:
        return file_title(document)

    def detail_url(self, document: RiverFile) -> str:
        return f"{reverse('river-file-page', args=[document.river_id])}?year={document.year}"


RIVER_FILES = RiverFileKind()
