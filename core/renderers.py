"""Renderers of the API's files: every list exports as an .xlsx ledger (``?format=xlsx``), with
the fields' Chinese labels; a document's file (core.documents) goes out as it is stored."""

import mimetypes
from io import BytesIO
from urllib.parse import quote

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from rest_framework import renderers, serializers

from .ledgers import XLSX_MEDIA_TYPE
from .text import join_items
from .xlsx import append_row

HEADER_FONT = Font(bold=True)


def _cell(field: serializers.Field, value):
    if value is None:
        return ""
    if isinstance(field, serializers.ChoiceField):
        return str(field.choices.get(value, value))
    choice_list = isinstance(field, serializers.ListField) and isinstance(
        field.child, serializers.ChoiceField
    )
    if choice_list:
        # A list of codes reads as their labels, like a single choice.
        return join_items([str(field.child.choices.get(code, code)) for code in value])
    if isinstance(field, serializers.BooleanField):
        return _("是") if value else _("否")
    if isinstance(value, list | tuple):
        return join_items(value)
    if isinstance(value, dict):
        return str(value)
    return value


class XLSXRenderer(renderers.BaseRenderer):
    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        renderer_context = renderer_context or {}
        view = renderer_context.get("view")
        response = renderer_context.get("response")
        rows = data.get("results", data) if isinstance(data, dict) else data
        if (response is not None and response.status_code >= 400) or not isinstance(rows, list):
            # Errors stay readable: an error body is not a ledger.
            return renderers.JSONRenderer().render(data)

        fields = {
            name: field
            for name, field in view.get_serializer().fields.items()
            if not field.write_only
        }
        title = str(view.get_queryset().model._meta.verbose_name_plural)
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = title[:31]
        headers = [str(field.label or name) for name, field in fields.items()]
        append_row(sheet, headers)
        for row in rows:
            # A citizen's "=HYPERLINK(...)" stays text in the office's Excel (core.xlsx).
            append_row(sheet, [_cell(field, row.get(name)) for name, field in fields.items()])
        for index, header in enumerate(headers, start=1):
            sheet.cell(row=1, column=index).font = HEADER_FONT
            sheet.column_dimensions[get_column_letter(index)].width = max(10, 2 * len(header) + 2)
        sheet.freeze_panes = "A2"

        buffer = BytesIO()
        workbook.save(buffer)
        if response is not None:
            filename = f"{title}-{timezone.localdate():%Y%m%d}.xlsx"
            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        return buffer.getvalue()


class FileRenderer(renderers.BaseRenderer):
    """A stored file as it is (the view answers its bytes); an error for a client that asked
    for the file is still said in JSON."""

    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        # An error (409, 404) for a client that asked for a PDF: still say why, in JSON.
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return renderers.JSONRenderer().render(data)


class PDFRenderer(FileRenderer):
    media_type = "application/pdf"
    format = "pdf"


DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class DOCXRenderer(FileRenderer):
    media_type = DOCX_MEDIA_TYPE
    format = "docx"


def file_renderer(media_type: str) -> type[FileRenderer]:
    """The renderer of files of ``media_type`` (a document's file: core.views_documents)."""
    for renderer in (PDFRenderer, DOCXRenderer):
        if renderer.media_type == media_type:
            return renderer
    extension = (mimetypes.guess_extension(media_type) or ".bin").lstrip(".")
    attributes = {"media_type": media_type, "format": extension}
    return type(f"{extension.upper()}Renderer", (FileRenderer,), attributes)
