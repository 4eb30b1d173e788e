from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import Role
from core.views import ScopedModelViewSet

from . import selectors, serializers, services
from .filters import IssueFilter

EVERY_ROLE = frozenset(Role)
# Who may call each endpoint at all; the workflow table then decides each action.
WRITE_ROLES = {
    "create": frozenset({Role.ADMIN, Role.OFFICE, Role.CHIEF}),
    "partial_update": frozenset({Role.ADMIN, Role.OFFICE}),
    "update": frozenset({Role.ADMIN, Role.OFFICE}),
    "actions": EVERY_ROLE,
    "photos": frozenset({Role.ADMIN, Role.OFFICE, Role.CHIEF}),
}


class IssueViewSet(ScopedModelViewSet):
    """Issue tickets: report, then move along the workflow with ``actions``."""

    selector = selectors.issue_list
    create_service = services.issue_report
    serializer_class = serializers.IssueSerializer
    filterset_class = IssueFilter
    search_fields = ["code", "title", "description", "reach__name", "reach__river__name"]
    ordering_fields = ["reported_at", "deadline", "code", "status"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    # Issues are the record of what was found: never deleted, closed through the workflow.
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    @property
    def write_roles(self) -> frozenset:
        return WRITE_ROLES.get(self.action, frozenset({Role.ADMIN, Role.OFFICE}))

    def perform_create(self, serializer) -> None:
        issue = services.issue_report(user=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=issue.pk)

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
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=issue.pk)).data)

    @extend_schema(methods=["GET"], responses={200: serializers.IssuePhotoSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": serializers.IssuePhotoSerializer},
        responses={201: serializers.IssuePhotoSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def photos(self, request, pk=None):
        issue = self.get_object()
        if request.method == "GET":
            photos = selectors.issue_photos(issue=issue)
            return Response(serializers.IssuePhotoSerializer(photos, many=True).data)
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
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        events = selectors.issue_timeline(issue=self.get_object())
        return Response(serializers.IssueEventSerializer(events, many=True).data)
