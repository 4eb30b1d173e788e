"""Forms drawn from an API serializer: the fields it lets a client write, as Django widgets.

They only render. Validation is the serializer's (the API's rules, written once); its errors are
put back on these forms next to each field by core.forms.form_show_errors, and what the user
typed stays in the widgets."""

import json

from django import forms
from rest_framework import serializers as drf

from core.pickers import use_picker

from .display import label_queryset

TEXTAREA_FROM = 200  # CharFields longer than this (or unbounded) get a text area


class SerializerForm(forms.Form):
    use_required_attribute = False  # the serializer decides; no browser-side duplicate rules


def _choices(field: drf.ChoiceField, required: bool) -> list:
    choices = list(field.choices.items())
    if not required or getattr(field, "allow_blank", False) or getattr(field, "allow_null", False):
        choices = [("", "---------"), *choices]
    return choices


def form_field(field: drf.Field) -> forms.Field | None:
    """The widget for one writable serializer field, or None when a form cannot carry it."""
    common = {
        "label": field.label or field.field_name,
        "help_text": field.help_text or "",
        "required": bool(field.required),
    }
    if isinstance(field, drf.ManyRelatedField):
        queryset = label_queryset(field.child_relation.get_queryset())
        chosen = forms.ModelMultipleChoiceField(queryset=queryset, **common)
        use_picker(chosen)  # a county's 7,000 reaches: searched, not listed
        return chosen
    if isinstance(field, drf.RelatedField):
        queryset = label_queryset(field.get_queryset())
        chosen = forms.ModelChoiceField(queryset=queryset, **common)
        use_picker(chosen)
        return chosen
    if isinstance(field, drf.BooleanField):
        return forms.BooleanField(**{**common, "required": False})
    if isinstance(field, drf.ChoiceField):
        return forms.ChoiceField(choices=_choices(field, field.required), **common)
    if isinstance(field, drf.ListField):
        child = field.child
        if isinstance(child, drf.ChoiceField):
            # A list of codes (an event's venues, a check's topics): one tick box each.
            return forms.MultipleChoiceField(
                choices=list(child.choices.items()),
                widget=forms.CheckboxSelectMultiple,
                **common,
            )
        low, high = getattr(child, "min_value", None), getattr(child, "max_value", None)
        if isinstance(child, drf.IntegerField) and low is not None and high is not None:
            return forms.MultipleChoiceField(
                choices=[(n, n) for n in range(low, high + 1)],
                widget=forms.CheckboxSelectMultiple,
                **common,
            )
        return None
    if isinstance(field, drf.DateTimeField):
        return forms.DateTimeField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            **common,
        )
    if isinstance(field, drf.DateField):
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common
        )
    if isinstance(field, drf.IntegerField):
        return forms.IntegerField(**common)
    if isinstance(field, drf.DecimalField | drf.FloatField):
        return forms.DecimalField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if isinstance(field, drf.JSONField):
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    if isinstance(field, drf.FileField):
        return None
    if isinstance(field, drf.CharField):
        if field.style.get("input_type") == "password":
            return forms.CharField(widget=forms.PasswordInput(render_value=False), **common)
        if field.max_length is None or field.max_length > TEXTAREA_FROM:
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
        return forms.CharField(max_length=field.max_length, **common)
    return None


def writable_fields(serializer: drf.Serializer, exclude=()) -> dict[str, drf.Field]:
    return {
        name: field
        for name, field in serializer.fields.items()
        if not field.read_only
        and name not in exclude
        and not isinstance(field, drf.HiddenField | drf.BaseSerializer)
    }


def build_form(serializer: drf.Serializer, *, data=None, exclude=()) -> SerializerForm:
    """A form of ``serializer``'s writable fields; bound to ``data`` when given, otherwise
    filled from the serializer's instance (editing) or its defaults (new)."""
    fields: dict[str, forms.Field] = {}
    for name, field in writable_fields(serializer, exclude).items():
        widget_field = form_field(field)
        if widget_field is not None:
            fields[name] = widget_field
    form_class = type("SerializerForm", (SerializerForm,), dict(fields))
    if data is not None:
        return form_class(data=data)
    initial = {}
    instance = getattr(serializer, "instance", None)
    if instance is not None:
        represented = serializer.to_representation(instance)
        for name, field in fields.items():
            value = represented.get(name)
            if isinstance(serializer.fields[name], drf.JSONField) and value is not None:
                value = json.dumps(value, ensure_ascii=False)
            if isinstance(field.widget, forms.PasswordInput):
                value = None
            initial[name] = value
    else:
        for name in fields:
            default = serializer.fields[name].default
            if default is not drf.empty and not callable(default):
                initial[name] = default
    return form_class(initial=initial)


def serializer_data(request_data, serializer: drf.Serializer, exclude=()):
    """What the form posted, in the shape the serializer reads from an HTML form: empty JSON
    text areas are left out (the field is then not given) rather than parsed."""
    data = request_data.copy()
    for name, field in serializer.fields.items():
        if name in exclude or (
            isinstance(field, drf.JSONField) and not str(data.get(name, "")).strip()
        ):
            data.pop(name, None)
        elif isinstance(field, drf.ManyRelatedField) and name in data and hasattr(data, "setlist"):
            # A picker (core.pickers) sends its ids as one comma-separated value.
            ids = [part.strip() for value in data.getlist(name) for part in value.split(",")]
            data.setlist(name, [part for part in ids if part])
    return data
