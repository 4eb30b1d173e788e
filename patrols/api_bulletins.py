"""API of the monthly bulletins: read-only, for the office and leaders, scoped to their region.

Bulletins are built by the monthly job or requested on the web page; the API lists them, tells
their status and serves the PDF (409 until it is ready) through the document pipeline's one
download (core.views_documents).
"""

from django.utils.translation import gettext_lazy
from rest_framework import serializers, viewsets
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer

from accounts.roles import REGION_READERS
from core.views_documents import DocumentFileLink, document_file_action

from .bulletins import BULLETINS, bulletin_list
from .filters import BulletinFilter
from .models import Bulletin


class BulletinSerializer(serializers.ModelSerializer):
    street_name = serializers.CharField(
        source="street.name", read_only=True, label=gettext_lazy("街道名称")
    )
    # The API's own download, which checks the account; media files are not public.
    pdf = DocumentFileLink("bulletin-pdf", label=gettext_lazy("PDF 地址"))

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


class BulletinViewSet(viewsets.ReadOnlyModelViewSet):
    """Monthly patrol bulletins (月通报) of the streets in the account's region."""

    serializer_class = BulletinSerializer
    read_roles = REGION_READERS
    # No spreadsheet export: a bulletin's figures are in its PDF.
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    filterset_class = BulletinFilter
    ordering_fields = ["month", "finished_at"]
    search_fields: list[str] = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Bulletin.objects.none()
        return bulletin_list(user=self.request.user)

    # The bulletin's PDF; 409 while it is queued, being built or failed.
    pdf = document_file_action(BULLETINS, "pdf")
