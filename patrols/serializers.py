import json

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.fields import ScopedPrimaryKeyRelatedField
from core.media import StoredFileField
from rivers.models import Chief, Reach
from rivers.serializers import PositionMixin

from .models import Finding, FindingPhoto, Patrol, PatrolRule


class PatrolRuleSerializer(serializers.ModelSerializer):
    months = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=12),
        required=False,
        max_length=12,
        label=_("适用月份"),
        help_text=_("1-12 的列表；留空表示全年适用。"),
    )

    effective_from = serializers.DateField(
        write_only=True,
        required=False,
        label=_("生效日期"),
        help_text=_("修改自该日起生效，默认今天，不能早于本月1日；此前的日子仍按原规则计算。"),
    )

    class Meta:
        model = PatrolRule
        fields = [
            "id",
            "role",
            "period",
            "min_count",
            "min_minutes",
            "min_km",
            "months",
            "valid_from",
            "valid_to",
            "effective_from",
        ]
        read_only_fields = ["valid_to"]
        extra_kwargs = {
            "valid_from": {
                "required": False,
                "help_text": _("新规则自该日起适用，默认今天，不能早于本月1日。"),
            }
        }

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is None:
            # A new rule starts at valid_from; effective_from is an edit's.
            fields.pop("effective_from")
        else:
            # An edit takes effect from effective_from: where the row starts is its history.
            fields["valid_from"].read_only = True
        return fields


class FindingPhotoSerializer(serializers.ModelSerializer):
    image = StoredFileField(read_only=True, label=_("照片"))

    class Meta:
        model = FindingPhoto
        fields = ["id", "image", "width", "height", "taken_at"]


class StaffFindingPhotoSerializer(FindingPhotoSerializer):
    """Office staff also see the camera's EXIF (time, position, device)."""

    class Meta(FindingPhotoSerializer.Meta):
        fields = [*FindingPhotoSerializer.Meta.fields, "exif"]


class FindingIssueLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField(label=_("问题"))
    code = serializers.CharField(label=_("问题编号"))


class FindingSerializer(PositionMixin, serializers.ModelSerializer):
    photos = serializers.SerializerMethodField(label=_("现场照片"))
    issue = serializers.SerializerMethodField(
        label=_("转为的问题"), help_text=_("尚未转为问题时为 null。")
    )

    class Meta:
        model = Finding
        fields = ["id", "description", "lat", "lon", "photos", "issue"]

    @extend_schema_field(FindingIssueLinkSerializer(allow_null=True))
    def get_issue(self, obj: Finding) -> dict | None:
        issue = getattr(obj, "issue", None)
        return {"id": issue.pk, "code": issue.code} if issue is not None else None

    def get_photos(self, obj: Finding) -> list[dict]:
        request = self.context.get("request")
        staff = request is not None and request.user.effective_role in {"admin", "office"}
        serializer = StaffFindingPhotoSerializer if staff else FindingPhotoSerializer
        return serializer(obj.photos.all(), many=True, context=self.context).data


class JSONStringField(serializers.JSONField):
    """JSON in a JSON body, or a JSON string in a multipart form."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError as error:
                raise serializers.ValidationError(_("不是有效的 JSON。")) from error
        return super().to_internal_value(data)


class PatrolSerializer(serializers.ModelSerializer):
    chief = ScopedPrimaryKeyRelatedField(
        queryset=Chief.objects.all(),
        required=False,
        label=_("河长"),
        help_text=_("河长账号可省略，默认为本人。"),
    )
    reach = ScopedPrimaryKeyRelatedField(queryset=Reach.objects.all(), label=_("河段"))
    chief_name = serializers.CharField(source="chief.name", read_only=True, label=_("河长姓名"))
    reach_name = serializers.CharField(source="reach.__str__", read_only=True, label=_("河段名称"))
    track = JSONStringField(
        required=False,
        allow_null=True,
        label=_("轨迹"),
        help_text=_(
            "写入：GeoJSON LineString，可带 times（每个点一个时间）。"
            "读取：去除漂移并抽稀后的显示轨迹。"
        ),
    )
    gpx = serializers.FileField(
        write_only=True, required=False, label=_("GPX 文件"), help_text=_("代替 track 上传轨迹。")
    )
    findings = FindingSerializer(many=True, required=False, label=_("巡河发现"))

    class Meta:
        model = Patrol
        fields = [
            "id",
            "uuid",
            "chief",
            "chief_name",
            "reach",
            "reach_name",
            "started_at",
            "ended_at",
            "started_on",
            "track",
            "gpx",
            "distance_km",
            "points_dropped",
            "valid",
            "invalid_reason",
            "notes",
            "findings",
            "filed_late",
            "late_reason",
            "created_at",
        ]
        read_only_fields = [
            "filed_late",
            "started_on",
            "distance_km",
            "points_dropped",
            "valid",
            "invalid_reason",
            "created_at",
        ]
        extra_kwargs = {
            "uuid": {"required": True, "validators": []},
            "late_reason": {
                "help_text": _("河长办补录超过规定天数的巡河记录时必填。"),
            },
        }

    def to_internal_value(self, data):
        # In a multipart form the findings arrive as one JSON string.
        if hasattr(data, "getlist") and isinstance(data.get("findings"), str):
            try:
                findings = json.loads(data["findings"])
            except ValueError as error:
                raise serializers.ValidationError({"findings": [_("不是有效的 JSON。")]}) from error
            data = {key: data.get(key) for key in data}
            data["findings"] = findings
        return super().to_internal_value(data)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "chief" not in attrs:
            user = self.context["request"].user
            if user.chief is None:
                raise serializers.ValidationError({"chief": [_("请选择河长。")]})
            attrs["chief"] = user.chief
        if attrs.get("gpx") is not None and attrs.get("track") is not None:
            raise serializers.ValidationError({"gpx": [_("track 与 gpx 只能提供一个。")]})
        return attrs


class ComplianceSerializer(serializers.Serializer):
    chief = serializers.IntegerField(source="chief_id", label=_("河长"))
    name = serializers.CharField(label=_("姓名"))
    role = serializers.ChoiceField(choices=Chief._meta.get_field("role").choices, label=_("类别"))
    region = serializers.IntegerField(source="region_id", label=_("区域"))
    region_name = serializers.CharField(label=_("区域名称"))
    required = serializers.DecimalField(max_digits=8, decimal_places=2, label=_("应巡次数"))
    done = serializers.IntegerField(label=_("有效巡河次数"))
    counted = serializers.IntegerField(
        label=_("计入次数"), help_text=_("每个周期最多计入规则要求的次数。")
    )
    rate = serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, label=_("巡河率")
    )


class RankingSerializer(serializers.Serializer):
    rank = serializers.IntegerField(label=_("名次"))
    region = serializers.IntegerField(source="region_id", label=_("区域"))
    region_name = serializers.CharField(label=_("区域名称"))
    chiefs = serializers.IntegerField(label=_("河长人数"))
    required = serializers.DecimalField(max_digits=10, decimal_places=2, label=_("应巡次数"))
    counted = serializers.IntegerField(label=_("计入次数"))
    rate = serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, label=_("巡河率")
    )
    short_chiefs = serializers.IntegerField(label=_("未达标河长人数"))


class ComplianceQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(label=_("开始日期（含）"))
    date_to = serializers.DateField(label=_("结束日期（含）"))

    def validate(self, attrs):
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": [_("结束日期不能早于开始日期。")]})
        if (attrs["date_to"] - attrs["date_from"]).days > 366 * 2:
            raise serializers.ValidationError({"date_to": [_("统计范围不能超过两年。")]})
        return attrs


class UploadCredentialRequestSerializer(serializers.Serializer):
    uuid = serializers.UUIDField(label=_("巡河编号"))


class UploadCredentialSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    credential = serializers.CharField()
    expires_at = serializers.DateTimeField()
