"""API for the ledgers: upload the Excel roster, or the sign, outfall and facility ledgers
(.xlsx or CSV), and download their templates.

Routed under ``/api/v1/ledgers/roster/`` (``urlpatterns``) and ``/api/v1/ledgers/<signs,
outfalls, facilities, water-readings>/`` (``asset_urlpatterns``) by ``config/api.py``.
"""

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
from core.views import import_refused

from .ledger import COLUMNS, TEMPLATE_FILENAME, roster_import, roster_template
from .ledger_assets import ASSET_LEDGERS, AssetLedger, asset_import, asset_template
from .water_ledger import COLUMNS as WATER_COLUMNS
from .water_ledger import SHEET_NAME as WATER_SHEET_NAME
from .water_ledger import TEMPLATE_FILENAME as WATER_TEMPLATE_FILENAME
from .water_ledger import water_reading_import, water_reading_template


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


class LedgerRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(label=_("行"), help_text=_("Excel 中显示的行号。"))
    column = serializers.CharField(label=_("列"), help_text=_("文件中该列的表头。"))
    message = serializers.CharField(label=_("问题"))


class LedgerImportErrorSerializer(serializers.Serializer):
    """Why an import (the roster, signs, outfalls, facilities) wrote nothing."""

    file = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=_("整个文件的问题：无法读取、过大、行数超限、找不到表头或缺少列。"),
    )
    rows = LedgerRowErrorSerializer(
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
                LedgerImportErrorSerializer, description="文件或台账内容有误，未导入任何数据。"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        upload = RosterImportRequestSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        result = roster_import(user=request.user, file=upload.validated_data["file"])
        if not result.ok:
            return import_refused(result)
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


# --- the sign, outfall and facility ledgers ------------------------------------------------------


class AssetImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        label=_("台账文件"),
        help_text=_(
            "按导入模板填写的 .xlsx 文件，或另存为 CSV（UTF-8 或 GBK 编码）的表格；"
            "各台账的列见其导入模板。"
        ),
    )


class AssetImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(label=_("新增"))
    updated = serializers.IntegerField(label=_("更新"))
    unchanged = serializers.IntegerField(
        label=_("无变化"), help_text=_("与系统中的记录一致、未作改动的行数。")
    )


class AssetImportView(APIView):
    """Import one of the sign, outfall and facility ledgers (``ledger``, set per route)."""

    parser_classes = [MultiPartParser, FormParser]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    write_roles = OFFICE_ROLES
    ledger: AssetLedger

    def post(self, request: Request) -> Response:
        upload = AssetImportRequestSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        result = asset_import(
            user=request.user, kind=self.ledger.slug, file=upload.validated_data["file"]
        )
        if not result.ok:
            return import_refused(result)
        return Response(
            {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
            status=status.HTTP_201_CREATED,
        )


class AssetTemplateView(APIView):
    """The empty ledger to fill in, with its filling notes."""

    renderer_classes = [JSONRenderer, XLSXRenderer]
    read_roles = OFFICE_ROLES
    ledger: AssetLedger

    def get(self, request: Request) -> FileResponse:
        return FileResponse(
            BytesIO(asset_template(kind=self.ledger.slug)),
            as_attachment=True,
            filename=self.ledger.template_filename,
            content_type=XLSX_MEDIA_TYPE,
        )


def _asset_views(ledger: AssetLedger) -> tuple[type[APIView], type[APIView]]:
    """The import and template views of one ledger, each documented under its own name."""
    identity = "公示牌编号" if not ledger.identity_in_reach else "所在河段和名称"
    columns = join_items(column.header for column in ledger.columns)

    @extend_schema(
        summary=f"导入{ledger.sheet_name}台账（.xlsx 或 CSV）",
        description=(
            f"列：{columns}。河段按河流名称（同名时加河流编码）和河段名称匹配账号管辖范围内"
            f"已登记的河段；按{identity}匹配已有记录，有的更新，没有的新增，重复导入同一文件"
            "不会重复登记。只要有一处错误就不导入任何数据，返回 400 并列出每个错误的行、列和原因。"
        ),
        request={"multipart/form-data": AssetImportRequestSerializer},
        responses={
            201: AssetImportResultSerializer,
            400: OpenApiResponse(
                LedgerImportErrorSerializer, description="文件或台账内容有误，未导入任何数据。"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        return AssetImportView.post(self, request)

    @extend_schema(
        summary=f"下载{ledger.sheet_name}导入模板",
        responses={(200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> FileResponse:
        return AssetTemplateView.get(self, request)

    name = ledger.model.__name__
    importer = type(
        f"{name}ImportView",
        (AssetImportView,),
        {"ledger": ledger, "post": post, "__doc__": f"Import the {ledger.slug} ledger."},
    )
    template = type(
        f"{name}TemplateView",
        (AssetTemplateView,),
        {"ledger": ledger, "get": get, "__doc__": f"The empty {ledger.slug} ledger."},
    )
    return importer, template


def _asset_urls() -> list:
    urls = []
    for ledger in ASSET_LEDGERS.values():
        importer, template = _asset_views(ledger)
        urls += [
            path(f"{ledger.slug}/", importer.as_view(), name=f"ledger-{ledger.slug}-import"),
            path(
                f"{ledger.slug}/template/",
                template.as_view(),
                name=f"ledger-{ledger.slug}-template",
            ),
        ]
    return urls


class WaterImportView(APIView):
    """Import water-quality readings in the layout monitoring stations send."""

    parser_classes = [MultiPartParser, FormParser]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    write_roles = OFFICE_ROLES

    @extend_schema(
        summary=f"导入{WATER_SHEET_NAME}（.xlsx 或 CSV）",
        description=(
            f"列：{join_items(column.header for column in WATER_COLUMNS)}（mg/L，未监测留空）。"
            "断面按编码匹配账号管辖范围内已登记的监测断面；同一断面同一天为同一条数据，"
            "重复导入不会重复登记，数值不同时按文件更新。负数或超出合理范围的数值、未登记的断面、"
            "没有任何监测值的行都会被拒绝；只要有一处错误就不导入任何数据，返回 400 并列出"
            "每个错误的行、列和原因。"
        ),
        request={"multipart/form-data": AssetImportRequestSerializer},
        responses={
            201: AssetImportResultSerializer,
            400: OpenApiResponse(
                LedgerImportErrorSerializer, description="文件或数据有误，未导入任何数据。"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        upload = AssetImportRequestSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        result = water_reading_import(user=request.user, file=upload.validated_data["file"])
        if not result.ok:
            return import_refused(result)
        return Response(
            {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
            status=status.HTTP_201_CREATED,
        )


class WaterTemplateView(APIView):
    """The empty readings ledger to fill in, with its filling notes."""

    renderer_classes = [JSONRenderer, XLSXRenderer]
    read_roles = OFFICE_ROLES

    @extend_schema(
        summary=f"下载{WATER_SHEET_NAME}导入模板",
        responses={(200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY},
    )
    def get(self, request: Request) -> FileResponse:
        return FileResponse(
            BytesIO(water_reading_template()),
            as_attachment=True,
            filename=WATER_TEMPLATE_FILENAME,
            content_type=XLSX_MEDIA_TYPE,
        )


# Beside the roster's, under /api/v1/ledgers/ (config/api.py).
asset_urlpatterns = [
    *_asset_urls(),
    path("water-readings/", WaterImportView.as_view(), name="ledger-water-readings-import"),
    path(
        "water-readings/template/",
        WaterTemplateView.as_view(),
        name="ledger-water-readings-template",
    ),
]
