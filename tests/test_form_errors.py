"""core.forms: the one bridge from a service's or a serializer's refusal to a form."""

from django import forms
from django.core.exceptions import ValidationError
from rest_framework.exceptions import ValidationError as DRFValidationError

from core.forms import error_messages, form_show_errors


class PlaceForm(forms.Form):
    reach = forms.CharField()
    deadline = forms.DateField(required=False)


def test_a_service_error_with_field_names_lands_on_its_fields():
    form = form_show_errors(
        PlaceForm(initial={"reach": "x"}),
        ValidationError({"reach": ["请选择河段。"], "__all__": ["整体错误。"]}),
    )
    assert form.errors == {"reach": ["请选择河段。"], "__all__": ["整体错误。"]}


def test_a_serializer_error_for_a_field_the_form_lacks_goes_to_the_top_named():
    form = form_show_errors(
        PlaceForm(), {"non_field_errors": ["不能同时填写。"], "track": ["该字段是必填项。"]}
    )
    assert form.errors == {"__all__": ["不能同时填写。", "track: 该字段是必填项。"]}


def test_nested_names_fall_back_on_their_field():
    form = form_show_errors(PlaceForm(), {"reach": {"0": ["无效的河段。"]}})
    assert form.errors == {"reach": ["无效的河段。"]}


def test_a_plain_message_and_a_bound_form_show_only_what_was_refused():
    form = PlaceForm(data={"reach": "", "deadline": "not a date"})
    form_show_errors(form, "状态已变化，请刷新。")
    assert form.errors == {"__all__": ["状态已变化，请刷新。"]}
    assert form["deadline"].value() == "not a date"  # what was typed stays


def test_error_messages_flattens_every_shape():
    assert error_messages(DRFValidationError({"a": ["一"], "b": {"c": ["二"]}})) == ["一", "二"]
    assert error_messages(ValidationError(["三", "四"])) == ["三", "四"]
