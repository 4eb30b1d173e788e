"""API of the work reports (shared/API.md ``reports/``), scoped to the account's region.

The office (and admins) request a report (202: it is built by a worker), edit its text parts
and regenerate it; leaders read and download; chief accounts are refused (403). The files are
served by ``pdf/`` and ``docx/``, the document pipeline's one download (core.views_documents):
409 while the report is not done, 410 once they have expired.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response

from accounts.roles import OFFICE_ROLES, REGION_READERS
from core.views import ScopedModelViewSet
from core.views_documents import document_file_action

from . import selectors, services
from .filters import ReportFilter
from .models import Report
from .serializers import ReportRequestSerializer, ReportSerializer, ReportTextsSerializer


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

    # The report as PDF and as an editable Word file; 409 while it is not done, 410 expired.
    pdf = document_file_action(services.REPORTS, "pdf")
    docx = document_file_action(services.REPORTS, "docx")
