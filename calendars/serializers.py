from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import CalendarDay, DeadlineRule


class CalendarDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarDay
        fields = ["id", "date", "is_workday", "name", "source"]
        # Set by the service: every day written through the API is manual.
        read_only_fields = ["source"]


class DeadlineRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeadlineRule
        fields = ["id", "category", "urgency", "working_days"]


class CalendarCoverageSerializer(serializers.Serializer):
    last_year = serializers.IntegerField(
        allow_null=True,
        label=_("日历覆盖的最后一年"),
        help_text=_("此后的日期只按周末休息计算，节假日尚未录入。"),
    )
