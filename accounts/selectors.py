import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditAction, AuditEntry

from .models import ApiToken, User


def account_list(*, user: User) -> QuerySet[User]:
    return User.objects.visible_to(user).select_related("region", "chief")


def password_reset_requests_recent(*, ip: str) -> int:
    """Reset links asked for from ``ip`` within the last hour (the audit log is the count, so
    the limit holds across processes and with Redis away)."""
    since = timezone.now() - datetime.timedelta(hours=1)
    return AuditEntry.objects.filter(
        action=AuditAction.PASSWORD_RESET_REQUESTED, ip=ip, at__gte=since
    ).count()


def password_reset_limit() -> int:
    return settings.PASSWORD_RESET_MAX_PER_HOUR


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The device tokens ``user`` sees: their own; the region's for TOKEN_MANAGERS."""
    return ApiToken.objects.visible_to(user).select_related("user")


def second_factor_accounts(*, user: User) -> QuerySet[User]:
    """The accounts of ``user``'s region with whether each has an authenticator and its live
    device tokens (the office's "账号安全" page)."""
    from django.db.models import Exists, OuterRef, Prefetch
    from django_otp.plugins.otp_totp.models import TOTPDevice

    enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (
        account_list(user=user)
        .filter(is_active=True)
        .annotate(has_authenticator=Exists(enrolled))
        .prefetch_related(
            Prefetch("api_tokens", ApiToken.objects.active(), to_attr="active_tokens")
        )
    )
