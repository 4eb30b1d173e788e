"""What every page needs to know of the session's limits (accounts.middleware): the page warns
before the session ends, so that nothing typed is lost (static/js/session.js)."""

from django.conf import settings
from django.http import HttpRequest

from .middleware import session_deadlines


def session_limits(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated or session is None:
        return {}
    deadlines = session_deadlines(session)
    if deadlines is None:
        return {}
    return {
        "session_idle_seconds": settings.SESSION_IDLE_MINUTES * 60,
        "session_ends_at": deadlines[1],
    }
