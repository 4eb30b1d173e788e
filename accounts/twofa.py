"""Two-factor sign-in: who must give an authenticator's code, and the one place that asks.

With REQUIRE_2FA on, an account of SECOND_FACTOR_ROLES (admin, office) that signed in with its
password holds a session that is not yet *verified* (django-otp's ``user.is_verified()``):
``TwoFactorMiddleware`` sends every page of it, the Django admin included, to the code step
(``twofa-verify``) or, with no authenticator yet, to the enrolment (``twofa-setup``), and answers
its API requests 403. Chiefs and leaders are never asked; with REQUIRE_2FA off nobody is.

A wrong code is a failed login: ``user_login_failed`` is sent, so axes counts it for the
username and address (and the audit log records it), and django-otp's throttling makes the
device refuse codes for 1, 2, 4, 8... seconds after each wrong one, which a new password login
does not reset. A locked username and address is signed out and shown the lockout page.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .lockout import lockout_response, login_attempt
from .roles import SECOND_FACTOR_ROLES

# Views an unverified session may reach: the two steps themselves, and ways out.
EXEMPT_VIEWS = frozenset(
    {
        "twofa-setup",
        "twofa-verify",
        "login",
        "logout",
        "admin:logout",
        "session-keepalive",
        "set_language",
        "healthz",
    }
)


def must_use_2fa(user) -> bool:
    """Whether ``user`` must sign in with a second factor (REQUIRE_2FA and the role)."""
    return (
        settings.REQUIRE_2FA
        and getattr(user, "is_authenticated", False)
        and user.effective_role in SECOND_FACTOR_ROLES
    )


def may_enrol(user) -> bool:
    """The accounts that enrol an authenticator: those it is (or will be) required of. With
    REQUIRE_2FA off they may enrol ahead of the switch; they are asked once it is on."""
    return user.is_authenticated and user.effective_role in SECOND_FACTOR_ROLES


def is_verified(request: HttpRequest) -> bool:
    """Whether the request's session has given its second factor (django-otp's middleware)."""
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


def second_factor_satisfied(request: HttpRequest, user=None) -> bool:
    """Whether ``user`` (the request's, by default) may act: not required, or verified."""
    user = user if user is not None else request.user
    return not must_use_2fa(user) or is_verified(request)


def has_authenticator(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def check_code(request: HttpRequest, user, code: str) -> tuple[object | None, bool]:
    """Try ``code`` against ``user``'s authenticator, then its backup codes. Returns the device
    that took it (None: wrong or throttled) and whether the device is throttled. A wrong code is
    announced as a failed login (axes counts it, the audit log records it)."""
    from django_otp import devices_for_user

    code = "".join(code.split())
    throttled = False
    with login_attempt(request, user.get_username()):
        for device in devices_for_user(user, confirmed=True):
            allowed, _why = device.verify_is_allowed()
            if not allowed:
                throttled = True
                continue
            if code and device.verify_token(code):
                return device, False
        user_login_failed.send(
            sender=__name__,
            credentials={"username": user.get_username(), "second_factor": "***"},
            request=request,
        )
    return None, throttled


def locked_out(request: HttpRequest, user) -> HttpResponse | None:
    """The lockout answer (429) when axes has locked the username and address, after signing
    the half-logged-in session out; None when not locked."""
    from axes.handlers.proxy import AxesProxyHandler

    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_locked(request, credentials):
        return None
    logout(request)
    return lockout_response(request, credentials=credentials)


class TwoFactorMiddleware:
    """Send an unverified session of an account that must use two factors to the code step
    (or the enrolment); its API requests answer 403. Requests with an ``Authorization`` header
    are the API's authentication classes' to judge (a device token is made only from a
    verified session: accounts.views_tokens)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not must_use_2fa(user) or is_verified(request):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_VIEWS:
            return None
        if request.path.startswith("/api/"):
            if "HTTP_AUTHORIZATION" in request.META:
                return None
            return JsonResponse(
                {"detail": _("请先在网页上完成两步验证（输入身份验证器中的验证码）。")}, status=403
            )
        step = "twofa-verify" if has_authenticator(user) else "twofa-setup"
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
