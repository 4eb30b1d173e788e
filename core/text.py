"""Lists in sentences: Chinese joins with 、 and ；, English with commas and semicolons."""

from collections.abc import Iterable

from django.utils.translation import gettext as _


def join_items(items: Iterable[object]) -> str:
    # Translators: the separator between items of a list inside a sentence.
    return _("、").join(str(item) for item in items)


def join_clauses(items: Iterable[object]) -> str:
    # Translators: the separator between clauses of a sentence.
    return _("；").join(str(item) for item in items)
