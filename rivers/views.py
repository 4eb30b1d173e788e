from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view

from accounts.models import Role
from core.views import ScopedModelViewSet

from . import filters, selectors, serializers, services


@extend_schema_view(list=extend_schema(summary="区域（区县、街道、社区）"))
class RegionViewSet(ScopedModelViewSet):
    """Regions form the tree every record hangs on; only admins reshape it."""

    selector = selectors.region_list
    update_service = services.region_update
    serializer_class = serializers.RegionSerializer
    filterset_class = filters.RegionListFilter
    write_roles = frozenset({Role.ADMIN})
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


class ChiefViewSet(ScopedModelViewSet):
    """The roster: every appointment, serving or relieved."""

    selector = selectors.chief_list
    create_service = services.chief_appoint
    update_service = services.chief_update
    serializer_class = serializers.ChiefSerializer
    filterset_class = filters.ChiefFilter
    search_fields = ["name", "title", "unit", "phone"]
    ordering_fields = ["name", "role", "appointed_on", "relieved_on"]


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
