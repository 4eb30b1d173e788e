from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    issue_code = serializers.CharField(
        source="issue.code", read_only=True, default=None, label=_("问题编号")
    )
    unread = serializers.SerializerMethodField(label=_("未读"))

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "issue",
            "issue_code",
            "created_at",
            "read_at",
            "unread",
        ]
        read_only_fields = fields

    def get_unread(self, obj: Notification) -> bool:
        return obj.read_at is None
