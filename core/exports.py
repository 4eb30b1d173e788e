"""Lists as ledgers (``?format=xlsx``): the API's side of ``core.ledgers``.

A list asked for ``?format=xlsx`` answers the whole filtered list as a ``LedgerExport``, which
``core.renderers.XLSXRenderer`` writes. Its title row names the region the list covers and the
filters it was asked with, in words. A view that knows its ledger better declares its columns
(``ledger_table``); otherwise they are derived from its serializer: the API's fields under their
labels, choices by their labels, related records by name (a region by its full name, through its
queryset's ``full_names()``), dates and numbers as typed cells, and no ids.

Core imports no app: what it knows of regions and scoping it asks the querysets (``full_names``,
``visible_to``), which the apps below provide.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import SkipField, get_attribute
from rest_framework.relations import ManyRelatedField, RelatedField
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .filtering import PortalFilterBackend
from .ledgers import ExportColumn, Ledger, LedgerExport, yes_no

REGION_FILTER = "region"
DATE_FROM, DATE_TO = "date_from", "date_to"
# Machine keys that mean nothing on paper: the record's id, the client's idempotency key.
SKIPPED_FIELDS = (serializers.UUIDField, serializers.HiddenField)


def check_export_size(count: int) -> None:
    """A ledger is the whole filtered list, up to a cap that keeps memory sane."""
    if count > settings.LEDGER_EXPORT_MAX_ROWS:
        message = _("导出超过 %(n)d 行，请缩小筛选范围。")
        raise ValidationError({"detail": [message % {"n": settings.LEDGER_EXPORT_MAX_ROWS}]})


def full_name(record: Any) -> str:
    """A record as a ledger names it: a region by its full name, anything else by its name."""
    if record is None:
        return ""
    return getattr(record, "full_name", None) or str(record)


def has_full_names(model: type[models.Model] | None) -> bool:
    return model is not None and hasattr(model._default_manager.none(), "full_names")


def record_names(model: type[models.Model], pks: Iterable[Any]) -> dict[Any, str]:
    """The names of ``model``'s records ``pks`` in one query (regions by their full names)."""
    records = model._default_manager.filter(pk__in=set(pks))
    if hasattr(records, "full_names"):
        return records.full_names()
    # What a record's name reads through (a reach's river) comes in the same query.
    return {record.pk: str(record) for record in records.select_related()}


# --- columns derived from a serializer --------------------------------------------------------


@dataclass(frozen=True)
class _Ref:
    """A related record, named once the whole table is read (one query per kind of record)."""

    model: type[models.Model]
    pk: Any


def _number_format(field: serializers.Field) -> str | None:
    if isinstance(field, serializers.DecimalField) and field.decimal_places:
        return "0." + "0" * field.decimal_places
    if isinstance(field, serializers.IntegerField):
        return "0"
    return None


def _choice_label(choices: dict, code: Any) -> str:
    if code in (None, ""):
        return ""
    return str(choices.get(code, code))


def _plain(field: serializers.Field, record: Any) -> Any:
    """The field's value for ``record``, typed for a cell rather than for JSON."""
    try:
        attribute = field.get_attribute(record)
    except SkipField:
        return None
    if attribute is None:
        return None
    if isinstance(field, serializers.SerializerMethodField):
        return field.to_representation(attribute)
    if isinstance(field, serializers.MultipleChoiceField):
        return [_choice_label(field.choices, code) for code in attribute]
    if isinstance(field, serializers.ChoiceField):
        return _choice_label(field.choices, attribute)
    if isinstance(field, serializers.ListField) and isinstance(
        field.child, serializers.ChoiceField
    ):
        return [_choice_label(field.child.choices, code) for code in attribute]
    if isinstance(field, serializers.BooleanField):
        return bool(attribute)
    typed = (
        serializers.DateTimeField,
        serializers.DateField,
        serializers.DecimalField,
        serializers.IntegerField,
        serializers.FloatField,
        serializers.JSONField,
    )
    if isinstance(field, typed):
        return attribute
    if isinstance(field, serializers.ListSerializer):
        items = attribute.all() if hasattr(attribute, "all") else attribute
        return [str(item) for item in items]
    return field.to_representation(attribute)


def _value(field: serializers.Field) -> Callable[[Any], Any]:
    attrs = field.source_attrs
    if isinstance(field, serializers.CharField) and len(attrs) > 1 and attrs[-1] == "name":
        # "sign.reach.region.name": the region is written by its full name.
        def named(record: Any) -> Any:
            try:
                owner = get_attribute(record, attrs[:-1])
            except (AttributeError, KeyError, ObjectDoesNotExist):
                owner = None
            if owner is not None and has_full_names(type(owner)):
                return _Ref(type(owner), owner.pk)
            return _plain(field, record)

        return named
    return lambda record: _plain(field, record)


def _relation_model(
    field: RelatedField | ManyRelatedField, owner: type[models.Model] | None
) -> type[models.Model] | None:
    """The model a relation field points at: its queryset's, or (read-only) the model field's."""
    relation = field.child_relation if isinstance(field, ManyRelatedField) else field
    if relation.queryset is not None:
        return relation.queryset.model
    if owner is None or field.source == "*":
        return None
    return _related_model(owner, "__".join(field.source_attrs))


def _related(field: RelatedField, model: type[models.Model]) -> Callable[[Any], Any]:
    def ref(record: Any) -> Any:
        try:
            attribute = field.get_attribute(record)
        except SkipField:
            return None
        pk = getattr(attribute, "pk", attribute)
        return None if pk is None else _Ref(model, pk)

    return ref


def _many(field: ManyRelatedField, model: type[models.Model]) -> Callable[[Any], Any]:
    def refs(record: Any) -> Any:
        try:
            related = field.get_attribute(record)
        except SkipField:
            return None
        return [_Ref(model, item.pk) for item in related]

    return refs


def _resolve(table: list[list[Any]]) -> None:
    """Replace every related record by its name, one query per kind of record."""
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for row in table:
        for value in row:
            for ref in value if isinstance(value, list) else [value]:
                if isinstance(ref, _Ref):
                    wanted[ref.model].add(ref.pk)
    names = {model: record_names(model, pks) for model, pks in wanted.items()}

    def name(ref: Any) -> Any:
        return names[ref.model].get(ref.pk, "") if isinstance(ref, _Ref) else ref

    for row in table:
        for index, value in enumerate(row):
            row[index] = [name(item) for item in value] if isinstance(value, list) else name(value)


def serializer_table(
    serializer: serializers.Serializer, records: Sequence[Any], *, exclude: Iterable[str] = ()
) -> tuple[list[ExportColumn], list[list[Any]]]:
    """The ledger's columns and rows for ``records``, derived from ``serializer``'s fields.

    No id: a record's own id and client key are left out, and a related record's id gives way
    to the field that names it (``reach`` to ``reach_name``), or is replaced by its name; a
    region is named in full where the serializer gives its id and short name.
    """
    excluded = set(exclude)
    fields = [
        (name, field)
        for name, field in serializer.fields.items()
        if not field.write_only
        and name != "id"
        and name not in excluded
        and not isinstance(field, SKIPPED_FIELDS)
    ]
    sources = {name: field.source for name, field in fields}
    owner = getattr(getattr(serializer, "Meta", None), "model", None)
    related = {
        name: _relation_model(field, owner)
        for name, field in fields
        if isinstance(field, RelatedField | ManyRelatedField)
    }
    dropped: set[str] = set()
    for name, field in fields:
        if isinstance(field, RelatedField) and has_full_names(related[name]):
            # The region's full name stands in the id's column; its short name is not repeated.
            dropped.update(
                other for other, src in sources.items() if src == f"{sources[name]}.name"
            )

    plan: list[tuple[str, Callable[[Any], Any], str | None]] = []
    for name, field in fields:
        if name in dropped:
            continue
        label = str(field.label or name)
        if isinstance(field, RelatedField | ManyRelatedField) and related[name] is None:
            continue  # a relation the ledger cannot name
        if isinstance(field, RelatedField):
            model = related[name]
            named_by = [
                other
                for other, src in sources.items()
                if other != name and src.startswith(f"{field.source}.")
            ]
            if named_by and not has_full_names(model):
                continue
            plan.append((label, _related(field, model), None))
        elif isinstance(field, ManyRelatedField):
            if any(f"{stem}_names" in sources for stem in (name, name[:-1], name[:-2])):
                continue  # "reaches" gives way to "reach_names"
            plan.append((label, _many(field, related[name]), None))
        else:
            plan.append((label, _value(field), _number_format(field)))

    table = [[extract(record) for _label, extract, _format in plan] for record in records]
    _resolve(table)
    columns = [
        ExportColumn(label, _cell(index), number_format=number_format)
        for index, (label, _extract, number_format) in enumerate(plan)
    ]
    return columns, table


def _cell(index: int) -> Callable[[list[Any]], Any]:
    return lambda row: row[index]


# --- the filters, in words --------------------------------------------------------------------


def _related_model(model: type[models.Model], lookup: str) -> type[models.Model] | None:
    for part in lookup.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if not field.is_relation:
            return None
        model = field.related_model
    return model


def _visible_name(model: type[models.Model], pk: Any, user: Any) -> str:
    """The record's name if ``user`` sees it; an id typed into the address names nothing else."""
    records = model._default_manager.all()
    if hasattr(records, "visible_to"):
        records = records.visible_to(user)
    record = records.filter(pk=pk).first()
    return full_name(record) if record is not None else str(pk)


def _flat_choices(choices: Iterable) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, label in choices:
        if isinstance(label, list | tuple):
            flat.update(_flat_choices(label))
        else:
            flat[str(key)] = label
    return flat


def _filter_text(filterset: Any, name: str, value: Any, user: Any) -> str:
    if isinstance(value, models.Model):
        return _visible_name(type(value), value.pk, user)
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m-%d}"
    field = filterset.form.fields[name]
    choices = getattr(field, "choices", None)
    if isinstance(value, list | tuple | set | models.QuerySet):
        return "、".join(_filter_text(filterset, name, item, user) for item in value)
    if choices:
        label = _flat_choices(choices).get(str(value))
        if label is not None:
            return str(label)
    if isinstance(value, int | Decimal):
        model = _related_model(filterset.queryset.model, filterset.filters[name].field_name)
        if model is not None:
            return _visible_name(model, int(value), user)
    return str(value)


def period_words(date_from: datetime.date | None, date_to: datetime.date | None) -> str:
    """ "2026-01-01 至 2026-03-31", "2026-01-01 起", "至 2026-03-31", or ""."""
    start = f"{date_from:%Y-%m-%d}" if date_from else ""
    end = f"{date_to:%Y-%m-%d}" if date_to else ""
    if start and end:
        return _("%(start)s 至 %(end)s") % {"start": start, "end": end}
    if start:
        return _("%(start)s 起") % {"start": start}
    if end:
        return _("至 %(end)s") % {"end": end}
    return ""


def condition(label: Any, value: Any) -> str:
    return _("%(label)s：%(value)s") % {"label": label, "value": value}


def list_filters(view: Any, queryset: models.QuerySet) -> tuple[Any, list[str]]:
    """The region ``view``'s list was narrowed to (None: the account's) and its other filters
    (the period first, then each filter and the search), as the title row words them."""
    request = view.request
    filterset = PortalFilterBackend().get_filterset(request, queryset, view)
    region, words = None, []
    if filterset is not None and filterset.is_valid():
        data = filterset.form.cleaned_data
        region = data.get(REGION_FILTER) or None
        period = period_words(data.get(DATE_FROM), data.get(DATE_TO))
        if period:
            words.append(condition(_("日期"), period))
        for name in filterset.filters:
            value = data.get(name)
            if name in (REGION_FILTER, DATE_FROM, DATE_TO) or value in (None, "", [], ()):
                continue
            label = filterset.form.fields[name].label or name
            words.append(condition(label, _filter_text(filterset, name, value, request.user)))
    search = request.query_params.get(api_settings.SEARCH_PARAM, "").strip()
    if search and getattr(view, "search_fields", None):
        words.append(condition(_("关键词"), search))
    return region, words


def exporting(request: Any) -> bool:
    renderer = getattr(request, "accepted_renderer", None)
    return renderer is not None and renderer.format == "xlsx"


class LedgerExportMixin:
    """``?format=xlsx`` on a list view answers its ledger: the whole filtered list.

    ``ledger_name`` names it (default: the model's plural name); ``ledger_table`` gives its
    columns and rows where the serializer's fields do not make a good ledger; ``ledger_exclude``
    leaves serializer fields out of a derived one (a map geometry, a link).
    """

    ledger_name: str | Promise | None = None
    ledger_exclude: tuple[str, ...] = ()

    def ledger_table(
        self, records: models.QuerySet
    ) -> tuple[Sequence[ExportColumn], Iterable[Any]] | None:
        """The ledger's columns and rows for the filtered ``records``; None: derived."""
        return None

    def ledger_conditions(self) -> list[str]:
        """Words for the title beyond the list's filters (what the ledger always leaves out)."""
        return []

    def get_ledger_name(self) -> str:
        if self.ledger_name:
            return str(self.ledger_name)
        return str(self.get_queryset().model._meta.verbose_name_plural)

    def list(self, request, *args, **kwargs):
        if not exporting(request):
            return super().list(request, *args, **kwargs)
        return Response(self.ledger_export(self.filter_queryset(self.get_queryset())))

    def ledger_export(self, records: models.QuerySet) -> LedgerExport:
        check_export_size(records.count())
        table = self.ledger_table(records)
        if table is None:
            table = serializer_table(
                self.get_serializer(), list(records), exclude=self.ledger_exclude
            )
        columns, rows = table
        region, words = list_filters(self, self.get_queryset())
        ledger = Ledger(
            name=self.get_ledger_name(),
            columns=columns,
            region=full_name(region or getattr(self.request.user, "region", None)),
            # A filter that says what the ledger always says ("在任：是") is said once.
            conditions=list(dict.fromkeys([*words, *self.ledger_conditions()])),
        )
        return LedgerExport(ledger=ledger, rows=rows)
