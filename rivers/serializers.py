from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Region
from core.fields import ScopedPrimaryKeyRelatedField

from .models import Chief, Facility, Outfall, Reach, River, Sign

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
