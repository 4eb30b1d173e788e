"""Template tags of the document pages (templates/documents/): a row's state and the attributes
the polling script (static/js/documents.js) follows.

    {% load documents %}
    {% document_state row as doc %}
    <tr{% document_attrs doc %}>...{% include "documents/links.html" %}</tr>
"""

from dataclasses import dataclass
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from core import documents

register = template.Library()


@dataclass(frozen=True)
class FileLink:
    name: str
    label: Any
    url: str
    ready: bool


@dataclass(frozen=True)
class DocumentState:
    kind: documents.DocumentKind
    row: Any
    status_url: str
    detail_url: str | None
    building: bool
    files: list[FileLink]


@register.simple_tag
def document_state(row) -> DocumentState:
    kind = documents.kind_of(row)
    return DocumentState(
        kind=kind,
        row=row,
        status_url=documents.status_url(kind, row),
        detail_url=kind.detail_url(row),
        building=documents.is_building(row),
        files=[
            FileLink(
                name=name,
                label=spec.label,
                url=documents.file_url(kind, row, name),
                ready=documents.is_ready(row, name),
            )
            for name, spec in kind.files.items()
        ],
    )


@register.simple_tag
def document_attrs(state: DocumentState, reload: bool = False) -> SafeString:
    """` data-document="bulletin" data-bulletin`, and while it is being built the status URL to
    poll (and, on a page of its own, ``data-reload-when-done``: the server renders the result)."""
    attrs = [("data-document", state.kind.name), (f"data-{state.kind.name}", None)]
    if state.building:
        attrs.append(("data-status-url", state.status_url))
        if reload:
            attrs.append(("data-reload-when-done", None))
    return format_html_join("", "{}", ((_attr(name, value),) for name, value in attrs))


def _attr(name: str, value: str | None) -> SafeString:
    return format_html(" {}", name) if value is None else format_html(' {}="{}"', name, value)
