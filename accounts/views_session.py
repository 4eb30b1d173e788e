"""The page's "继续工作": a signed-in user says they are still there before the idle limit ends
the session (accounts.middleware). POST only, with the CSRF token; it answers the new limits."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .middleware import session_deadlines, session_touch


@never_cache
@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        # The session has already ended (or never was): say so, a page must not be sent here.
        return JsonResponse({"detail": "not signed in"}, status=401)
    session_touch(request.session)
    idle_ends_at, ends_at = session_deadlines(request.session) or (None, None)
    return JsonResponse({"idle_ends_at": idle_ends_at, "ends_at": ends_at})
