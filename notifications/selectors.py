"""Reads for notifications: one's own messages, who the office is for a region, and the
deliveries the office watches."""

from django.db.models import Q, QuerySet

from accounts.models import Region, User
from accounts.roles import OFFICE_ROLES

from .models import Delivery, Notification


def notification_list(*, user: User) -> QuerySet[Notification]:
    """Only the account's own messages: anyone else's answer 404."""
    return Notification.objects.filter(recipient=user).select_related("issue")


def unread_count(*, user: User) -> int:
    """The bell's figure: one count over the (recipient, read_at) index."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def office_accounts_covering(*, region: Region | int) -> list[User]:
    """The active office accounts (``OFFICE_ROLES``) whose region is ``region`` or above it
    (its street, its county): the offices that see an issue there and act on it."""
    region_id = getattr(region, "pk", region)
    return list(
        User.objects.filter(is_active=True, role__in=OFFICE_ROLES)
        .filter(
            Q(region_id=region_id)
            | Q(region__children__id=region_id)
            | Q(region__children__children__id=region_id)
        )
        .distinct()
        .order_by("pk")
    )


def delivery_list(*, user: User) -> QuerySet[Delivery]:
    """The deliveries to the accounts of ``user``'s region and below, newest first."""
    return (
        Delivery.objects.filter(
            notification__recipient__in=User.objects.visible_to(user).values("pk")
        )
        .select_related("notification__recipient", "notification__issue")
        .order_by("-created_at", "-pk")
    )
