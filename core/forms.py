"""The one bridge from a refusal to a page: a service's ValidationError, a serializer's errors or
a plain message, put next to the fields of a Django form (or listed as messages).

Pages validate with the API's serializers and write through the services (no rule is written
twice), so what they show is whatever those refused, in whichever of the shapes they use:
``{"field": ["msg"]}``, nested dicts and lists (a serializer's nested fields), a Django
``ValidationError`` with or without field names, or one message.
"""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError as DRFValidationError

# Keys that mean "the whole form", in Django's and in DRF's wording.
FORM_WIDE = frozenset({"non_field_errors", "__all__", "detail"})


def error_pairs(errors: Any, name: str = "") -> Iterator[tuple[str, str]]:
    """``(name, message)`` for every message in ``errors``; nested names are joined with "_"
    (``track`` > ``0`` gives ``track_0``), form-wide ones have the name of their parent."""
    if isinstance(errors, DRFValidationError):
        errors = errors.detail
    if isinstance(errors, ValidationError):
        errors = errors.message_dict if hasattr(errors, "error_dict") else errors.messages
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key in FORM_WIDE:
                yield from error_pairs(value, name)
            else:
                yield from error_pairs(value, f"{name}_{key}" if name else str(key))
    elif isinstance(errors, list | tuple):
        for item in errors:
            yield from error_pairs(item, name)
    elif errors:
        yield name, str(errors)


def error_messages(errors: Any) -> list[str]:
    """Every message of ``errors``, flat (for a page that lists them, or a flash message)."""
    return [message for _name, message in error_pairs(errors)]


def form_show_errors(form: forms.BaseForm, errors: Any) -> forms.BaseForm:
    """``form`` showing ``errors`` (and nothing else) beside its fields; what was typed stays
    in its widgets (bound data or initial values).

    A message for a name the form has no field for goes to the form's top, named, so that
    "required" never appears without saying what is required; a nested name falls back on its
    first part when that is a field (``reach_0`` on ``reach``).
    """
    form._errors = forms.utils.ErrorDict()
    form.cleaned_data = {}
    for name, message in error_pairs(errors):
        target = name if name in form.fields else name.split("_")[0]
        if target not in form.fields:
            target = None
            message = f"{name}: {message}" if name else message
        form.add_error(target, message)
    return form


def own_region_first(field: forms.ModelChoiceField, *, queryset, user) -> None:
    """Offer ``queryset`` in ``field``, preselecting the user's own region when it is one of
    them (a street office asking for its own street's document)."""
    field.queryset = queryset
    if user.region_id and queryset.filter(pk=user.region_id).exists():
        field.initial = user.region_id


class StreetDocumentRequestForm(forms.Form):
    """The request form of a street's document (a bulletin, a weekly report): the street, among
    ``streets(user=...)`` and preselected for a street office, then the subclass's fields (its
    period and ``rebuild_field``)."""

    street = forms.ModelChoiceField(label=gettext_lazy("街道（镇）"), queryset=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        own_region_first(
            self.fields["street"], queryset=self.streets(user=user).order_by("code"), user=user
        )

    def streets(self, *, user) -> QuerySet:
        raise NotImplementedError


def rebuild_field(*, label: Any, keep: Any, rebuild: Any) -> forms.TypedChoiceField:
    """What to do when the document was built already: ``keep`` the published one, or
    ``rebuild`` it (cleaned to True). A choice rather than a checkbox: rebuilding replaces a
    published document, so the form says both outcomes in words."""
    return forms.TypedChoiceField(
        label=label,
        choices=[("keep", keep), ("rebuild", rebuild)],
        coerce=lambda value: value == "rebuild",
        required=False,
        empty_value=False,
        initial="keep",
    )
