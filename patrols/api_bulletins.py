"""API of the monthly bulletins: read-only, for the office and leaders, scoped to their region.

Bulletins are built by the monthly job or requested on the web page; the API lists them, tells
their status and serves the PDF (409 until it is ready).
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer

from accounts.models import Role
from core.exceptions import StateConflict
from core.media import stored_file_response

from .bulletins import bulletin_filename, bulletin_list
from .filters import BulletinFilter
from .models import Bulletin, BulletinStatus

READ_ROLES = frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER})


class BulletinSerializer(serializers.ModelSerializer):
    street_name = serializers.CharField(
        source="street.name", read_only=True, label=gettext_lazy("街道名称")
    )
    pdf = serializers.SerializerMethodField(
        label=gettext_lazy("PDF 地址"), help_text=gettext_lazy("生成完成前为 null。")
    )

    class Meta:
        model = Bulletin
        fields = [
            "id",
            "street",
            "street_name",
            "month",
            "status",
            "progress",
            "pdf",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_pdf(self, obj: Bulletin) -> str | None:
        if obj.status != BulletinStatus.DONE or not obj.pdf:
            return None
        # The API's own download, which checks the account; media files are not public.
        url = reverse("bulletin-pdf", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class PDFRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        # An error (409, 404) for a client that asked for a PDF: still say why, in JSON.
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return JSONRenderer().render(data)


class BulletinViewSet(viewsets.ReadOnlyModelViewSet):
    """Monthly patrol bulletins (月通报) of the streets in the account's region."""

    serializer_class = BulletinSerializer
    read_roles = READ_ROLES
    # No spreadsheet export: a bulletin's figures are in its PDF.
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    filterset_class = BulletinFilter
    ordering_fields = ["month", "finished_at"]
    search_fields: list[str] = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Bulletin.objects.none()
        return bulletin_list(user=self.request.user)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (409, "application/json"): OpenApiResponse(
                inline_serializer("BulletinNotReady", {"detail": serializers.CharField()}),
                description=gettext_lazy("通报尚未生成完成。"),
            ),
        }
    )
    @action(
        detail=True, methods=["get"], url_path="pdf", renderer_classes=[JSONRenderer, PDFRenderer]
    )
    def pdf(self, request, pk=None):
        """The bulletin's PDF; 409 while it is queued, being built or failed."""
        bulletin = self.get_object()
        if bulletin.status != BulletinStatus.DONE or not bulletin.pdf:
            raise StateConflict(
                _("通报尚未生成完成（当前状态：%(status)s）。")
                % {"status": bulletin.get_status_display()}
            )
        return stored_file_response(
            bulletin.pdf,
            as_attachment=True,
            filename=bulletin_filename(bulletin),
            content_type="application/pdf",
        )
