"""API shapes of the work reports: the report as read, a request, the office's text edits."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Region
from core.fields import ScopedPrimaryKeyRelatedField
from core.views_documents import DocumentFileLink

from .models import Report, ReportKind, Rounding
from .selectors import report_title

NULL_OR_EXPIRED = _("生成完成前或文件过期后为 null。")


class ReportSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("区域名称"))
    period = serializers.SerializerMethodField(
        label=_("期次"), help_text=_("季度 1-4，半年 1-2；年度总结为 null。")
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    title = serializers.SerializerMethodField(label=_("标题"))
    # The API's own downloads, which check the account; media files are not public.
    pdf = DocumentFileLink("report-pdf", label=_("PDF 地址"), help_text=NULL_OR_EXPIRED)
    docx = DocumentFileLink("report-docx", label=_("Word 地址"), help_text=NULL_OR_EXPIRED)

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "year",
            "period",
            "region",
            "region_name",
            "title",
            "status",
            "status_label",
            "progress",
            "pdf",
            "docx",
            "error",
            "rounding",
            "opening",
            "problems_note",
            "plans",
            "document_date",
            "issuer",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_period(self, obj: Report) -> int | None:
        return obj.period or None

    def get_title(self, obj: Report) -> str:
        return report_title(obj)


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices, label=_("报告类型"))
    year = serializers.IntegerField(min_value=2000, max_value=2100, label=_("年度"))
    period = serializers.IntegerField(
        min_value=1,
        max_value=4,
        allow_null=True,
        required=False,
        default=None,
        label=_("期次"),
        help_text=_("季度 1-4，半年 1（上半年）或 2（下半年）；年度总结不填。"),
    )
    region = ScopedPrimaryKeyRelatedField(queryset=Region.objects.all(), label=_("区域"))
    rounding = serializers.ChoiceField(
        choices=Rounding.choices, required=False, default=None, label=_("数字写法")
    )
    document_date = serializers.DateField(
        required=False,
        default=None,
        allow_null=True,
        label=_("成文日期"),
        help_text=_("印在报告末尾的日期；留空则为生成当天。"),
    )
    issuer = serializers.CharField(
        max_length=100,
        required=False,
        default=None,
        allow_null=True,
        allow_blank=True,
        label=_("发文单位"),
        help_text=_("在报告末尾署名的单位；留空则为区域名称加河长制办公室。"),
    )


class ReportTextsSerializer(serializers.Serializer):
    """The office's own words; a blank text means the generated default."""

    rounding = serializers.ChoiceField(choices=Rounding.choices, required=False)
    opening = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    problems_note = serializers.CharField(max_length=10000, allow_blank=True, required=False)
    plans = serializers.CharField(max_length=10000, allow_blank=True, required=False)
    document_date = serializers.DateField(required=False, allow_null=True, label=_("成文日期"))
    issuer = serializers.CharField(max_length=100, allow_blank=True, required=False)
