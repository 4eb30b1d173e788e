"""Reading a record's change history (README, "Change history").

The ``history`` app (the top layer) records every insert, change and delete of a tracked row
with PostgreSQL triggers (django-pghistory); this reads them through pghistory's ``Events``,
which gathers a record's events from its event table, each with the difference from the one
before. Core reads them without importing ``history``: pghistory finds a model's event table.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from pghistory.models import Events

# The office and the admin read histories; a chief or a leader does not.
HISTORY_ROLES = frozenset({"admin", "office"})

ACTIONS = {"insert": "create", "update": "update", "delete": "delete"}
ACTION_LABELS = {"create": _("新建"), "update": _("修改"), "delete": _("删除")}


def can_read_history(user) -> bool:
    return getattr(user, "effective_role", None) in HISTORY_ROLES


def is_tracked(model: type[models.Model]) -> bool:
    return bool(getattr(model._meta.concrete_model, "pgh_event_models", None))


def history_events(*, instance: models.Model) -> models.QuerySet:
    """The record's events, newest first (a queryset: paginate it, then ``history_entries``)."""
    if not is_tracked(type(instance)):
        return Events.objects.none()
    return Events.objects.tracks(instance).order_by("-pgh_created_at", "-pgh_id")


@dataclass
class Change:
    name: str
    label: str
    old: Any
    new: Any
    old_text: str = ""
    new_text: str = ""


@dataclass
class HistoryEntry:
    at: datetime.datetime
    by: str | None
    by_id: int | None
    action: str
    via: str
    changes: list[Change] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    def as_api(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "by": self.by,
            "by_id": self.by_id,
            "action": self.action,
            "via": self.via,
            "changes": {c.name: [c.old, c.new] for c in self.changes},
        }


def _via(context: dict | None) -> str:
    """How the change was made: a request's URL, a Celery task, or neither (a shell, a
    command, a migration)."""
    if not context:
        return "shell"
    if context.get("url"):
        return str(context["url"])
    if context.get("task"):
        return f"task:{context['task']}"
    return "shell"


def history_entries(*, model: type[models.Model], events) -> list[HistoryEntry]:
    """The events as entries: who by name, and per change the field's name, its label and the
    old and new values, as stored (``old``/``new``) and as read (``*_text``). Two queries at
    most beyond the events: the users, and the records the changed references point at."""
    events = list(events)
    columns = {f.column: f for f in model._meta.concrete_fields}
    order = {f.name: i for i, f in enumerate(model._meta.concrete_fields)}
    user_ids = {
        int(e.pgh_context["user"])
        for e in events
        if e.pgh_context and str(e.pgh_context.get("user") or "").isdigit()
    }
    users = get_user_model().objects.in_bulk(user_ids) if user_ids else {}

    entries = []
    for event in events:
        action = ACTIONS.get(event.pgh_label, event.pgh_label)
        if action == "create":
            # The first snapshot: every field set, from nothing.
            raw = {
                k: [None, v] for k, v in (event.pgh_data or {}).items() if v not in (None, "", [])
            }
        else:
            raw = event.pgh_diff or {}
        changes = []
        for column, (old, new) in raw.items():
            f = columns.get(column)
            if f is None or f.primary_key:
                continue
            changes.append(Change(name=f.name, label=str(f.verbose_name), old=old, new=new))
        changes.sort(key=lambda change: order[change.name])  # as the model lists its fields
        context = event.pgh_context or {}
        user_id = context.get("user")
        user = users.get(int(user_id)) if str(user_id or "").isdigit() else None
        entries.append(
            HistoryEntry(
                at=event.pgh_created_at,
                by=_user_name(user) if user else None,
                by_id=user.pk if user else None,
                action=action,
                via=_via(context),
                changes=changes,
            )
        )
    _describe(model, entries)
    return entries


def _user_name(user) -> str:
    full = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def _describe(model: type[models.Model], entries: list[HistoryEntry]) -> None:
    """Fill each change's readable values: a choice's label, 是/否, a referenced record's name
    (one query per referenced model), a date as written."""
    wanted: dict[type[models.Model], set] = {}
    for entry in entries:
        for change in entry.changes:
            f = model._meta.get_field(change.name)
            if f.is_relation and f.related_model is not None:
                wanted.setdefault(f.related_model, set()).update(
                    v for v in (change.old, change.new) if v is not None
                )
    found = {
        related: related._default_manager.in_bulk(ids) for related, ids in wanted.items() if ids
    }
    for entry in entries:
        for change in entry.changes:
            f = model._meta.get_field(change.name)
            change.old_text = _readable(f, change.old, found)
            change.new_text = _readable(f, change.new, found)


def _readable(f: models.Field, value: Any, found: dict) -> str:
    if value is None or value == "":
        return "—"
    if f.is_relation and f.related_model is not None:
        obj = found.get(f.related_model, {}).get(value)
        return str(obj) if obj is not None else f"#{value}"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(f, models.BooleanField):
        return str(_("是") if value else _("否"))
    if isinstance(f, models.DateTimeField) and isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            return value
        if timezone.is_aware(parsed):
            parsed = timezone.localtime(parsed)
        return parsed.strftime("%Y-%m-%d %H:%M")
    if isinstance(f, models.DateField) and isinstance(value, str):
        parsed = parse_date(value)
        return parsed.isoformat() if parsed else value
    if isinstance(f, models.DecimalField):
        return format(decimal.Decimal(str(value)).normalize(), "f")
    if isinstance(value, list | dict):
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        return text or "—"
    return str(value)


# The newest changes a record's page shows; the API serves them all, page by page.
PAGE_HISTORY_ROWS = 20


def recent_history(*, user, instance: models.Model) -> dict | None:
    """A record's page's history section: its newest changes, or None when the user may not
    read histories or the record is not tracked."""
    if not can_read_history(user) or not is_tracked(type(instance)):
        return None
    events = list(history_events(instance=instance)[: PAGE_HISTORY_ROWS + 1])
    return {
        "entries": history_entries(model=type(instance), events=events[:PAGE_HISTORY_ROWS]),
        "more": len(events) > PAGE_HISTORY_ROWS,
    }
