"""The portal's FilterSet base and filter backend: filter labels follow the reader's language,
and a yes/no filter given something else is refused (400), not silently dropped.

django-filter works out a label the first time something reads it (from the model field's
verbose name) and keeps that text on the filter for good; the API schema reads every label, so
whoever opened the API docs in English turned the filters English for every later reader, until
a restart. Here a label the FilterSet does not give is a lazy one, translated on each use.
"""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django_filters import BooleanFilter
from django_filters.rest_framework import DjangoFilterBackend, FilterSet
from django_filters.utils import label_for_filter

_lazy_label = lazy(label_for_filter, str)

# What django-filter's BooleanWidget reads as a yes or a no; it takes anything else for "not
# given" and quietly drops the filter, so ``?overdue=maybe`` answered every issue.
BOOLEAN_WORDS = frozenset({"true", "false", "1", "0"})


class StrictBooleanForm(forms.Form):
    """Refuses a boolean filter whose value is not one of BOOLEAN_WORDS, instead of ignoring it."""

    boolean_names: tuple[str, ...] = ()

    def clean(self):
        cleaned = super().clean()
        for name in self.boolean_names:
            raw = self.data.get(self.add_prefix(name))
            if raw not in (None, "") and str(raw).lower() not in BOOLEAN_WORDS:
                self.add_error(name, _("只能是 true 或 false。"))
        return cleaned


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

    def get_form_class(self):
        form_class = super().get_form_class()
        names = tuple(n for n, f in self.filters.items() if isinstance(f, BooleanFilter))
        if not names:
            return form_class
        return type(form_class.__name__, (StrictBooleanForm, form_class), {"boolean_names": names})


class PortalFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend whose FilterSets made from ``filterset_fields`` are PortalFilterSets."""

    filterset_base = PortalFilterSet
