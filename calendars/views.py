import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import ADMINS, OFFICE_ROLES, POLICY_REFUSED, writes_policy
from core.filtering import PortalFilterSet
from core.views import ScopedModelViewSet

from . import selectors, services
from .models import CalendarDay
from .serializers import (
    CalendarCoverageSerializer,
    CalendarDaySerializer,
    DeadlineRuleSerializer,
    HolidayNoticeSerializer,
    HolidayYearSerializer,
)


class CalendarDayFilter(PortalFilterSet):
    # Not a RegionFilterSet: the calendar is the country's, not a region's.
    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label=_("开始日期（含）")
    )
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label=_("结束日期（含）")
    )

    class Meta:
        model = CalendarDay
        fields = ["is_workday", "source"]


class CalendarDayViewSet(ScopedModelViewSet):
    """Holidays on weekdays and weekend days worked in exchange (调休); any other date is a
    working day Monday to Friday. Days written here are manual and survive the statutory sync;
    to cancel a statutory day, change it rather than delete it, or the next sync restores it."""

    selector = selectors.calendar_day_list
    create_service = services.calendar_day_create
    update_service = services.calendar_day_update
    serializer_class = CalendarDaySerializer
    filterset_class = CalendarDayFilter
    search_fields = ["name"]
    ordering_fields = ["date"]
    write_roles = ADMINS

    @extend_schema(
        responses=CalendarCoverageSerializer,
        description="The last year with holidays: warn about deadlines after it.",
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def coverage(self, request: Request) -> Response:
        data = {"last_year": selectors.calendar_coverage()}
        return Response(CalendarCoverageSerializer(data).data)

    @extend_schema(
        methods=["GET"],
        responses=HolidayYearSerializer(many=True),
        description="The years whose State Council holiday notice is entered (loaded).",
    )
    @extend_schema(
        methods=["POST"],
        request=HolidayNoticeSerializer,
        responses={201: HolidayYearSerializer},
        description=(
            "Enter a year's State Council notice: holidays as ranges, weekend days worked. "
            "A year already entered needs `replace: true`. Deadlines counted provisionally "
            "into that year are recounted."
        ),
    )
    @action(
        detail=False,
        methods=["get", "post"],
        pagination_class=None,
        filter_backends=[],
        serializer_class=HolidayNoticeSerializer,
    )
    def years(self, request: Request) -> Response:
        if request.method == "GET":
            years = selectors.holiday_year_list(user=request.user)
            return Response(HolidayYearSerializer(years, many=True).data)
        serializer = HolidayNoticeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        loaded = services.holiday_year_enter(
            user=request.user,
            year=data["year"],
            holidays=[services.HolidayRange(**h) for h in data["holidays"]],
            workdays=[services.SwappedWorkday(**w) for w in data.get("workdays", [])],
            replace=data["replace"],
        )
        return Response(HolidayYearSerializer(loaded).data, status=status.HTTP_201_CREATED)


class DeadlineRuleViewSet(ScopedModelViewSet):
    """Default rectification deadlines (整改时限) in working days, per category and urgency."""

    selector = selectors.deadline_rule_list
    serializer_class = DeadlineRuleSerializer
    filterset_fields = ["category", "urgency"]
    ordering_fields = ["category", "urgency", "working_days"]
    search_fields: list[str] = []
    write_roles = OFFICE_ROLES
    # The portal's policy: written by the county's office or an admin only.
    write_check = staticmethod(writes_policy)
    write_check_message = POLICY_REFUSED
