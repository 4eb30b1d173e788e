"""API for the roster ledger: upload the Excel roster, download its template.

Routed under ``/api/v1/ledgers/roster/`` by ``config/api.py``.
"""

from dataclasses import asdict
from io import BytesIO

from django.http import FileResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import OFFICE_ROLES
from core.ledgers import XLSX_MEDIA_TYPE
from core.renderers import XLSXRenderer
from core.text import join_items

from .ledger import COLUMNS, TEMPLATE_FILENAME, roster_import, roster_template


class RosterImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        label=_("台账文件"),
        help_text=_("按导入模板填写的 .xlsx 文件，工作表「河长名录」，列：%(columns)s。")
        % {"columns": join_items(column.header for column in COLUMNS)},
    )


class RosterCountsSerializer(serializers.Serializer):
    regions = serializers.IntegerField(label=_("区域"))
    rivers = serializers.IntegerField(label=_("河流"))
    reaches = serializers.IntegerField(label=_("河段"))
    chiefs = serializers.IntegerField(label=_("河长名录"))


class RosterImportResultSerializer(serializers.Serializer):
    created = RosterCountsSerializer(label=_("新增"))
    updated = RosterCountsSerializer(label=_("更新"))


class RosterRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(label=_("行"), help_text=_("Excel 中显示的行号。"))
    column = serializers.CharField(label=_("列"), help_text=_("文件中该列的表头。"))
    message = serializers.CharField(label=_("问题"))


class RosterImportErrorSerializer(serializers.Serializer):
    file = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("整个文件的问题：不是 .xlsx、已损坏、过大、缺少工作表或列。"),
    )
    rows = RosterRowErrorSerializer(
        many=True, required=False, help_text=_("逐行逐列的问题；有任何问题时不导入任何数据。")
    )


class RosterImportView(APIView):
    """Import the roster ledger; all of it or, when any cell is wrong, none of it."""

    parser_classes = [MultiPartParser, FormParser]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    write_roles = OFFICE_ROLES

    @extend_schema(
        summary="导入河长名录台账（.xlsx）",
        description=(
            "按名称匹配区域、河流（有编码时按编码）、河段，按姓名、联系电话、类别和所在区域匹配"
            "在任河长；没有的新建，重复导入同一文件不会重复登记。只要有一处错误就不导入任何数据，"
            "返回 400 并列出每个错误的行、列和原因。"
        ),
        request={"multipart/form-data": RosterImportRequestSerializer},
        responses={
            201: RosterImportResultSerializer,
            400: OpenApiResponse(
                RosterImportErrorSerializer, description="文件或台账内容有误，未导入任何数据。"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        upload = RosterImportRequestSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        result = roster_import(user=request.user, file=upload.validated_data["file"])
        if not result.ok:
            body: dict = {}
            if result.file_errors:
                body["file"] = result.file_errors
            if result.row_errors:
                body["rows"] = [asdict(error) for error in result.row_errors]
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {"created": result.created, "updated": result.updated},
            status=status.HTTP_201_CREATED,
        )


class RosterTemplateView(APIView):
    """The empty roster ledger to fill in, with its filling notes."""

    # The XLSX renderer only lets a client ask for a spreadsheet; the file itself is sent as
    # is, and error bodies stay JSON.
    renderer_classes = [JSONRenderer, XLSXRenderer]
    read_roles = OFFICE_ROLES

    @extend_schema(
        summary="下载河长名录导入模板",
        responses={(200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> FileResponse:
        return FileResponse(
            BytesIO(roster_template()),
            as_attachment=True,
            filename=TEMPLATE_FILENAME,
            content_type=XLSX_MEDIA_TYPE,
        )


urlpatterns = [
    path("", RosterImportView.as_view(), name="ledger-roster-import"),
    path("template/", RosterTemplateView.as_view(), name="ledger-roster-template"),
]
