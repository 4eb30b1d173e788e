from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.roles import EVERY_ROLE
from core.exports import LedgerExportMixin

from . import selectors, services
from .filters import NotificationFilter
from .models import Notification
from .serializers import NotificationSerializer, ReadAllSerializer, UnreadCountSerializer


class NotificationViewSet(
    LedgerExportMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The account's own notifications (assignments, reminders, supervision, deadlines, returns,
    acceptances and public reports to handle), newest first; ``url`` is where to act."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    search_fields = ["title", "body"]
    ordering_fields = ["created_at"]
    # Every account reads and marks its own messages.
    write_roles = EVERY_ROLE

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return selectors.notification_list(user=self.request.user)

    @extend_schema(
        request=None,
        responses={200: NotificationSerializer},
        description=_("标记为已读；再次标记保留首次阅读时间。"),
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.notification_mark_read(notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses={200: ReadAllSerializer},
        description=_("把自己的全部未读消息标为已读。"),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = services.notifications_mark_all_read(user=request.user)
        return Response(ReadAllSerializer({"marked": marked}).data)

    @extend_schema(
        responses={200: UnreadCountSerializer},
        description=_("自己的未读消息条数（页面右上角的铃铛）。"),
    )
    @action(detail=False, methods=["get"], url_path="unread-count", filterset_class=None)
    def unread_count(self, request):
        count = selectors.unread_count(user=request.user)
        return Response(UnreadCountSerializer({"count": count}).data)
