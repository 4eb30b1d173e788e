import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.filters import DatedFilterSet

from .models import ENDED_STATUSES, Issue, SupervisionOrder


class IssueFilter(DatedFilterSet):
    date_field = "reported_at__date"
    overdue = django_filters.BooleanFilter(field_name="overdue", label=_("已超期"))
    river = django_filters.NumberFilter(field_name="reach__river", label=_("河流"))
    assignee_region = django_filters.NumberFilter(field_name="assignee_region", label=_("责任社区"))
    assignee_chief = django_filters.NumberFilter(field_name="assignee_chief", label=_("责任河长"))
    # The home page's to-do links: open issues due in a span of days (整改时限, both inclusive).
    open = django_filters.BooleanFilter(method="filter_open", label=_("未办结"))
    deadline_from = django_filters.DateFilter(
        field_name="deadline", lookup_expr="gte", label=_("整改时限不早于")
    )
    deadline_to = django_filters.DateFilter(
        field_name="deadline", lookup_expr="lte", label=_("整改时限不晚于")
    )

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        ended = queryset.filter(status__in=ENDED_STATUSES)
        return queryset.exclude(status__in=ENDED_STATUSES) if value else ended

    class Meta:
        model = Issue
        fields = ["status", "category", "source", "urgency", "reach", "supervised", "referred"]


class SupervisionOrderFilter(DatedFilterSet):
    date_field = "issued_at__date"

    class Meta:
        model = SupervisionOrder
        fields = ["issue"]
