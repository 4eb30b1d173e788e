"""``GET /api/v1/issues/ledger/``: the issue ledger (问题台账) as .xlsx, with the list's filters."""

from io import BytesIO

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from accounts.roles import REGION_READERS
from core.exports import LedgerExportMixin
from core.ledgers import XLSX_MEDIA_TYPE, ledger_xlsx
from core.renderers import XLSXRenderer

from .filters import IssueFilter
from .ledger import LEDGER_NAME, issue_ledger_table
from .models import Issue
from .selectors import issue_list


class IssueLedgerView(LedgerExportMixin, GenericAPIView):
    """Every issue the account sees, filtered like the issue list, one row each: the same
    ledger as the issue list's ``?format=xlsx``."""

    filterset_class = IssueFilter
    search_fields = ["code", "title", "description", "reach__name", "reach__river__name"]
    ordering_fields = ["reported_at", "deadline", "code", "status"]
    read_roles = REGION_READERS
    # The XLSX renderer only lets a client ask for a spreadsheet; the file itself is sent as
    # is, and error bodies stay JSON.
    renderer_classes = [JSONRenderer, XLSXRenderer]

    ledger_name = LEDGER_NAME

    def get_queryset(self) -> QuerySet[Issue]:
        if getattr(self, "swagger_fake_view", False):
            return Issue.objects.none()
        return issue_list(user=self.request.user)

    def ledger_table(self, records):
        return issue_ledger_table(records)

    @extend_schema(
        summary="导出问题台账（.xlsx）",
        description=(
            "每个问题一行，含全部字段和处理过程（如“2024-05-06 发现 → 2024-05-08 交办”）；"
            "筛选条件与问题列表相同。"
        ),
        responses={(200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY},
        filters=True,
    )
    def get(self, request: Request) -> FileResponse:
        export = self.ledger_export(self.filter_queryset(self.get_queryset()))
        return FileResponse(
            BytesIO(ledger_xlsx(ledger=export.ledger, rows=export.rows)),
            as_attachment=True,
            filename=export.ledger.filename,
            content_type=XLSX_MEDIA_TYPE,
        )
