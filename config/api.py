"""The public REST API, version 1 (shared/API.md)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.views import AccountViewSet, ApiTokenViewSet, TokenView
from activities import views as activities
from audit.views import AuditEntryViewSet
from calendars import views as calendars
from core.media import StoredFileView
from issues.views import IssueViewSet, SupervisionOrderViewSet
from issues.views_ledger import IssueLedgerView
from map_patches import views as map_patches
from notifications.views import NotificationViewSet
from patrols import views as patrols
from patrols.api_bulletins import BulletinViewSet
from public_reports.views import PublicReportViewSet
from reports import api_assessment
from reports.views import ReportViewSet
from reports.views_dashboard import DashboardMapView, DashboardView
from reports.views_river_file import RiverFileViewSet
from reports.views_stats import StatsDefinitionsView, StatsRecordsView, StatsView
from rivers import api_ledger, api_plans
from rivers import views as rivers

router = DefaultRouter()
router.register("regions", rivers.RegionViewSet, basename="region")
router.register("accounts", AccountViewSet, basename="account")
# The river file (一河一档, rivers/{id}/file/): reports' own viewset on the rivers' prefix, first,
# so that the API root still lists rivers/ as the rivers' list.
router.register("rivers", RiverFileViewSet, basename="river-file")

router.register("tokens", ApiTokenViewSet, basename="api-token-device")
router.register("rivers", rivers.RiverViewSet, basename="river")
router.register("reaches", rivers.ReachViewSet, basename="reach")
router.register("chiefs", rivers.ChiefViewSet, basename="chief")
router.register("signs", rivers.SignViewSet, basename="sign")
router.register("outfalls", rivers.OutfallViewSet, basename="outfall")
router.register("facilities", rivers.FacilityViewSet, basename="facility")
router.register("river-plans", api_plans.RiverPlanViewSet, basename="river-plan")

router.register("monitoring-points", rivers.MonitoringPointViewSet, basename="monitoring-point")
router.register("water-readings", rivers.WaterReadingViewSet, basename="water-reading")
router.register("patrol-rules", patrols.PatrolRuleViewSet, basename="patrol-rule")
router.register("patrols", patrols.PatrolViewSet, basename="patrol")
router.register("issues", IssueViewSet, basename="issue")
router.register("supervision-orders", SupervisionOrderViewSet, basename="supervision-order")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("bulletins", BulletinViewSet, basename="bulletin")
router.register("calendar-days", calendars.CalendarDayViewSet, basename="calendar-day")
router.register("deadline-rules", calendars.DeadlineRuleViewSet, basename="deadline-rule")
router.register("map-patch-batches", map_patches.PatchBatchViewSet, basename="map-patch-batch")
router.register("map-patches", map_patches.MapPatchViewSet, basename="map-patch")
router.register("public-reports", PublicReportViewSet, basename="public-report")
router.register("reports", ReportViewSet, basename="report")
router.register("publicity-events", activities.PublicityEventViewSet, basename="publicity-event")
router.register("cleanups", activities.CleanupViewSet, basename="cleanup")
router.register("meetings", activities.MeetingViewSet, basename="meeting")
router.register("inspections", activities.InspectionViewSet, basename="inspection")
router.register("sign-updates", activities.SignUpdateViewSet, basename="sign-update")
router.register("outfall-checks", activities.OutfallCheckViewSet, basename="outfall-check")
router.register("facility-checks", activities.FacilityCheckViewSet, basename="facility-check")
router.register(
    "assessment-schemes", api_assessment.AssessmentSchemeViewSet, basename="assessment-scheme"
)
router.register(
    "assessment-rounds", api_assessment.AssessmentRoundViewSet, basename="assessment-round"
)
router.register(
    "assessment-adjustments",
    api_assessment.AssessmentAdjustmentViewSet,
    basename="assessment-adjustment",
)
router.register("audit-entries", AuditEntryViewSet, basename="audit-entry")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("patrol-compliance/", patrols.ComplianceView.as_view(), name="patrol-compliance"),
    path(
        "patrol-compliance/rankings/",
        patrols.ComplianceRankingView.as_view(),
        name="patrol-compliance-rankings",
    ),
    path("stats/", StatsView.as_view(), name="stats"),
    path("stats/definitions/", StatsDefinitionsView.as_view(), name="stats-definitions"),
    path("stats/records/", StatsRecordsView.as_view(), name="stats-records"),
    path("dashboard/", DashboardView.as_view(), name="dashboard-api"),
    path("dashboard/map/", DashboardMapView.as_view(), name="dashboard-map"),
    path("ledgers/roster/", include("rivers.api_ledger")),
    path("ledgers/", include(api_ledger.asset_urlpatterns)),
    # Before the router, whose issues/<pk>/ would otherwise take it.
    path("issues/ledger/", IssueLedgerView.as_view(), name="issue-ledger"),
    # Every stored photo, for the accounts that see its record (core.media).
    path("files/<slug:kind>/<int:pk>/", StoredFileView.as_view(), name="stored-file"),
    path("", include(router.urls)),
]
