"""How a serializer field's value reads on a page: choices by their label, dates and numbers
localised, yes/no for booleans, related records by name (linked when the workbench has them)."""

import datetime
import decimal
from dataclasses import dataclass

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from rest_framework import serializers as drf
from rest_framework.fields import SkipField

EMPTY = "—"

# Related records whose name reads another row (Reach: "河流 河段"): joined when listed.
LABEL_SELECT_RELATED = {"rivers.Reach": ("river",)}


def label_queryset(queryset):
    related = LABEL_SELECT_RELATED.get(queryset.model._meta.label)
    return queryset.select_related(*related) if related else queryset


@dataclass
class Cell:
    name: str
    label: str
    value: object  # what the template prints (str or SafeString)
    numeric: bool = False


def _plain(value) -> tuple[object, bool]:
    if value is None or value == "":
        return EMPTY, False
    if isinstance(value, bool):
        return (_("是") if value else _("否")), False
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT"), False
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT"), False
    if isinstance(value, int | float | decimal.Decimal):
        return formats.number_format(value, use_l10n=True), True
    if isinstance(value, list | tuple):
        return ("、".join(str(_plain(v)[0]) for v in value) or EMPTY), False
    return str(value), False


def _link(obj) -> SafeString | str:
    from .registry import resource_for_model

    resource = resource_for_model(type(obj))
    if resource is None:
        return str(obj)
    url = reverse("workbench:detail", args=[resource.slug, obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj)


def cell(field: drf.Field, instance, *, links: bool = False) -> Cell:
    """The value of one serializer field of ``instance`` as the page shows it."""
    label = str(field.label or field.field_name)
    if isinstance(field, drf.ManyRelatedField):
        manager = getattr(instance, field.source)
        objs = list(label_queryset(manager.all())) if links else list(manager.all())
        if not objs:
            return Cell(field.field_name, label, EMPTY)
        if links:
            return Cell(
                field.field_name,
                label,
                format_html_join("、", "{}", ((_link(o),) for o in objs)),
            )
        return Cell(field.field_name, label, "、".join(str(o) for o in objs))
    if isinstance(field, drf.RelatedField):
        obj = getattr(instance, field.source, None)
        if obj is None:
            return Cell(field.field_name, label, EMPTY)
        return Cell(field.field_name, label, _link(obj) if links else str(obj))
    try:
        raw = field.get_attribute(instance)
    except (AttributeError, SkipField):
        raw = None
    if isinstance(field, drf.SerializerMethodField):
        raw = field.to_representation(raw)
    if isinstance(field, drf.ChoiceField) and raw not in (None, ""):
        return Cell(field.field_name, label, str(field.choices.get(raw, raw)))
    if isinstance(field, drf.ListField) and isinstance(raw, list | tuple):
        if isinstance(field.child, drf.ChoiceField):
            raw = [field.child.choices.get(code, code) for code in raw]
        return Cell(field.field_name, label, _plain(list(raw))[0])
    if isinstance(field, drf.JSONField):
        if isinstance(raw, dict) and raw.get("type") == "LineString":
            # A track or a reach's line: drawn on the page's map; here how many points it has.
            points = len(raw.get("coordinates") or [])
            return Cell(field.field_name, label, _("%(n)s 个点（见地图）") % {"n": points})
        return Cell(field.field_name, label, EMPTY if raw in (None, "", {}) else _("已填写"))
    if isinstance(field, drf.FileField):
        return Cell(field.field_name, label, str(raw) if raw else EMPTY)
    value, numeric = _plain(raw)
    if isinstance(raw, bool):
        value = format_html('<span class="badge {}">{}</span>', "ok" if raw else "bad", value)
    return Cell(field.field_name, label, value, numeric)


def readable_fields(serializer: drf.Serializer) -> list[drf.Field]:
    # Nested records (a patrol's findings) have pages of their own to show them.
    return [
        f
        for f in serializer.fields.values()
        if not f.write_only and not isinstance(f, drf.BaseSerializer)
    ]
