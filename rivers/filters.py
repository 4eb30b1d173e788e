import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.filters import DatedFilterSet, RegionFilterSet
from accounts.models import Region

from .models import Chief, Facility, MonitoringPoint, Outfall, Reach, River, Sign, WaterReading


class RegionListFilter(RegionFilterSet):
    class Meta:
        model = Region
        fields = ["level", "parent"]


class RiverFilter(RegionFilterSet):
    class Meta:
        model = River
        fields = ["kind"]


class ReachFilter(RegionFilterSet):
    class Meta:
        model = Reach
        fields = ["river", "bank"]


class ChiefFilter(DatedFilterSet):
    """``date_from``/``date_to`` select whoever served at any time in the period."""

    serving = django_filters.BooleanFilter(
        field_name="relieved_on", lookup_expr="isnull", label=_("在任")
    )
    reach = django_filters.NumberFilter(field_name="reaches", label=_("河段"))

    class Meta:
        model = Chief
        fields = ["role"]

    def filter_date_from(self, queryset, name, value):
        return queryset.serving_between(value, None)

    def filter_date_to(self, queryset, name, value):
        return queryset.serving_between(None, value)


class SignFilter(DatedFilterSet):
    date_field = "updated_on"

    class Meta:
        model = Sign
        fields = ["reach"]


class OutfallFilter(RegionFilterSet):
    class Meta:
        model = Outfall
        fields = ["reach", "kind"]


class FacilityFilter(RegionFilterSet):
    class Meta:
        model = Facility
        fields = ["reach", "kind"]


class MonitoringPointFilter(RegionFilterSet):
    class Meta:
        model = MonitoringPoint
        fields = ["river", "reach", "level", "water_body", "target_grade"]


class WaterReadingFilter(DatedFilterSet):
    date_field = "sampled_on"
    river = django_filters.NumberFilter(field_name="point__river", label=_("河流"))

    class Meta:
        model = WaterReading
        fields = ["point"]
