"""Filters every list shares: ``?region=`` (that region and below) and the date range; and the
accounts' own list filter."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.filtering import PortalFilterSet

from .models import Region, User


def _visible_regions(request):
    if request is None:
        return Region.objects.none()
    return Region.objects.visible_to(request.user)


class RegionFilterSet(PortalFilterSet):
    region = extend_schema_field(OpenApiTypes.INT)(
        django_filters.ModelChoiceFilter(
            queryset=_visible_regions,
            method="filter_region",
            label=_("区域（含下级）"),
        )
    )

    def filter_region(self, queryset, name, value):
        return queryset.in_region(value)


class DatedFilterSet(RegionFilterSet):
    """For records with a date: ``?date_from=`` and ``?date_to=``, both inclusive."""

    date_field: str = ""

    date_from = django_filters.DateFilter(method="filter_date_from", label=_("开始日期（含）"))
    date_to = django_filters.DateFilter(method="filter_date_to", label=_("结束日期（含）"))

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__gte": value})

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(**{f"{self.date_field}__lte": value})


class AccountFilter(RegionFilterSet):
    class Meta:
        model = User
        fields = ["role", "is_active"]
