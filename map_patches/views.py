"""API of map-patch verification (图斑复核): import pushed lists, verify patches, export.

The office (and admins) import and hand out; leaders read; chiefs go on site and verify the
patches of their region.
"""

from io import BytesIO

from django.http import FileResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.roles import OFFICE_AND_CHIEFS, OFFICE_ROLES
from core.ledgers import XLSX_MEDIA_TYPE
from core.renderers import XLSXRenderer
from core.views import ScopedModelViewSet, import_refused

from . import ledger, selectors, serializers, services
from .filters import MapPatchFilter, PatchBatchFilter


class PatchBatchViewSet(ScopedModelViewSet):
    """Pushed patch lists: POST a CSV or .xlsx file to import one; all of it or none of it."""

    selector = selectors.batch_list
    serializer_class = serializers.PatchBatchSerializer
    filterset_class = PatchBatchFilter
    search_fields = ["name", "source_file"]
    ordering_fields = ["imported_at", "name"]
    parser_classes = [MultiPartParser, FormParser]
    write_roles = OFFICE_ROLES
    # A batch is the record of what was pushed: never edited or deleted through the API.
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(
        summary="导入图斑清单（CSV 或 .xlsx）",
        description=(
            "列：图斑编号（id）、纬度（lat）、经度（lon）、备注（note）。只要有一处错误"
            "（坐标有误、编号为空或重复）就不导入任何数据，返回 400 并列出每个错误的行、列和原因。"
        ),
        request={"multipart/form-data": serializers.PatchBatchImportSerializer},
        responses={
            201: serializers.PatchBatchSerializer,
            400: OpenApiResponse(
                serializers.PatchImportErrorSerializer,
                description="文件或清单内容有误，未导入任何数据。",
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        form = serializers.PatchBatchImportSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        form.is_valid(raise_exception=True)
        data = form.validated_data
        region = data.get("region") or request.user.region
        if region is None:
            raise ValidationError({"region": [gettext("请选择图斑批次所属的街道或区县。")]})
        try:
            batch = services.patch_batch_import(
                user=request.user, region=region, file=data["file"], name=data["name"]
            )
        except ledger.PatchListRejected as rejected:
            return import_refused(rejected)
        batch = self.get_queryset().get(pk=batch.pk)
        return Response(self.get_serializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="导出图斑复核结果（.xlsx）",
        responses={(200, XLSX_MEDIA_TYPE): OpenApiTypes.BINARY},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONRenderer, XLSXRenderer],
        pagination_class=None,
        filter_backends=[],
    )
    def export(self, request, pk=None):
        """The batch's patches with verdicts, photos and issues, for reporting upward."""
        batch = self.get_object()
        patches = selectors.batch_patches(batch=batch, user=request.user)
        content = ledger.batch_export(batch=batch, patches=patches)
        return FileResponse(
            BytesIO(content),
            as_attachment=True,
            filename=ledger.batch_export_filename(batch),
            content_type=XLSX_MEDIA_TYPE,
        )


@extend_schema_view(create=extend_schema(exclude=True))
class MapPatchViewSet(ScopedModelViewSet):
    """Patches of the imported lists; ``verify`` records the on-site verdict with photos."""

    selector = selectors.patch_list
    update_service = services.patch_update
    serializer_class = serializers.MapPatchSerializer
    filterset_class = MapPatchFilter
    search_fields = ["patch_id", "note", "verdict_note", "batch__name"]
    ordering_fields = ["id", "patch_id", "checked_at", "verdict"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def write_roles(self) -> frozenset:
        return OFFICE_AND_CHIEFS if self.action == "verify" else OFFICE_ROLES

    def create(self, request, *args, **kwargs):
        # Patches come in with their batch's list only.
        raise MethodNotAllowed(request.method)

    @extend_schema(
        request={"multipart/form-data": serializers.PatchVerifySerializer},
        responses={200: serializers.MapPatchSerializer},
        description=_(
            "记录现场核查结论和照片；确认为碍洪问题时生成一条问题（来源：图斑复核），"
            "重复核查不会生成第二条。"
        ),
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def verify(self, request, pk=None):
        patch = self.get_object()
        form = serializers.PatchVerifySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        services.patch_verify(
            user=request.user,
            patch=patch,
            verdict=data["verdict"],
            note=data["note"],
            photos=data["photos"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=patch.pk)).data)

    @extend_schema(responses={200: serializers.PatchPhotoSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def photos(self, request, pk=None):
        photos = selectors.patch_photos(patch=self.get_object())
        return Response(
            serializers.PatchPhotoSerializer(photos, many=True, context={"request": request}).data
        )
