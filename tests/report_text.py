"""Reading a composed report (reports.content) as lines of text, for the tests' assertions."""

from collections.abc import Iterable
from typing import Any


def plain_text(content: dict[str, Any]) -> Iterable[str]:
    """Every line of the text in reading order (title, opening, headings, paragraphs)."""
    yield content["title"]
    yield from content["opening"]
    for section in content["sections"]:
        yield section["heading"]
        yield from section["paragraphs"]
        for part in section["parts"]:
            yield part["heading"]
            yield from part["paragraphs"]
