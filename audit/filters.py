import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtering import PortalFilterSet

from .models import AuditEntry


class AuditEntryFilter(PortalFilterSet):
    user = django_filters.NumberFilter(field_name="user_id", label=_("账号"))
    username = django_filters.CharFilter(label=_("用户名"))
    action = django_filters.CharFilter(label=_("操作"))
    object_type = django_filters.CharFilter(label=_("对象类型"), help_text="e.g. issues.issue")
    object_id = django_filters.CharFilter(label=_("对象编号"))
    ip = django_filters.CharFilter(label=_("IP 地址"))
    at_from = django_filters.IsoDateTimeFilter(
        field_name="at", lookup_expr="gte", label=_("开始时间（含）")
    )
    at_to = django_filters.IsoDateTimeFilter(
        field_name="at", lookup_expr="lte", label=_("结束时间（含）")
    )
    date_from = django_filters.DateFilter(
        field_name="at", lookup_expr="date__gte", label=_("开始日期（含）")
    )
    date_to = django_filters.DateFilter(
        field_name="at", lookup_expr="date__lte", label=_("结束日期（含）")
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []
