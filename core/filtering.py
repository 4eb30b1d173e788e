"""The portal's FilterSet base and filter backend: filter labels follow the reader's language.

django-filter works out a label the first time something reads it (from the model field's
verbose name) and keeps that text on the filter for good; the API schema reads every label, so
whoever opened the API docs in English turned the filters English for every later reader, until
a restart. Here a label the FilterSet does not give is a lazy one, translated on each use.
"""

from django.utils.functional import lazy
from django_filters.rest_framework import DjangoFilterBackend, FilterSet
from django_filters.utils import label_for_filter

_lazy_label = lazy(label_for_filter, str)


class PortalFilterSet(FilterSet):
    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        model = cls._meta.model
        if model is not None:
            for filter_ in filters.values():
                if filter_._label is None:
                    filter_.label = _lazy_label(
                        model, filter_.field_name, filter_.lookup_expr, filter_.exclude
                    )
        return filters


class PortalFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend whose FilterSets made from ``filterset_fields`` are PortalFilterSets."""

    filterset_base = PortalFilterSet
