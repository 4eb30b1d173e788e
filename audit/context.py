"""Where an action came from: the request being served, kept in a context variable.

The services write the audit log but are not handed the request (their signatures stay about
the work: ``user`` and the record). A tiny middleware puts the request in a context variable for
the length of the request; ``audit_record`` reads the address, the client and the path from it.
Outside a request (Celery tasks, management commands) there is none and those columns stay empty.
"""

import contextvars
import ipaddress

from django.http import HttpRequest

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_request", default=None
)


def current_request() -> HttpRequest | None:
    return _current_request.get()


def client_ip(request: HttpRequest) -> str | None:
    """The address the login lockout counts (accounts.lockout.client_ip: REMOTE_ADDR, or behind
    a proxy the header named by LOGIN_CLIENT_IP_HEADER), so the log and the lockout agree."""
    from accounts.lockout import client_ip as login_client_ip

    try:
        return str(ipaddress.ip_address(login_client_ip(request)))
    except ValueError:
        return None


class AuditContextMiddleware:
    """Keeps the request at hand for ``audit_record``, and records every 403 answer that no view
    recorded itself (web pages, CSRF refusals; the API's are recorded by its exception handler)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
            if response.status_code == 403 and not getattr(request, "_audit_denied", False):
                from .services import audit_denied

                audit_denied(request=request, reason=getattr(response, "reason_phrase", ""))
            return response
        finally:
            _current_request.reset(token)
