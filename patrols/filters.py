import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.filters import DatedFilterSet, RegionFilterSet
from accounts.models import Region

from .models import Bulletin, Patrol


class PatrolFilter(DatedFilterSet):
    date_field = "started_on"
    river = django_filters.NumberFilter(field_name="reach__river", label=_("河流"))

    class Meta:
        model = Patrol
        fields = ["chief", "reach", "valid"]


def _bulletin_streets(request):
    from .bulletins import bulletin_streets

    if request is None:
        return Region.objects.none()
    return bulletin_streets(user=request.user)


class BulletinRegionFilter(RegionFilterSet):
    """``?region=``: the bulletins of the streets in that region and below (a bulletin is a
    street's; a community has none of its own). The bulletins page filters by this alone."""

    class Meta:
        model = Bulletin
        fields: list[str] = []

    def filter_region(self, queryset, name, value):
        return queryset.filter(street__in=Region.objects.subtree(value))


class BulletinFilter(BulletinRegionFilter):
    """The API list's: ``?region=``, ``?street=``, ``?month=``, ``?status=``."""

    # Only the streets the account sees, as ``?region=`` takes only its regions.
    street = django_filters.ModelChoiceFilter(queryset=_bulletin_streets, label=_("街道（镇）"))

    class Meta:
        model = Bulletin
        fields = ["street", "month", "status"]
