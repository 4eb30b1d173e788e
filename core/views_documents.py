"""The document pipeline's views (core.documents): one status view, one download view, their
API twin, and the link a serializer gives to a document's file.

- ``document_status``: the row's state as JSON, never cached; the polling script
  (static/js/documents.js) reads it. ``/documents/<kind>/<pk>/status/``, and the addresses a
  kind keeps from before (``/bulletins/<pk>/status/``).
- ``document_download``: the file, for an account that sees the row (the kind's ``visible``:
  a refused role 403, a row outside the region 404); a page that says why with 409 while it is
  not built, 410 once expired, 503 when this server cannot print. ``/documents/<kind>/<pk>/
  <file>/`` and the kinds' own addresses (``/bulletins/<pk>/pdf/``).
- ``document_file_action``: the same download as an API action of the kind's viewset
  (``/api/v1/<records>/<pk>/<file>/``), with the viewset's roles and scope; errors in JSON.
- ``DocumentFileLink``: a serializer's read-only link to that action, null until it answers.
- ``DocumentListView``: a kind's list page with its request form.
- ``document_page``: a row's page of a kind (its status followed, its content once built).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer

from . import documents
from .documents import DocumentGone, DocumentKind, DocumentNotReady, DocumentUnavailable
from .pdf import PDFUnavailable
from .renderers import file_renderer

LIST_PAGE_SIZE = 50


def _kind(name: str) -> DocumentKind:
    try:
        return documents.kind(name)
    except LookupError as exc:
        raise Http404(str(exc)) from exc


def _row(request: HttpRequest, kind: DocumentKind, pk: int):
    # ``visible`` refuses a role outright (403); another region's row is not found (404).
    return get_object_or_404(kind.visible(request.user), pk=pk)


@login_required
@never_cache  # polled: every answer must come from the row as it is now
@require_GET
def document_status(request: HttpRequest, kind: str, pk: int) -> JsonResponse:
    document = _kind(kind)
    return JsonResponse(documents.status_payload(document, _row(request, document, pk)))


@login_required
@require_GET
def document_download(request: HttpRequest, kind: str, pk: int, file: str) -> HttpResponse:
    document = _kind(kind)
    if file not in document.files:
        raise Http404(file)
    row = _row(request, document, pk)
    try:
        return documents.file_response(document, row, file)
    except DocumentNotReady as exc:
        problem, status = exc, 409
    except DocumentGone as exc:
        problem, status = exc, 410
    except PDFUnavailable as exc:
        problem, status = exc, 503
    row.refresh_from_db()
    # The row exists but its file cannot be had now: a page that says why and follows the build.
    context = {
        "kind": document,
        "row": row,
        "title": document.title(row),
        "problem": documents.problem_message(problem),
    }
    return render(request, "documents/not_ready.html", context, status=status)


# --- the API ------------------------------------------------------------------------------------

PROBLEM = inline_serializer("DocumentFileProblem", {"detail": serializers.CharField()})


def _responses(kind: DocumentKind, media_type: str) -> dict:
    responses: dict = {(200, media_type): OpenApiTypes.BINARY}
    # Lazy: the schema is read in the language of whoever asks for it.
    not_ready = lazy(lambda: kind.not_ready % {"status": "…"}, str)()
    responses[(409, "application/json")] = OpenApiResponse(PROBLEM, description=not_ready)
    if kind.expires:
        responses[(410, "application/json")] = OpenApiResponse(PROBLEM, description=kind.gone)
    if kind.build_on_request:
        unavailable = gettext_lazy("服务器缺少中文字体或 PDF 系统库。")
        responses[(503, "application/json")] = OpenApiResponse(PROBLEM, description=unavailable)
    return responses


def document_file_action(kind: DocumentKind, file: str, *, row: Callable[[Any], Any] | None = None):
    """The API action ``<file>/`` of ``kind``'s viewset (``pdf = document_file_action(KIND,
    "pdf")`` in the class body): the row through the viewset's ``get_object`` (its roles and
    scope), then the one download. Its route's name is ``<basename>-<file>``. ``row`` finds
    the document from the viewset's object where that is not the document itself (an
    assessment round and its files); it raises ``DocumentNotReady`` when there is none."""
    spec = kind.files[file]

    def download(self, request, pk=None):
        found = self.get_object()
        try:
            return documents.file_response(kind, found if row is None else row(found), file)
        except PDFUnavailable as exc:
            raise DocumentUnavailable(str(exc)) from exc

    download.__name__ = file
    download.__doc__ = f"The {kind.name}'s {file} file, for an account that sees the {kind.name}."
    renderers = [JSONRenderer, file_renderer(spec.content_type)]
    download = action(detail=True, methods=["get"], url_path=file, renderer_classes=renderers)(
        download
    )
    return extend_schema(responses=_responses(kind, spec.content_type))(download)


@extend_schema_field({"type": "string", "format": "uri", "nullable": True})
class DocumentFileLink(serializers.Field):
    """The absolute address of the document's file of the field's name (``pdf``) at the API's
    download ``url_name`` (the action ``document_file_action`` made, which checks the account);
    null while it cannot be downloaded (not built yet, or expired), except for a kind that
    builds it on request."""

    def __init__(self, url_name: str, **kwargs) -> None:
        self.url_name = url_name
        kwargs.setdefault("help_text", gettext_lazy("生成完成前为 null。"))
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, row) -> str | None:
        kind = documents.kind_of(row)
        if not (kind.build_on_request or documents.is_ready(row, self.field_name)):
            return None
        url = reverse(self.url_name, args=[row.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


# --- the list pages -----------------------------------------------------------------------------


@method_decorator(login_required, name="dispatch")
class DocumentListView(View):
    """A kind's list page with its request form (a template extending documents/list.html):
    GET lists the rows the account sees (``kind.visible``: a refused role 403), 50 a page;
    POST, for the ``requesters`` alone, requests a document through the kind's service.

    A kind's page sets the class attributes and implements ``request_document`` (the service)
    and either ``requested_message`` (said once it is queued, back on the list at ``index_url``)
    or ``requested`` (the whole answer); ``initial``, ``listed`` (filters) and ``annotate``
    (what a row shows and does not hold) are optional.
    """

    http_method_names = ["get", "post"]
    kind: DocumentKind
    template_name: str
    form_class: type[forms.Form]
    # Who may request one; the others see the list without the form.
    requesters: frozenset[str]
    refusal: Any
    # The list page's URL name: ``requested`` redirects there, so that reloading does not ask
    # again.
    index_url: str

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = self.kind.visible(request.user)
        form = (
            self.form_class(user=request.user, initial=self.initial())
            if self.may_request(request.user)
            else None
        )
        return self.page(rows, form)

    def post(self, request: HttpRequest) -> HttpResponse:
        rows = self.kind.visible(request.user)
        if not self.may_request(request.user):
            raise PermissionDenied(str(self.refusal))
        form = self.form_class(request.POST, user=request.user)
        row = None
        if form.is_valid():
            try:
                row = self.request_document(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)  # the service's refusal, said on the form
        if row is not None:
            return self.requested(row)
        return self.page(rows, form)

    def may_request(self, user) -> bool:
        return user.effective_role in self.requesters

    def initial(self) -> dict[str, Any]:
        return {}

    def request_document(self, *, user, **data: Any):
        raise NotImplementedError

    def requested_message(self, row) -> str:
        raise NotImplementedError

    def requested(self, row) -> HttpResponse:
        messages.success(self.request, self.requested_message(row))
        return redirect(self.index_url)

    def listed(self, rows: QuerySet) -> tuple[QuerySet, int, dict[str, Any]]:
        """The rows to list, the answer's status and what else the template shows."""
        return rows, 200, {}

    def annotate(self, row) -> None:
        """Set on a row of the page what the template shows and the row does not hold."""

    def page(self, rows: QuerySet, form: forms.Form | None) -> HttpResponse:
        rows, status, context = self.listed(rows)
        page = Paginator(rows, LIST_PAGE_SIZE).get_page(self.request.GET.get("page"))
        for row in page.object_list:
            self.annotate(row)
        context = {"kind": self.kind, "page": page, "form": form, **context}
        return render(self.request, self.template_name, context, status=status)


def document_page(kind: DocumentKind, template_name: str):
    """The view of a row's page of ``kind`` (``template_name``, extending documents/detail.html):
    the row the account sees (``kind.visible``: a refused role 403, another region's row 404)."""

    @login_required
    @require_GET
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        row = _row(request, kind, pk)
        context = {"kind": kind, "row": row, "title": kind.title(row)}
        return render(request, template_name, context)

    return view
