from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Region
from core.fields import ScopedPrimaryKeyRelatedField

from . import water_quality as wq
from .models import (
    Chief,
    Facility,
    MonitoringPoint,
    Outfall,
    Reach,
    River,
    Sign,
    WaterReading,
)

# Mainland China with a margin: a point outside is almost always swapped or mistyped.
CHINA_LAT = (Decimal("3"), Decimal("54"))
CHINA_LON = (Decimal("73"), Decimal("136"))


class PositionMixin:
    def validate(self, attrs):
        attrs = super().validate(attrs)
        lat = attrs.get("lat", getattr(self.instance, "lat", None))
        lon = attrs.get("lon", getattr(self.instance, "lon", None))
        hint = _("坐标不在中国境内，请检查经纬度是否填反（WGS-84，十进制度）。")
        errors = {}
        if lat is not None and not CHINA_LAT[0] <= lat <= CHINA_LAT[1]:
            errors["lat"] = [hint]
        if lon is not None and not CHINA_LON[0] <= lon <= CHINA_LON[1]:
            errors["lon"] = [hint]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class RegionSerializer(serializers.ModelSerializer):
    parent = ScopedPrimaryKeyRelatedField(
        queryset=Region.objects.all(), allow_null=True, required=False, label=_("上级区域")
    )
    # A declared field takes no extra_kwargs: its label is given here.
    parent_name = serializers.CharField(
        source="parent.name", read_only=True, default=None, allow_null=True, label=_("上级区域名称")
    )

    class Meta:
        model = Region
        fields = ["id", "name", "code", "level", "parent", "parent_name"]


class RiverSerializer(serializers.ModelSerializer):
    region = ScopedPrimaryKeyRelatedField(
        queryset=Region.objects.all(),
        required=False,
        label=_("管理区域"),
        help_text=_("默认为当前账号所属区域。"),
    )
    region_name = serializers.CharField(
        source="region.name", read_only=True, label=_("管理区域名称")
    )

    class Meta:
        model = River
        fields = ["id", "name", "code", "kind", "length_km", "region", "region_name"]


class ReachSerializer(serializers.ModelSerializer):
    river = ScopedPrimaryKeyRelatedField(queryset=River.objects.all(), label=_("河流"))
    region = ScopedPrimaryKeyRelatedField(queryset=Region.objects.all(), label=_("所在区域"))
    river_name = serializers.CharField(source="river.name", read_only=True, label=_("河流名称"))
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("区域名称"))

    class Meta:
        model = Reach
        fields = [
            "id",
            "river",
            "river_name",
            "region",
            "region_name",
            "name",
            "bank",
            "length_km",
            "geometry",
        ]


class ChiefSerializer(serializers.ModelSerializer):
    region = ScopedPrimaryKeyRelatedField(queryset=Region.objects.all(), label=_("所在区域"))
    region_name = serializers.CharField(source="region.name", read_only=True, label=_("区域名称"))
    reaches = ScopedPrimaryKeyRelatedField(
        queryset=Reach.objects.all(), many=True, required=False, label=_("负责河段")
    )
    serving = serializers.SerializerMethodField(label=_("在任"))

    class Meta:
        model = Chief
        fields = [
            "id",
            "name",
            "phone",
            "role",
            "title",
            "unit",
            "region",
            "region_name",
            "reaches",
            "appointed_on",
            "relieved_on",
            "serving",
        ]

    def get_serving(self, obj: Chief) -> bool:
        return obj.relieved_on is None

    def validate(self, attrs):
        attrs = super().validate(attrs)
        appointed = attrs.get("appointed_on", getattr(self.instance, "appointed_on", None))
        relieved = attrs.get("relieved_on", getattr(self.instance, "relieved_on", None))
        if appointed and relieved and relieved < appointed:
            raise serializers.ValidationError({"relieved_on": [_("免职日期不能早于任职日期。")]})
        return attrs


class ReachAssetSerializer(PositionMixin, serializers.ModelSerializer):
    reach = ScopedPrimaryKeyRelatedField(queryset=Reach.objects.all(), label=_("河段"))
    reach_name = serializers.CharField(source="reach.__str__", read_only=True, label=_("河段名称"))


class SignSerializer(ReachAssetSerializer):
    class Meta:
        model = Sign
        fields = ["id", "reach", "reach_name", "code", "lat", "lon", "updated_on"]


class OutfallSerializer(ReachAssetSerializer):
    class Meta:
        model = Outfall
        fields = ["id", "reach", "reach_name", "name", "kind", "lat", "lon"]


class FacilitySerializer(ReachAssetSerializer):
    class Meta:
        model = Facility
        fields = ["id", "reach", "reach_name", "name", "kind", "lat", "lon"]


class ChiefRelieveSerializer(serializers.Serializer):
    on = serializers.DateField(label=_("免职日期"))


class ChiefReplaceSerializer(serializers.Serializer):
    on = serializers.DateField(label=_("接任日期"), help_text=_("继任者从这一天起任职。"))
    name = serializers.CharField(max_length=50, label=_("继任者姓名"))
    phone = serializers.CharField(max_length=24, label=_("联系电话"))
    title = serializers.CharField(max_length=100, required=False, default="", label=_("职务"))
    unit = serializers.CharField(max_length=100, required=False, default="", label=_("单位"))


class MonitoringPointSerializer(PositionMixin, serializers.ModelSerializer):
    river = ScopedPrimaryKeyRelatedField(queryset=River.objects.all(), label=_("河流"))
    river_name = serializers.CharField(source="river.name", read_only=True, label=_("河流名称"))
    reach = ScopedPrimaryKeyRelatedField(
        queryset=Reach.objects.all(), allow_null=True, required=False, label=_("河段")
    )

    class Meta:
        model = MonitoringPoint
        fields = [
            "id",
            "name",
            "code",
            "river",
            "river_name",
            "reach",
            "lat",
            "lon",
            "level",
            "water_body",
            "target_grade",
        ]
        extra_kwargs = {
            "water_body": {"help_text": _("不填时按河流类型：湖泊、水库为湖库，其余为河流。")}
        }


class WaterValuesSerializer(serializers.Serializer):
    """The measured values, mg/L by parameter; blank or null where not measured."""

    def get_fields(self):
        return {
            parameter: serializers.DecimalField(
                max_digits=9,
                decimal_places=4,
                required=False,
                allow_null=True,
                # The physical range, so the schema states it; the messages are the import's.
                min_value=Decimal("0"),
                max_value=wq.PHYSICAL_MAX[parameter],
                error_messages={
                    "min_value": _("不能为负数。"),
                    "max_value": _("超出%(name)s的合理范围（0～%(high)s mg/L），请检查数值和单位。")
                    % {"name": label, "high": wq.PHYSICAL_MAX[parameter]},
                },
                label=label,
                help_text=_("mg/L"),
            )
            for parameter, label in wq.PARAMETER_LABELS.items()
        }

    def validate(self, attrs):
        errors = {}
        for parameter, value in attrs.items():
            problem = None if value is None else wq.physical_range_problem(parameter, value)
            if problem:
                errors[parameter] = [problem]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class WaterReadingSerializer(serializers.ModelSerializer):
    point = ScopedPrimaryKeyRelatedField(
        queryset=MonitoringPoint.objects.all(), label=_("监测断面")
    )
    point_name = serializers.CharField(source="point.name", read_only=True, label=_("断面名称"))
    values = WaterValuesSerializer(source="*", label=_("监测值（mg/L）"))
    grade = serializers.SerializerMethodField(label=_("水质类别"))
    grade_label = serializers.SerializerMethodField(label=_("水质类别名称"))
    deciding = serializers.SerializerMethodField(label=_("定类项目"))
    meets_target = serializers.SerializerMethodField(label=_("达到水质目标"))
    exceedances = serializers.SerializerMethodField(label=_("超标倍数"))

    class Meta:
        model = WaterReading
        fields = [
            "id",
            "point",
            "point_name",
            "sampled_on",
            "values",
            "grade",
            "grade_label",
            "deciding",
            "meets_target",
            "exceedances",
        ]
        # One reading per point and day: the service says so in words (DRF's own unique-together
        # message names the fields).
        validators: list = []

    def validate(self, attrs):
        attrs = super().validate(attrs)
        # On a partial update, what is not sent keeps its stored value.
        measured = [
            p
            for p in wq.PARAMETERS
            if (attrs[p] if p in attrs else getattr(self.instance, p, None)) is not None
        ]
        if not measured:
            raise serializers.ValidationError({"values": [_("至少填写一项监测值。")]})
        return attrs

    @extend_schema_field(serializers.ChoiceField(choices=wq.Grade.choices, allow_null=True))
    def get_grade(self, obj: WaterReading) -> str | None:
        return obj.assessment.grade

    def get_grade_label(self, obj: WaterReading) -> str:
        return obj.assessment.grade_label

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_deciding(self, obj: WaterReading) -> list[str]:
        return obj.assessment.deciding

    def get_meets_target(self, obj: WaterReading) -> bool | None:
        return obj.assessment.meets_target

    @extend_schema_field(serializers.DictField(child=serializers.FloatField()))
    def get_exceedances(self, obj: WaterReading) -> dict:
        return obj.assessment.exceedances
