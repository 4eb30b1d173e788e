from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import PublicReport


class PublicReportSerializer(serializers.ModelSerializer):
    """For the office: the phone number is here, and on no public page."""

    issue_code = serializers.CharField(source="issue.code", read_only=True, label=_("问题编号"))

    class Meta:
        model = PublicReport
        fields = [
            "id",
            "tracking_code",
            "issue",
            "issue_code",
            "reporter_phone",
            "created_at",
            "triage",
            "triaged_at",
            "merged_into",
        ]
        read_only_fields = fields
