"""Two-factor sign-in pages: enrol an authenticator app, give its code after the password, new
backup codes, and the office's reset of an account's authenticator (a lost phone).

Who must use them and the one place that sends them here: accounts.twofa.
"""

from base64 import b32encode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from audit.models import AuditAction
from audit.services import audit_record

from . import selectors, services
from .twofa import check_code, has_authenticator, is_verified, locked_out, may_enrol

CODE_MAX_LENGTH = 16


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _code(request: HttpRequest) -> str:
    return request.POST.get("code", "")[:CODE_MAX_LENGTH]


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def twofa_setup(request: HttpRequest) -> HttpResponse:
    """Enrol: the QR code (SVG) and the secret as text, confirmed with a first code; then the
    backup codes, shown once. An account with an authenticator sees its state instead."""
    user = request.user
    if not may_enrol(user):
        raise PermissionDenied(_("您的账号无需两步验证。"))
    if has_authenticator(user):
        return render(request, "registration/twofa_status.html", {"verified": is_verified(request)})
    device = services.second_factor_pending_device(account=user)
    error = ""
    if request.method == "POST":
        if (response := locked_out(request, user)) is not None:
            return response
        matched, throttled = _confirm(request, device)
        if matched:
            codes = services.second_factor_confirm(account=user, device=device)
            otp_login(request, device)
            return render(
                request,
                "registration/twofa_backup_codes.html",
                {"codes": codes, "next": _next_url(request), "enrolled": True},
            )
        error = _("验证码错误，请稍等片刻再试。") if throttled else _("验证码不正确，请重新输入。")
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/twofa_setup.html",
        {
            "qr_svg": segno.make(device.config_url, error="m").svg_inline(
                scale=4, dark="#1f2933", light="#ffffff"
            ),
            "secret": _grouped(secret),
            "error": error,
            "next": _next_url(request),
        },
    )


def _confirm(request: HttpRequest, device) -> tuple[bool, bool]:
    """The enrolment's first code, through the same count and throttle as the code step."""
    from django.contrib.auth.signals import user_login_failed

    from .lockout import login_attempt

    allowed, _why = device.verify_is_allowed()
    if not allowed:
        return False, True
    code = "".join(_code(request).split())
    with login_attempt(request, request.user.get_username()):
        if code and device.verify_token(code):
            return True, False
        user_login_failed.send(
            sender=__name__,
            credentials={"username": request.user.get_username(), "second_factor": "***"},
            request=request,
        )
    return False, False


@never_cache
@login_required
def twofa_verify(request: HttpRequest) -> HttpResponse:
    """The code step after the password: the authenticator's 6 digits or a backup code."""
    user = request.user
    if is_verified(request):
        return redirect(_next_url(request))
    if not has_authenticator(user):
        return redirect("twofa-setup")
    error = ""
    if request.method == "POST":
        if (response := locked_out(request, user)) is not None:
            return response
        device, throttled = check_code(request, user, _code(request))
        if device is not None:
            otp_login(request, device)
            audit_record(
                user=user,
                action=AuditAction.LOGIN,
                detail={"second_factor": type(device).__name__},
            )
            return redirect(_next_url(request))
        if (response := locked_out(request, user)) is not None:
            return response
        error = _("验证码错误，请稍等片刻再试。") if throttled else _("验证码不正确，请重新输入。")
    return render(
        request, "registration/twofa_verify.html", {"error": error, "next": _next_url(request)}
    )


@never_cache
@login_required
@require_POST
def twofa_backup_codes(request: HttpRequest) -> HttpResponse:
    """New backup codes for a verified session (the old ones stop working), shown once."""
    if not (may_enrol(request.user) and is_verified(request)):
        raise PermissionDenied(_("请先完成两步验证。"))
    codes = services.second_factor_backup_codes(account=request.user)
    return render(
        request,
        "registration/twofa_backup_codes.html",
        {"codes": codes, "next": "/", "enrolled": False},
    )


@login_required
@require_POST
def twofa_reset(request: HttpRequest, account_id: int) -> HttpResponse:
    """The office's (or an admin's) reset of an account's authenticator: it enrols again at its
    next request. Accounts of the region only (404 beyond); audited."""
    account = get_object_or_404(selectors.account_list(user=request.user), pk=account_id)
    if account.pk != request.user.pk and not may_manage(request.user):
        raise PermissionDenied(_("您的角色无权执行此操作。"))
    services.second_factor_reset(account=account, user=request.user)
    messages.success(
        request, _("已重置 %(name)s 的两步验证，该账号下次登录时需重新绑定。") % {"name": account}
    )
    return redirect("account-security")


def may_manage(user) -> bool:
    from .roles import TOKEN_MANAGERS

    return user.effective_role in TOKEN_MANAGERS
