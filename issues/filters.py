import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.filters import DatedFilterSet

from .models import Issue, SupervisionOrder


class IssueFilter(DatedFilterSet):
    date_field = "reported_at__date"
    overdue = django_filters.BooleanFilter(field_name="overdue", label=_("已超期"))
    river = django_filters.NumberFilter(field_name="reach__river", label=_("河流"))
    assignee_region = django_filters.NumberFilter(field_name="assignee_region", label=_("责任社区"))
    assignee_chief = django_filters.NumberFilter(field_name="assignee_chief", label=_("责任河长"))

    class Meta:
        model = Issue
        fields = ["status", "category", "source", "urgency", "reach", "supervised", "referred"]


class SupervisionOrderFilter(DatedFilterSet):
    date_field = "issued_at__date"

    class Meta:
        model = SupervisionOrder
        fields = ["issue"]
