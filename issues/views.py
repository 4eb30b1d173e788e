from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.roles import EVERY_ROLE, OFFICE_AND_CHIEFS, OFFICE_ROLES
from core.exports import LedgerExportMixin
from core.views import ScopedModelViewSet
from core.views_documents import document_file_action

from . import documents, ledger, selectors, serializers, services
from .filters import IssueFilter, SupervisionOrderFilter
from .models import SupervisionOrder

# Who may call each endpoint at all; the workflow table then decides each action.
WRITE_ROLES = {
    "create": OFFICE_AND_CHIEFS,
    "partial_update": OFFICE_ROLES,
    "update": OFFICE_ROLES,
    "actions": EVERY_ROLE,
    "photos": OFFICE_AND_CHIEFS,
}


class IssueViewSet(ScopedModelViewSet):
    """Issue tickets: report, then move along the workflow with ``actions``."""

    selector = selectors.issue_list
    # The office corrects an open issue (409 once closed or voided); audited, on the timeline.
    update_service = services.issue_edit
    serializer_class = serializers.IssueSerializer
    filterset_class = IssueFilter
    search_fields = ["code", "title", "description", "reach__name", "reach__river__name"]
    ordering_fields = ["reported_at", "deadline", "code", "status"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    # Issues are the record of what was found: never deleted, closed through the workflow.
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    # ?format=xlsx: the issue ledger (问题台账), as /issues/ledger/ answers it.
    ledger_name = ledger.LEDGER_NAME

    @property
    def write_roles(self) -> frozenset:
        return WRITE_ROLES.get(self.action, OFFICE_ROLES)

    def ledger_table(self, records):
        return ledger.issue_ledger_table(records)

    @extend_schema(
        responses={201: serializers.IssueSerializer, 200: serializers.IssueSerializer},
        description=_(
            "上报问题（201）。带 client_key 重发已创建的问题时返回第一次创建的问题（200），"
            "不再新建。"
        ),
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issue, created = services.issue_report_once(user=request.user, **serializer.validated_data)
        body = self.get_serializer(self.get_queryset().get(pk=issue.pk)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=serializers.IssueActionSerializer,
        responses={200: serializers.IssueSerializer},
        description=_("应用一个流程操作；当前状态不允许时返回 409，角色不允许时返回 403。"),
    )
    @action(detail=True, methods=["post"])
    def actions(self, request, pk=None):
        issue = self.get_object()
        form = serializers.IssueActionSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        services.issue_act(
            issue_id=issue.pk,
            user=request.user,
            action=data["action"],
            comment=data.get("comment", ""),
            deadline=data.get("deadline"),
            assignee=data.get("assignee"),
            reason=data.get("reason", ""),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=issue.pk)).data)

    @extend_schema(methods=["GET"], responses={200: serializers.IssuePhotoSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": serializers.IssuePhotoSerializer},
        responses={201: serializers.IssuePhotoSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def photos(self, request, pk=None):
        issue = self.get_object()
        if request.method == "GET":
            photos = selectors.issue_photos(issue=issue)
            return Response(
                serializers.IssuePhotoSerializer(
                    photos, many=True, context={"request": request}
                ).data
            )
        form = serializers.IssuePhotoSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        photo = services.issue_photo_add(
            issue=issue,
            user=request.user,
            image=form.validated_data["image"],
            stage=form.validated_data["stage"],
        )
        return Response(
            serializers.IssuePhotoSerializer(photo, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses={200: serializers.IssueEventSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None):
        events = selectors.issue_timeline(issue=self.get_object())
        return Response(serializers.IssueEventSerializer(events, many=True).data)

    @extend_schema(responses={200: serializers.SupervisionOrderSerializer(many=True)})
    @action(
        detail=True,
        methods=["get"],
        url_path="supervision-orders",
        pagination_class=None,
        filter_backends=[],
    )
    def supervision_orders(self, request, pk=None):
        """The issue's supervision orders (督办单), newest first."""
        orders = selectors.issue_supervision_orders(issue=self.get_object())
        return Response(
            serializers.SupervisionOrderSerializer(
                orders, many=True, context={"request": request}
            ).data
        )


class SupervisionOrderViewSet(LedgerExportMixin, viewsets.ReadOnlyModelViewSet):
    """Supervision orders (督办单), made by every escalation, manual or automatic."""

    ledger_exclude = ("pdf",)  # a link to each order's PDF means nothing on paper
    serializer_class = serializers.SupervisionOrderSerializer
    filterset_class = SupervisionOrderFilter
    search_fields = ["number", "issue__code", "issue__title"]
    ordering_fields = ["issued_at", "deadline"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SupervisionOrder.objects.none()
        return selectors.supervision_order_list(user=self.request.user)

    # The order printed on one A4 page, built in the request if no worker has printed it
    # yet; 503 when this server cannot print Chinese.
    pdf = document_file_action(documents.SUPERVISION_ORDERS, "pdf")
