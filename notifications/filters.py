import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.filters import DatedFilterSet

from .models import Notification


class NotificationFilter(DatedFilterSet):
    date_field = "created_at__date"
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("未读")
    )

    class Meta:
        model = Notification
        fields = ["kind", "issue"]
