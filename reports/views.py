"""API of the work reports (shared/API.md ``reports/``), scoped to the account's region.

The office (and admins) request a report (202: it is built by a worker), edit its text parts
and regenerate it; leaders read and download; chief accounts are refused (403). The files are
served by ``pdf/`` and ``docx/``: 409 while the report is not done, 410 once they have expired.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from accounts.roles import OFFICE_ROLES, REGION_READERS
from core.exceptions import StateConflict
from core.media import stored_file_response
from core.views import ScopedModelViewSet
from patrols.api_bulletins import PDFRenderer

from . import selectors, services
from .filters import ReportFilter
from .models import Report, ReportStatus
from .serializers import ReportRequestSerializer, ReportSerializer, ReportTextsSerializer

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class DOCXRenderer(PDFRenderer):
    """The Word file as is; an error for a client that asked for Word still in JSON."""

    media_type = DOCX_MEDIA_TYPE
    format = "docx"


class FilesGone(APIException):
    status_code = status.HTTP_410_GONE
    default_code = "files_expired"


FILE_PROBLEM = inline_serializer("ReportFileProblem", {"detail": drf_serializers.CharField()})


def _not_ready(message: str) -> OpenApiResponse:
    return OpenApiResponse(FILE_PROBLEM, description=message)


def _file_responses(media_type: str) -> dict:
    return {
        (200, media_type): OpenApiTypes.BINARY,
        (409, "application/json"): _not_ready(gettext_lazy("报告尚未生成完成。")),
        (410, "application/json"): _not_ready(gettext_lazy("报告文件已过期删除，请重新生成。")),
    }


class ReportViewSet(ScopedModelViewSet):
    """Work reports (季度、半年、年度工作总结) of the regions in the account's region."""

    selector = selectors.report_list
    serializer_class = ReportSerializer
    filterset_class = ReportFilter
    read_roles = REGION_READERS
    write_roles = OFFICE_ROLES
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    ordering_fields = ["year", "created_at", "finished_at"]
    search_fields: list[str] = ["region__name"]
    # Reports are the record of what was published: regenerated, never deleted through the API.
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Report.objects.none()
        return super().get_queryset()

    def get_serializer_class(self):
        if self.action == "create":
            return ReportRequestSerializer
        if self.action == "partial_update":
            return ReportTextsSerializer
        return ReportSerializer

    def _answer(self, report: Report, code: int = status.HTTP_200_OK) -> Response:
        report = self.get_queryset().get(pk=report.pk)
        context = self.get_serializer_context()
        return Response(ReportSerializer(report, context=context).data, status=code)

    @extend_schema(request=ReportRequestSerializer, responses={202: ReportSerializer})
    def create(self, request, *args, **kwargs):
        """Request a report; it is built in the background (202). Asking again is harmless."""
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        report = services.report_request(user=request.user, **form.validated_data)
        return self._answer(report, status.HTTP_202_ACCEPTED)

    @extend_schema(request=ReportTextsSerializer, responses={200: ReportSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Edit the office's text parts; they go into the next build (see ``regenerate``)."""
        report = self.get_object()
        form = self.get_serializer(data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        texts = dict(form.validated_data)
        report = services.report_update_texts(
            report=report,
            user=request.user,
            # document_date: null sets it back to "the day it is built".
            clear_document_date="document_date" in texts and texts["document_date"] is None,
            **texts,
        )
        return self._answer(report)

    @extend_schema(request=None, responses={202: ReportSerializer})
    @action(detail=True, methods=["post"])
    def regenerate(self, request, pk=None):
        """Build the report again with today's records and texts; 409 while it is being built."""
        report = services.report_regenerate(report=self.get_object(), user=request.user)
        return self._answer(report, status.HTTP_202_ACCEPTED)

    def _file(self, field_name: str, extension: str, media_type: str):
        report = self.get_object()
        if report.status != ReportStatus.DONE:
            raise StateConflict(
                _("报告尚未生成完成（当前状态：%(status)s）。")
                % {"status": report.get_status_display()}
            )
        file = getattr(report, field_name)
        if not file:
            raise FilesGone(_("报告文件已过期删除，请重新生成。"))
        return stored_file_response(
            file,
            as_attachment=True,
            filename=selectors.report_filename(report, extension),
            content_type=media_type,
        )

    @extend_schema(responses=_file_responses("application/pdf"))
    @action(
        detail=True, methods=["get"], url_path="pdf", renderer_classes=[JSONRenderer, PDFRenderer]
    )
    def pdf(self, request, pk=None):
        """The report as PDF; 409 while it is queued, being built or failed."""
        return self._file("pdf", "pdf", "application/pdf")

    @extend_schema(responses=_file_responses(DOCX_MEDIA_TYPE))
    @action(
        detail=True,
        methods=["get"],
        url_path="docx",
        renderer_classes=[JSONRenderer, DOCXRenderer],
    )
    def docx(self, request, pk=None):
        """The report as an editable Word file; 409 while it is not done."""
        return self._file("docx", "docx", DOCX_MEDIA_TYPE)
