"""The public REST API, version 1 (shared/API.md)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.views import AccountViewSet, TokenView
from rivers import views as rivers

router = DefaultRouter()
router.register("regions", rivers.RegionViewSet, basename="region")
router.register("accounts", AccountViewSet, basename="account")
router.register("rivers", rivers.RiverViewSet, basename="river")
router.register("reaches", rivers.ReachViewSet, basename="reach")
router.register("chiefs", rivers.ChiefViewSet, basename="chief")
router.register("signs", rivers.SignViewSet, basename="sign")
router.register("outfalls", rivers.OutfallViewSet, basename="outfall")
router.register("facilities", rivers.FacilityViewSet, basename="facility")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("ledgers/roster/", include("rivers.api_ledger")),
    path("", include(router.urls)),
]
