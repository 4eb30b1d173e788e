"""Renderers of the API's files: every list exports as an .xlsx ledger (``?format=xlsx``, see
``core.exports``); a document's file (core.documents) goes out as it is stored."""

import mimetypes
from io import BytesIO
from urllib.parse import quote

from openpyxl import Workbook
from rest_framework import renderers

from .ledgers import XLSX_MEDIA_TYPE, ExportColumn, Ledger, LedgerExport, write_ledger


def _fallback(view, rows: list) -> LedgerExport:
    """A list some other action answers (not a list view's ledger): its keys under the
    serializer's labels, without the ids."""
    labels = {}
    if view is not None and hasattr(view, "get_serializer"):
        labels = {name: field.label for name, field in view.get_serializer().fields.items()}
    keys = [key for key in (rows[0] if rows else {}) if key != "id"]
    columns = [
        ExportColumn(str(labels.get(key) or key), lambda row, key=key: row.get(key)) for key in keys
    ]
    name = ""
    if view is not None and hasattr(view, "get_queryset"):
        name = str(view.get_queryset().model._meta.verbose_name_plural)
    return LedgerExport(ledger=Ledger(name=name, columns=columns), rows=rows)


class XLSXRenderer(renderers.BaseRenderer):
    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        renderer_context = renderer_context or {}
        view = renderer_context.get("view")
        response = renderer_context.get("response")
        if response is not None and response.status_code >= 400:
            # Errors stay readable: an error body is not a ledger.
            return renderers.JSONRenderer().render(data)
        if isinstance(data, LedgerExport):
            export = data
        else:
            rows = data.get("results", data) if isinstance(data, dict) else data
            if not isinstance(rows, list):
                return renderers.JSONRenderer().render(data)
            export = _fallback(view, rows)

        workbook = Workbook()
        write_ledger(workbook.active, ledger=export.ledger, rows=export.rows)
        buffer = BytesIO()
        workbook.save(buffer)
        if response is not None:
            filename = quote(export.ledger.filename)
            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
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


def no_spreadsheet() -> list[type[renderers.BaseRenderer]]:
    """The API's renderers without ``?format=xlsx``, for a list whose rows make no ledger (a
    round's ledger is its document, a plan prints with the river file, a token list is no
    ledger at all). A function, so that the settings' renderer classes are read after this
    module has loaded."""
    from rest_framework.settings import api_settings

    return [
        renderer
        for renderer in api_settings.DEFAULT_RENDERER_CLASSES
        if not issubclass(renderer, XLSXRenderer)
    ]
