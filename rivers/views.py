from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.roles import ADMINS
from core.exports import condition
from core.views import ScopedModelViewSet

from . import filters, ledger, roster_export, selectors, serializers, services, water_ledger


@extend_schema_view(list=extend_schema(summary="区域（区县、街道、社区）"))
class RegionViewSet(ScopedModelViewSet):
    """Regions form the tree every record hangs on; only admins reshape it."""

    selector = selectors.region_list
    update_service = services.region_update
    serializer_class = serializers.RegionSerializer
    filterset_class = filters.RegionListFilter
    write_roles = ADMINS
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name", "level"]


class RiverViewSet(ScopedModelViewSet):
    selector = selectors.river_list
    create_service = services.river_create
    serializer_class = serializers.RiverSerializer
    filterset_class = filters.RiverFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name", "kind", "length_km"]

    def get_editable_queryset(self) -> QuerySet:
        return selectors.river_managed(user=self.request.user)


class ReachViewSet(ScopedModelViewSet):
    selector = selectors.reach_list
    serializer_class = serializers.ReachSerializer
    filterset_class = filters.ReachFilter
    search_fields = ["name", "river__name"]
    ordering_fields = ["name", "length_km", "river__code"]
    ledger_exclude = ("geometry",)  # a line on a map, not a cell


class ChiefViewSet(ScopedModelViewSet):
    """The roster: every appointment, serving or relieved."""

    selector = selectors.chief_list
    create_service = services.chief_appoint
    update_service = services.chief_update
    delete_service = services.chief_delete
    serializer_class = serializers.ChiefSerializer
    filterset_class = filters.ChiefFilter
    search_fields = ["name", "title", "unit", "phone"]
    ordering_fields = ["name", "role", "appointed_on", "relieved_on"]
    # ?format=xlsx: the roster ledger, in the shape its import reads (rivers.roster_export).
    ledger_name = ledger.SHEET_NAME

    def ledger_table(self, records):
        return roster_export.roster_ledger_table(records)

    def ledger_conditions(self) -> list[str]:
        return [condition(_("在任"), _("是"))]  # the ledger lists serving entries only

    @extend_schema(
        request=serializers.ChiefRelieveSerializer, responses=serializers.ChiefSerializer
    )
    @action(detail=True, methods=["post"])
    def relieve(self, request, pk=None):
        """End this appointment; the entry stays on the roster for the periods it served."""
        chief = self.get_object()
        form = serializers.ChiefRelieveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        chief = services.chief_relieve(chief=chief, on=form.validated_data["on"])
        return Response(self.get_serializer(chief).data)

    @extend_schema(
        request=serializers.ChiefReplaceSerializer,
        responses={201: serializers.ChiefSerializer},
    )
    @action(detail=True, methods=["post"])
    def replace(self, request, pk=None):
        """A successor takes over the post and its reaches; the predecessor's record is kept."""
        chief = self.get_object()
        form = serializers.ChiefReplaceSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        successor = services.chief_replace(chief=chief, **form.validated_data)
        return Response(self.get_serializer(successor).data, status=status.HTTP_201_CREATED)


class SignViewSet(ScopedModelViewSet):
    selector = selectors.sign_list
    serializer_class = serializers.SignSerializer
    filterset_class = filters.SignFilter
    search_fields = ["code", "reach__name", "reach__river__name"]
    ordering_fields = ["code", "updated_on"]


class OutfallViewSet(ScopedModelViewSet):
    selector = selectors.outfall_list
    serializer_class = serializers.OutfallSerializer
    filterset_class = filters.OutfallFilter
    search_fields = ["name", "reach__name", "reach__river__name"]
    ordering_fields = ["name", "kind"]


class FacilityViewSet(ScopedModelViewSet):
    selector = selectors.facility_list
    serializer_class = serializers.FacilitySerializer
    filterset_class = filters.FacilityFilter
    search_fields = ["name", "reach__name", "reach__river__name"]
    ordering_fields = ["name", "kind"]


class MonitoringPointViewSet(ScopedModelViewSet):
    """Monitoring sections (监测断面), graded against their target by GB 3838-2002."""

    selector = selectors.monitoring_point_list
    create_service = services.monitoring_point_create
    update_service = services.monitoring_point_update
    serializer_class = serializers.MonitoringPointSerializer
    filterset_class = filters.MonitoringPointFilter
    search_fields = ["name", "code", "river__name"]
    ordering_fields = ["code", "name", "level", "target_grade"]


class WaterReadingViewSet(ScopedModelViewSet):
    """Readings of the monitoring points; grade, deciding parameters, target met and the
    exceedance multiples follow from the values by GB 3838-2002 (rivers.water_quality)."""

    selector = selectors.water_reading_list
    create_service = services.water_reading_create
    update_service = services.water_reading_update
    serializer_class = serializers.WaterReadingSerializer
    filterset_class = filters.WaterReadingFilter
    search_fields = ["point__name", "point__code"]
    ordering_fields = ["sampled_on", "point__code"]
    # ?format=xlsx: the readings ledger, in the shape its import reads (rivers.water_ledger).
    ledger_name = water_ledger.SHEET_NAME

    def ledger_table(self, records):
        return water_ledger.readings_ledger_table(records)
