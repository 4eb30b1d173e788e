"""What every page needs to know of the session's limits (accounts.middleware): the page warns
before the session ends, so that nothing typed is lost (static/js/session.js); and whether the
session has still to give its second factor (accounts.twofa)."""

from django.conf import settings
from django.http import HttpRequest

from .middleware import session_deadlines
from .twofa import second_factor_satisfied


def session_limits(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated or session is None:
        return {}
    # A session still to give its second factor (accounts.twofa) is shown no menu: every link
    # would lead back to the code step.
    pending = {} if second_factor_satisfied(request) else {"second_factor_pending": True}
    deadlines = session_deadlines(session)
    if deadlines is None:
        return pending
    return {
        "session_idle_seconds": settings.SESSION_IDLE_MINUTES * 60,
        "session_ends_at": deadlines[1],
        **pending,
    }
