from rest_framework import serializers

from .models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "user",
            "username",
            "ip",
            "user_agent",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "detail",
            "path",
            "method",
        ]
        read_only_fields = fields
