"""Lists in sentences: Chinese joins with 、 and ；, English with commas and semicolons; and
whether a text shows anything at all."""

import re
import unicodedata
from collections.abc import Iterable

from django.utils.translation import gettext as _


def join_items(items: Iterable[object]) -> str:
    # Translators: the separator between items of a list inside a sentence.
    return _("、").join(str(item) for item in items)


def join_clauses(items: Iterable[object]) -> str:
    # Translators: the separator between clauses of a sentence.
    return _("；").join(str(item) for item in items)


# Characters that print nothing yet are not whitespace to str.strip(): the Hangul fillers and
# the blank Braille pattern (letters and symbols by category, blank on every screen).
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: only whitespace, control and format characters (the
    zero-width space, joiner and non-joiner U+200B-U+200D, the byte-order mark U+FEFF, direction
    marks, the soft hyphen) and the fillers above. A report of "  \u200b " says nothing."""
    return all(
        char.isspace()
        or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp")
        or char in _BLANK_LOOKING
        for char in text
    )


# Where a sentence ends: Chinese and Western stops and a line break; a full stop only before a
# space or the end (not the point in "3.5米").
SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.(?=\s|$)")


def first_sentence(text: str, limit: int) -> str:
    """A title from a text someone wrote: its first sentence without the stop, spaces
    collapsed, at most ``limit`` characters (cut with "…" only where one sentence outruns
    it). A text that starts with a stop is taken whole."""
    text = text.strip()
    match = SENTENCE_END.search(text)
    if match is not None and match.start() > 0:
        text = text[: match.start()]
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
