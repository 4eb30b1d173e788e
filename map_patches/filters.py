import django_filters
from django.utils.translation import gettext_lazy as _

from accounts.filters import DatedFilterSet

from .models import MapPatch, PatchBatch


class PatchBatchFilter(DatedFilterSet):
    date_field = "imported_at__date"

    class Meta:
        model = PatchBatch
        fields: list[str] = []


class MapPatchFilter(DatedFilterSet):
    """``date_from``/``date_to`` select patches by the day they were checked."""

    date_field = "checked_at__date"
    batch = django_filters.NumberFilter(field_name="batch", label=_("图斑批次"))

    class Meta:
        model = MapPatch
        fields = ["verdict"]
