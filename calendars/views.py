import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import ADMINS, OFFICE_ROLES, POLICY_REFUSED, writes_policy
from core.filtering import PortalFilterSet
from core.views import ScopedModelViewSet

from . import selectors, services
from .models import CalendarDay
from .serializers import CalendarCoverageSerializer, CalendarDaySerializer, DeadlineRuleSerializer


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
