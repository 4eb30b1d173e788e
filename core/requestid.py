"""Request ids: every request carries one, from the proxy's ``X-Request-ID`` or made here, echoed
in the response's ``X-Request-ID`` and put into every log line written while it is served
(``RequestIdFilter``, in LOGGING), so one request's lines can be found across the web logs and
matched with the proxy's access log. One line per request says how it went (``portal.request``).
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

from django.http import HttpRequest, HttpResponse

from .clientip import client_ip

HEADER = "X-Request-ID"
# What we accept from outside: short, and nothing a log reader could be fooled by.
_VALID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
# The liveness probe asks every few seconds; its lines would bury everything else.
_QUIET_PATHS = frozenset({"/healthz"})

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_request_id", default=None
)
logger = logging.getLogger("portal.request")


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (the request being served, or None) to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True


class RequestIdMiddleware:
    """Outermost middleware: sets the request id before anything may log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request_id = given if _VALID.match(given) else new_request_id()
        request.request_id = request_id
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            if request.path not in _QUIET_PATHS:
                logger.info(
                    "%s %s %s",
                    request.method,
                    request.path,
                    response.status_code,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "client": client_ip(request),
                    },
                )
            return response
        finally:
            current_request_id.reset(token)
