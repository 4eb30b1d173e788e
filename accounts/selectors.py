import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditAction, AuditEntry

from .models import User


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
