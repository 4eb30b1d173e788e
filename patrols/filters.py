import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import DatedFilterSet

from .models import Patrol


class PatrolFilter(DatedFilterSet):
    date_field = "started_on"
    river = django_filters.NumberFilter(field_name="reach__river", label=_("河流"))

    class Meta:
        model = Patrol
        fields = ["chief", "reach", "valid"]
