"""Sessions end 30 minutes after the last request or 12 hours after the login, whichever is first.

SESSION_COOKIE_AGE alone cannot do either: Django slides a session's expiry on every save. So the
login time and the last request's time are kept in the session itself (stamped at login by
``stamp_login``) and checked on every request that carries a logged-in session.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.utils.translation import gettext as _

LOGIN_AT = "portal_login_at"
SEEN_AT = "portal_seen_at"
# The last request's time is written at most once a minute, so a busy page costs no session
# write per request; idle time is therefore counted to the minute.
TOUCH_EVERY_SECONDS = 60


def stamp_login(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: the session that login() has just cycled starts its clocks.
    A token login (no session of this user) is left alone."""
    session = getattr(request, "session", None)
    if session is None or session.get(SESSION_KEY) != user._meta.pk.value_to_string(user):
        return
    now = int(time.time())
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


def session_deadlines(session) -> tuple[int, int] | None:
    """When the session ends if nothing more is sent (idle) and at the latest (since login), as
    Unix times; None for a session without the clocks (not logged in through a page)."""
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT)
    if login_at is None or seen_at is None:
        return None
    return (
        int(seen_at) + settings.SESSION_IDLE_MINUTES * 60,
        int(login_at) + settings.SESSION_MAX_HOURS * 3600,
    )


def session_touch(session) -> None:
    """Count the user as active now (a page's "继续工作", an autosave), whatever the minute."""
    if LOGIN_AT in session:
        session[SEEN_AT] = int(time.time())


def session_expired(session, now: float) -> bool:
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT)
    if login_at is None or seen_at is None:
        return False
    return (
        now - login_at > settings.SESSION_MAX_HOURS * 3600
        or now - seen_at > settings.SESSION_IDLE_MINUTES * 60
    )


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            now = time.time()
            if session_expired(session, now):
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.info(request, _("登录已超时，请重新登录。"))
            elif LOGIN_AT not in session or SEEN_AT not in session:
                # A session from before these limits: its clocks start now.
                session[LOGIN_AT] = session.get(LOGIN_AT, int(now))
                session[SEEN_AT] = int(now)
            elif now - session[SEEN_AT] >= TOUCH_EVERY_SECONDS:
                session[SEEN_AT] = int(now)
        return self.get_response(request)
