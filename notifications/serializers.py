from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    issue_code = serializers.CharField(
        source="issue.code", read_only=True, default=None, allow_null=True, label=_("问题编号")
    )
    unread = serializers.SerializerMethodField(label=_("未读"))

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "url",
            "issue",
            "issue_code",
            "created_at",
            "read_at",
            "unread",
        ]
        read_only_fields = fields

    def get_unread(self, obj: Notification) -> bool:
        return obj.read_at is None


class UnreadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(label=_("未读条数"))


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(label=_("本次标为已读的条数"))
