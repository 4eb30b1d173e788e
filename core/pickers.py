"""Searchable pickers: a record chosen from thousands without a ``<select>`` of thousands.

A county has 10,000 chiefs, 1,500 regions, 7,000 reaches: a ``ModelChoiceField`` over them
renders every one as an ``<option>`` (the issue list once rendered 24,249). ``use_picker`` gives
such a field a ``PickerWidget`` instead: a plain text box holding the record's id (what the form
submits and validates, against the field's own scoped queryset), with the chosen record's label
beside it. ``static/js/picker.js`` turns it into a search box that asks the API
(``/api/v1/chiefs/?search=``; the API scopes the answers to the reader's region) as the user
types and puts the chosen id back in the box. Without JavaScript the id is typed in the box.

A multiple choice (a chief's reaches) carries its ids as one comma-separated box.
"""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

# The list API that searches each model (its router basename's list route), by model label.
PICKER_ROUTES: dict[str, str] = {
    "rivers.Chief": "chief-list",
    "accounts.Region": "region-list",
    "rivers.Reach": "reach-list",
    "rivers.River": "river-list",
    "accounts.User": "account-list",
}
# How many answers one search shows.
PICKER_RESULTS = 20


def _label(obj) -> str:
    return str(obj)


class PickerWidget(forms.TextInput):
    """A text box for the id, the chosen record's label next to it, and what picker.js needs."""

    def __init__(self, *, queryset: QuerySet, url: str, params: str = "", multiple=False, **kw):
        super().__init__(**kw)
        self.queryset = queryset
        self.url = url
        self.params = params
        self.multiple = multiple

    def format_value(self, value):
        if self.multiple:
            if value in (None, ""):
                return ""
            if isinstance(value, str):
                return value
            return ",".join(str(getattr(v, "pk", v)) for v in value)
        return super().format_value(getattr(value, "pk", value))

    def value_from_datadict(self, data, files, name):
        if not self.multiple:
            return super().value_from_datadict(data, files, name)
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name) or ""]
        ids = [part.strip() for value in values for part in str(value or "").split(",")]
        return [part for part in ids if part]

    def value_omitted_from_data(self, data, files, name):
        return name not in data

    def _chosen(self, value) -> list[tuple[str, str]]:
        ids = [part.strip() for part in str(value or "").split(",") if part.strip()]
        ids = [part for part in ids if part.isdigit()][:50]
        if not ids:
            return []
        found = {str(obj.pk): _label(obj) for obj in self.queryset.filter(pk__in=ids)}
        return [(pk, found[pk]) for pk in ids if pk in found]

    def render(self, name, value, attrs=None, renderer=None):
        shown = self.format_value(value) or ""
        final = self.build_attrs(self.attrs, attrs)
        final.update(type="text", name=name, value=shown)
        final["data-picker-input"] = ""
        chosen = self._chosen(shown)
        labels = format_html_join("", '<span class="picker-chosen" data-id="{}">{}</span>', chosen)
        return format_html(
            '<span class="picker" data-picker-url="{}" data-picker-params="{}" '
            'data-picker-multiple="{}" data-picker-results="{}" '
            'data-picker-empty="{}" data-picker-clear="{}">'
            '<input{}><span class="picker-labels">{}</span></span>',
            self.url,
            self.params,
            "true" if self.multiple else "false",
            PICKER_RESULTS,
            _("没有找到"),
            _("清除"),
            flatatt(final),
            labels,
        )


def picker_url(model) -> str | None:
    route = PICKER_ROUTES.get(model._meta.label)
    if route is None:
        return None
    try:
        return reverse(route)
    except NoReverseMatch:
        return None


def use_picker(field: forms.Field, *, params: str = "") -> bool:
    """Give a model choice field a picker when its model has a search API; True when it did.
    ``params`` narrows the API's answers as the field's queryset does (``level=community``)."""
    queryset = getattr(field, "queryset", None)
    if queryset is None:
        return False
    url = picker_url(queryset.model)
    if url is None:
        return False
    multiple = isinstance(field, forms.ModelMultipleChoiceField)
    placeholder = _("输入名称搜索，或填写编号")
    field.widget = PickerWidget(
        queryset=queryset,
        url=url,
        params=params,
        multiple=multiple,
        attrs={
            "placeholder": placeholder,
            "autocomplete": "off",
            "inputmode": "numeric" if not multiple else "text",
        },
    )
    return True
