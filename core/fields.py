from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference that only resolves to records the requesting user can see.

    An id outside the user's region is answered exactly like an id that does not exist.
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return queryset.visible_to(request.user)


class ChoiceListField(serializers.ListField):
    """A list of codes of ``choices`` (a model's JSON list, e.g. an event's venues).

    A code given twice counts once, and the list is kept in the choices' order, so the same
    selection always reads the same. Not given on a full write (an HTML form with nothing
    ticked): the empty list."""

    default_error_messages = {
        "not_a_list": _("请提供选项列表。"),
        "empty": _("请至少选择一项。"),
    }

    def __init__(self, *, choices, **kwargs) -> None:
        kwargs.setdefault(
            "child",
            serializers.ChoiceField(
                choices=choices,
                error_messages={"invalid_choice": _("“{input}”不是有效的选项。")},
            ),
        )
        kwargs.setdefault("default", list)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> list[str]:
        try:
            values = set(super().to_internal_value(data))
        except serializers.ValidationError as error:
            # The field's messages as one flat list, not keyed by the items' positions.
            detail = error.detail
            if isinstance(detail, dict):
                detail = [m for messages in detail.values() for m in messages]
            raise serializers.ValidationError(detail) from error
        return [code for code in self.child.choices if code in values]
