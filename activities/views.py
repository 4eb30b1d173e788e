"""Activities and asset checks: every logged-in role reads its region's rows (a chief its
community's, as with the rivers and assets); the office and admins write them."""

from accounts.roles import OFFICE_ROLES
from core.views import ScopedModelViewSet

from . import filters, selectors, serializers, services

ACTIVITY_ORDERING = ["date", "title", "created_at"]
ACTIVITY_SEARCH = ["title", "notes"]


class ActivityViewSet(ScopedModelViewSet):
    write_roles = OFFICE_ROLES
    delete_service = services.activity_delete
    ordering_fields = ACTIVITY_ORDERING
    search_fields = ACTIVITY_SEARCH


class PublicityEventViewSet(ActivityViewSet):
    """宣传活动: banners, slogans, leaflets and the units that took part."""

    selector = selectors.publicity_event_list
    create_service = services.publicity_event_create
    update_service = services.publicity_event_update
    serializer_class = serializers.PublicityEventSerializer
    filterset_class = filters.PublicityEventFilter
    search_fields = ["title", "place", "notes"]
    ordering_fields = [*ACTIVITY_ORDERING, "participants", "leaflets"]


class CleanupViewSet(ActivityViewSet):
    """河道清理行动: what was removed and what it took."""

    selector = selectors.cleanup_list
    create_service = services.cleanup_create
    update_service = services.cleanup_update
    serializer_class = serializers.CleanupSerializer
    filterset_class = filters.CleanupFilter
    ordering_fields = [*ACTIVITY_ORDERING, "garbage_t", "garbage_m3", "participants"]


class MeetingViewSet(ActivityViewSet):
    """工作会议 and 培训会."""

    selector = selectors.meeting_list
    create_service = services.meeting_create
    update_service = services.meeting_update
    serializer_class = serializers.MeetingSerializer
    filterset_class = filters.MeetingFilter


class InspectionViewSet(ActivityViewSet):
    """督查 and the problems each fed back."""

    selector = selectors.inspection_list
    create_service = services.inspection_create
    update_service = services.inspection_update
    serializer_class = serializers.InspectionSerializer
    filterset_class = filters.InspectionFilter
    ordering_fields = [*ACTIVITY_ORDERING, "problems_found"]


class SignUpdateViewSet(ScopedModelViewSet):
    """公示牌更新: each record moves the sign's ``updated_on`` forward to its date."""

    selector = selectors.sign_update_list
    create_service = services.sign_update_create
    update_service = services.sign_update_update
    delete_service = services.sign_update_delete
    serializer_class = serializers.SignUpdateSerializer
    filterset_class = filters.SignUpdateFilter
    write_roles = OFFICE_ROLES
    search_fields = ["sign__code", "sign__reach__name", "sign__reach__river__name", "notes"]
    ordering_fields = ["date", "sign__code", "created_at"]


class OutfallCheckViewSet(ScopedModelViewSet):
    """入河排污口排查; a check that found a problem may open an issue ticket."""

    selector = selectors.outfall_check_list
    create_service = services.outfall_check_create
    update_service = services.outfall_check_update
    delete_service = services.outfall_check_delete
    serializer_class = serializers.OutfallCheckSerializer
    filterset_class = filters.OutfallCheckFilter
    write_roles = OFFICE_ROLES
    search_fields = ["outfall__name", "outfall__reach__river__name", "notes"]
    ordering_fields = ["date", "outfall__name", "result", "created_at"]


class FacilityCheckViewSet(ScopedModelViewSet):
    """设施排查 (footbridges, fords, culverts in flood season; sewage plants); a check that
    found a problem may open an issue ticket."""

    selector = selectors.facility_check_list
    create_service = services.facility_check_create
    update_service = services.facility_check_update
    delete_service = services.facility_check_delete
    serializer_class = serializers.FacilityCheckSerializer
    filterset_class = filters.FacilityCheckFilter
    write_roles = OFFICE_ROLES
    search_fields = ["facility__name", "facility__reach__river__name", "notes"]
    ordering_fields = ["date", "facility__name", "result", "created_at"]
