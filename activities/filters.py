import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.filters import DatedFilterSet
from rivers.models import FacilityKind, OutfallKind

from .models import (
    CheckTopic,
    Cleanup,
    FacilityCheck,
    Inspection,
    Meeting,
    OutfallCheck,
    PublicityEvent,
    SignUpdate,
    Venue,
)


class ActivityFilter(DatedFilterSet):
    date_field = "date"


def _listing(queryset, name: str, code: str):
    """Rows whose JSON list ``name`` holds ``code``. A LIKE on the list's text rather than
    PostgreSQL's ``@>``, so it also runs on SQLite: exact, as the codes are a fixed set of
    plain words (the ChoiceFilter refuses any other) and JSON writes each one quoted."""
    if not code:
        return queryset
    return queryset.filter(**{f"{name}__icontains": f'"{code}"'})


class PublicityEventFilter(ActivityFilter):
    venue = django_filters.ChoiceFilter(
        field_name="venues", choices=Venue.choices, method=_listing, label=_("活动场所")
    )

    class Meta:
        model = PublicityEvent
        fields = ["channel"]


class CleanupFilter(ActivityFilter):
    reach = django_filters.NumberFilter(field_name="reaches", distinct=True, label=_("河段"))

    class Meta:
        model = Cleanup
        fields = ["campaign"]


class MeetingFilter(ActivityFilter):
    class Meta:
        model = Meeting
        fields = ["kind"]


class InspectionFilter(ActivityFilter):
    topic = django_filters.ChoiceFilter(
        field_name="topics", choices=CheckTopic.choices, method=_listing, label=_("排查内容")
    )
    participant = django_filters.NumberFilter(
        field_name="participants", distinct=True, label=_("参加人员")
    )

    class Meta:
        model = Inspection
        fields = ["inspector"]


class SignUpdateFilter(ActivityFilter):
    reach = django_filters.NumberFilter(field_name="sign__reach", label=_("河段"))

    class Meta:
        model = SignUpdate
        fields = ["sign"]


class OutfallCheckFilter(ActivityFilter):
    reach = django_filters.NumberFilter(field_name="outfall__reach", label=_("河段"))
    outfall_kind = django_filters.ChoiceFilter(
        field_name="outfall__kind", choices=OutfallKind.choices, label=_("排口类型")
    )
    has_issue = django_filters.BooleanFilter(
        field_name="issue", lookup_expr="isnull", exclude=True, label=_("已生成问题工单")
    )

    class Meta:
        model = OutfallCheck
        fields = ["outfall", "result"]


class FacilityCheckFilter(ActivityFilter):
    reach = django_filters.NumberFilter(field_name="facility__reach", label=_("河段"))
    facility_kind = django_filters.ChoiceFilter(
        field_name="facility__kind", choices=FacilityKind.choices, label=_("设施类型")
    )
    has_issue = django_filters.BooleanFilter(
        field_name="issue", lookup_expr="isnull", exclude=True, label=_("已生成问题工单")
    )

    class Meta:
        model = FacilityCheck
        fields = ["facility", "result"]
