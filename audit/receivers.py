"""Logins, failed logins and logouts: Django announces them (the login form, the API token's
``authenticate``, the admin), so the audit log listens rather than every view calling it; and
the API's refusals, which ``core`` announces (``core.signals.request_refused``) since it imports
no app above it."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from core.signals import request_refused

from .models import AuditAction
from .services import audit_denied, audit_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs) -> None:
    audit_record(user=user, action=AuditAction.LOGIN, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already masked the password in ``credentials``; only the name is kept.
    username = str(credentials.get("username") or "")
    audit_record(action=AuditAction.LOGIN_FAILED, request=request, username=username)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(user=user, action=AuditAction.LOGOUT, request=request)


@receiver(request_refused, dispatch_uid="audit_request_refused")
def _request_refused(sender, request, reason, **kwargs) -> None:
    audit_denied(request=request, reason=reason)
