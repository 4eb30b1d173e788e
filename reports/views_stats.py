"""``GET /api/v1/stats/``: every figure of a region and period, the same the reports print."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.filters import RegionFilterSet
from patrols.serializers import ComplianceQuerySerializer
from rivers.models import Region

from .statistics import region_statistics


def _counts(help_text: str) -> serializers.DictField:
    return serializers.DictField(child=serializers.IntegerField(), help_text=help_text)


def _amount(places: int = 2) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=places)


def _rate() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=5, decimal_places=4, allow_null=True, help_text=_("0-1；无应完成数时为空")
    )


class StatisticsSerializer(serializers.Serializer):
    region = serializers.IntegerField(source="region_id")
    region_name = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    rivers = serializers.IntegerField(help_text=_("流经或归属本区域的河流"))
    flood_channels = serializers.IntegerField()
    reaches = serializers.IntegerField()
    chiefs = _counts(_("期间在任的河长等人员，按类别"))
    signs = serializers.IntegerField()
    signs_updated = serializers.IntegerField(help_text=_("期间更新过的公示牌（块）"))
    patrols = serializers.IntegerField()
    patrolling_chiefs = serializers.IntegerField(help_text=_("期间巡过河的河长人数"))
    patrols_required = _amount()
    patrols_counted = serializers.IntegerField()
    patrol_rate = _rate()
    issues_found = serializers.IntegerField(help_text=_("期间发现（上报）的问题"))
    issues_found_by_patrol = serializers.IntegerField()
    issues_assigned = serializers.IntegerField()
    issues_closed = serializers.IntegerField(help_text=_("期间发现的问题中，期末前已销号的"))
    issues_overdue = serializers.IntegerField(help_text=_("期末（或今天）仍未销号且已过整改时限"))
    resolution_rate = _rate()
    issues_supervised = serializers.IntegerField()
    issues_by_category = _counts(_("期间发现的问题，按类别"))
    issues_by_source = _counts(_("期间发现的问题，按来源"))
    publicity_events = serializers.IntegerField()
    publicity_units = serializers.IntegerField()
    publicity_participants = serializers.IntegerField()
    banners = serializers.IntegerField()
    slogans = serializers.IntegerField()
    leaflets = serializers.IntegerField()
    cleanups = serializers.IntegerField()
    cleanup_points = serializers.IntegerField()
    garbage_t = _amount()
    garbage_m3 = _amount()
    cleanup_participants = serializers.IntegerField()
    vehicles = serializers.IntegerField()
    net_m = _amount(1)
    warning_signs = serializers.IntegerField()
    cleanup_banners = serializers.IntegerField()
    meetings = serializers.IntegerField()
    trainings = serializers.IntegerField()
    meeting_attendees = serializers.IntegerField()
    inspections = serializers.IntegerField()
    inspection_problems = serializers.IntegerField()
    outfalls = _counts(_("期间排查过的排污口，按类型"))
    outfalls_checked = serializers.IntegerField()
    outfalls_total = _counts(_("现有排污口，按类型"))
    facilities = _counts(_("期间排查过的设施，按类型"))
    facilities_total = _counts(_("现有设施，按类型"))
    facility_problems = serializers.IntegerField()
    facility_issues_closed = serializers.IntegerField()
    map_patches_checked = serializers.IntegerField()


class StatsFilter(RegionFilterSet):
    pass


class StatsView(APIView):
    """Figures of a region (and all below it) for a period, both dates inclusive."""

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("date_to", OpenApiTypes.DATE, required=True),
            OpenApiParameter(
                "region", OpenApiTypes.INT, description="区域（含下级）；默认为本人所在区域"
            ),
        ],
        responses=StatisticsSerializer,
    )
    def get(self, request: Request) -> Response:
        query = ComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        regions = StatsFilter(request.query_params, queryset=Region.objects.none(), request=request)
        if not regions.is_valid():
            raise serializers.ValidationError(regions.errors)
        region = regions.form.cleaned_data.get("region") or _home_region(request)
        statistics = region_statistics(
            region=region,
            date_from=query.validated_data["date_from"],
            date_to=query.validated_data["date_to"],
        )
        return Response(StatisticsSerializer(statistics).data)


def _home_region(request: Request) -> Region:
    if request.user.region_id is not None:
        return request.user.region
    # A superuser without a region: the one top region, if the portal has only one.
    tops = list(Region.objects.visible_to(request.user).filter(parent=None)[:2])
    if len(tops) == 1:
        return tops[0]
    raise serializers.ValidationError({"region": [_("请指定区域。")]})
