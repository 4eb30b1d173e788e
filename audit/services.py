"""Writing the audit log. Services call ``audit_record`` beside the change they make (in the same
transaction, so a change rolled back leaves no entry), with ``changes`` as {field: [old, new]}
from ``snapshot`` before and after. Secrets never reach the table: fields named like a password,
a token or a key are stored as ``"***"`` (that they changed is kept, not what to).
"""

import json
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from .context import client_ip, current_request
from .models import AuditAction, AuditEntry

REDACTED = "***"
SECRET_NAME = re.compile(r"pass|token|secret|credential|otp|(^|_)key$", re.IGNORECASE)
# Long values (tracks, descriptions) are cut: the log says what changed, it is not a backup.
# ``detail`` may list the ids a bulk import touched, so it gets more room.
MAX_TEXT = 500
MAX_DETAIL = 100_000


def _is_secret(name: str) -> bool:
    return bool(SECRET_NAME.search(name))


def _plain(value: Any, limit: int = MAX_TEXT) -> Any:
    """A JSON value (dates as ISO text, decimals as text), long ones shortened."""
    if isinstance(value, models.Model):
        value = value.pk
    elif isinstance(value, models.QuerySet | set | frozenset | list | tuple) and any(
        isinstance(v, models.Model) for v in value
    ):
        value = sorted(item.pk if isinstance(item, models.Model) else item for item in value)
    elif isinstance(value, set | frozenset):
        value = sorted(value, key=str)
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, default=str)
    if len(text) > limit:
        if isinstance(value, str):
            return value[:limit] + "…"
        return f"[{len(text)} 字符]"
    return json.loads(text)


def redact(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """``data`` with every secret-looking key's value replaced, at any depth."""
    if not data:
        return {}
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if _is_secret(str(key)):
            clean[key] = [REDACTED, REDACTED] if isinstance(value, list | tuple) else REDACTED
        elif isinstance(value, Mapping):
            clean[key] = redact(value)
        else:
            clean[key] = value
    return clean


def snapshot(
    obj: models.Model, *, fields: Iterable[str] | None = None, m2m: bool = True
) -> dict[str, Any]:
    """The record's field values as JSON (foreign keys as ids, many-to-many as sorted ids)."""
    opts = obj._meta
    wanted = set(fields) if fields is not None else None
    values: dict[str, Any] = {}
    for field in opts.concrete_fields:
        if wanted is not None and field.name not in wanted:
            continue
        if _is_secret(field.name):
            values[field.name] = REDACTED
            continue
        values[field.name] = _plain(field.value_from_object(obj))
    if m2m and obj.pk is not None:
        for field in opts.many_to_many:
            if wanted is not None and field.name not in wanted:
                continue
            values[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return values


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list]:
    """{field: [old, new]} for what differs; a field only on one side counts as None there."""
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def created(obj: models.Model, **kwargs) -> dict[str, list]:
    """The changes of a new record: every non-empty field, from nothing."""
    return {k: v for k, v in diff({}, snapshot(obj, **kwargs)).items() if v[1] not in ("", [])}


def audit_record(
    *,
    user=None,
    action: str,
    obj: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    detail: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    username: str = "",
    system: bool = False,
) -> AuditEntry:
    """Append one entry. ``user`` defaults to the request's logged-in account unless
    ``username`` names someone else (a failed login); no user and no request: the system (the
    morning job; ``system=True`` says so even inside a request). ``request`` defaults to the one
    being served (see audit.context)."""
    request = request if request is not None else current_request()
    if user is None and not username and not system and request is not None:
        account = getattr(request, "user", None)
        if account is not None and account.is_authenticated:
            user = account
    if user is not None and not user.is_authenticated:
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk or ""
        object_repr = object_repr or str(obj)
    entry = AuditEntry(
        user=user if user is not None and user.pk else None,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        action=action[:40],
        object_type=object_type[:100],
        object_id=str(object_id)[:64],
        object_repr=object_repr[:200],
        changes=redact({k: _plain(v) for k, v in (changes or {}).items()}),
        detail=redact({k: _plain(v, MAX_DETAIL) for k, v in (detail or {}).items()}),
    )
    if request is not None:
        entry.ip = client_ip(request)
        entry.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
        entry.path = request.path[:500]
        entry.method = request.method or ""
    entry.save()
    return entry


def _recorded_lately(*, action: str, request: HttpRequest) -> bool:
    """Whether the same account (anonymous: the same address) already had ``action`` recorded
    for this path within AUDIT_REFUSAL_INTERVAL_SECONDS: a probe of 387 records, or a script
    retrying, leaves one entry per path and minute, not one per request."""
    interval = settings.AUDIT_REFUSAL_INTERVAL_SECONDS
    if interval <= 0:
        return False
    entries = AuditEntry.objects.filter(
        action=action, path=request.path[:500], at__gte=timezone.now() - timedelta(seconds=interval)
    )
    account = getattr(request, "user", None)
    if account is not None and account.is_authenticated:
        entries = entries.filter(user=account)
    else:
        entries = entries.filter(user__isnull=True, ip=client_ip(request))
    return entries.exists()


def audit_denied(*, request: HttpRequest, reason: str = "") -> AuditEntry | None:
    """A 403: who was refused what. Marks the request so the middleware does not record it
    again; None when the same refusal was recorded lately (``_recorded_lately``)."""
    request._audit_denied = True
    if _recorded_lately(action=AuditAction.DENIED, request=request):
        return None
    return audit_record(
        action=AuditAction.DENIED, request=request, detail={"reason": str(reason)[:200]}
    )


def audit_not_found(*, request: HttpRequest, other_region: bool | None) -> AuditEntry | None:
    """A 404 answered to a logged-in account. ``other_region``: the record exists but outside
    the account's region (True), does not exist at all (False), or the view cannot tell (None).
    Rate-limited like ``audit_denied``; anonymous 404s (crawlers, typed addresses) are not
    recorded: the caller checks."""
    if _recorded_lately(action=AuditAction.NOT_FOUND, request=request):
        return None
    return audit_record(
        action=AuditAction.NOT_FOUND, request=request, detail={"other_region": other_region}
    )
