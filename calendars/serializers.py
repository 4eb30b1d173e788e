from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import CalendarDay, DeadlineRule, HolidayYear


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


class HolidayYearSerializer(serializers.ModelSerializer):
    class Meta:
        model = HolidayYear
        fields = ["year", "source", "entered_by", "entered_at"]
        read_only_fields = fields


class HolidayRangeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, label=_("节日名称"))
    first = serializers.DateField(label=_("放假第一天"))
    last = serializers.DateField(label=_("放假最后一天"))


class SwappedWorkdaySerializer(serializers.Serializer):
    date = serializers.DateField(label=_("调休上班日"))
    name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class HolidayNoticeSerializer(serializers.Serializer):
    """A year's State Council notice: its holidays (weekends included, as printed) and the
    weekend days worked in exchange."""

    year = serializers.IntegerField(min_value=2000, max_value=2100, label=_("年份"))
    holidays = HolidayRangeSerializer(many=True, label=_("假期"))
    workdays = SwappedWorkdaySerializer(many=True, required=False, label=_("调休上班日"))
    replace = serializers.BooleanField(required=False, default=False, label=_("替换已录入的安排"))
