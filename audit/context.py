"""Where an action came from: the request being served, kept in a context variable.

The services write the audit log but are not handed the request (their signatures stay about
the work: ``user`` and the record). A tiny middleware puts the request in a context variable for
the length of the request; ``audit_record`` reads the address, the client and the path from it.
Outside a request (Celery tasks, management commands) there is none and those columns stay empty.
"""

import contextvars
import ipaddress

from django.core.exceptions import ValidationError
from django.http import HttpRequest

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_request", default=None
)


def current_request() -> HttpRequest | None:
    return _current_request.get()


def client_ip(request: HttpRequest) -> str | None:
    """The address the login lockout and the public reports' limits count (core.clientip:
    REMOTE_ADDR, or behind a trusted proxy its X-Forwarded-For), so the log and they agree."""
    from core.clientip import client_ip as sender

    try:
        return str(ipaddress.ip_address(sender(request)))
    except ValueError:
        return None


def other_region(response) -> bool | None:
    """For a 404 from an API detail route: whether the record asked for exists, outside the
    account's scope (True) or nowhere (False). None where the view is not such a route (pages,
    lists): the entry then says only that something was not found."""
    view = (getattr(response, "renderer_context", None) or {}).get("view")
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
    kwargs = getattr(view, "kwargs", None) or {}
    if view is None or not lookup or lookup not in kwargs or not hasattr(view, "get_queryset"):
        return None
    field = getattr(view, "lookup_field", "pk")
    try:
        scoped = view.get_queryset()
        wanted = {field: kwargs[lookup]}
        if scoped.filter(**wanted).exists():
            return False  # it is in scope: the 404 is about something else (a missing file)
        return scoped.model._base_manager.filter(**wanted).exists()
    except (ValueError, TypeError, ValidationError):
        return False  # not even a valid key


class AuditContextMiddleware:
    """Keeps the request at hand for ``audit_record``, and records every 403 answer that no view
    recorded itself (web pages, CSRF refusals; the API's are recorded by its exception handler)
    and every 404 answered to a logged-in account (a probe of other regions' records), both at
    most once per account and path a minute (audit.services)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
            if response.status_code == 403 and not getattr(request, "_audit_denied", False):
                from .services import audit_denied

                audit_denied(request=request, reason=getattr(response, "reason_phrase", ""))
            elif response.status_code == 404:
                user = getattr(request, "user", None)
                if user is not None and user.is_authenticated:
                    from .services import audit_not_found

                    audit_not_found(request=request, other_region=other_region(response))
            return response
        finally:
            _current_request.reset(token)
