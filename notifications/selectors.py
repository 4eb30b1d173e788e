"""Reads for notifications: one's own messages."""

from django.db.models import QuerySet

from accounts.models import User

from .models import Notification


def notification_list(*, user: User) -> QuerySet[Notification]:
    """Only the account's own messages: anyone else's answer 404."""
    return Notification.objects.filter(recipient=user).select_related("issue")
