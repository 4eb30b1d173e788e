"""Writes for notifications: tell accounts something once, deliver it, mark it read."""

import logging
from collections.abc import Iterable

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.broker import send_on_commit

from .channels import channel_named, configured_channels
from .models import Delivery, DeliveryStatus, Notification

logger = logging.getLogger(__name__)


def _enqueue(delivery_id: int) -> None:
    from .tasks import send_delivery  # the tasks module imports this one

    # After commit, so that the worker finds the rows and nothing is sent for a rolled-back
    # action; fail-fast and logged (core.broker), so that a broker that is down or hung
    # neither undoes nor stalls the action itself.
    send_on_commit(send_delivery, delivery_id)


@transaction.atomic
def notify(
    *,
    recipients: Iterable[User],
    issue: models.Model | None = None,
    kind: str,
    title: str,
    body: str,
    dedup_key: str,
) -> list[Notification]:
    """Store the notification for each recipient and send it over every channel that reaches
    them; the new notifications are returned. ``issue``: the issue (``issues.Issue``) the
    message is about, if any; the app that sends it passes it in (notifications sits below
    the work apps and imports none of them).

    Idempotent: ``dedup_key`` names the event (e.g. ``remind:12:2024-10-08:reminder_due``) and
    each recipient's notification is stored under it once; asking again sends nothing more.
    """
    channels = configured_channels()
    created: list[Notification] = []
    seen: set[int] = set()
    for user in recipients:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        notification, is_new = Notification.objects.get_or_create(
            dedup_key=f"{dedup_key}:user:{user.pk}"[:200],
            defaults={
                "recipient": user,
                "issue": issue,
                "kind": kind,
                "title": title[:200],
                "body": body[:5000],
            },
        )
        if not is_new:
            continue
        created.append(notification)
        for channel in channels:
            if not channel.accepts(user):
                continue
            if channel.immediate:
                channel.send(notification)
                Delivery.objects.create(
                    notification=notification,
                    channel=channel.name,
                    status=DeliveryStatus.SENT,
                    attempts=1,
                    sent_at=timezone.now(),
                )
            else:
                delivery = Delivery.objects.create(notification=notification, channel=channel.name)
                _enqueue(delivery.pk)
    return created


@transaction.atomic
def delivery_send(*, delivery_id: int) -> Delivery | None:
    """Send one pending delivery; ``None`` when it is not pending (sent already, or failed).

    The row is locked while sending, so a duplicate message waits and then finds it done.
    A failure is recorded on the row with its reason, not raised.
    """
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("notification__recipient")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .first()
    )
    if delivery is None:
        return None
    delivery.attempts += 1
    channel = channel_named(delivery.channel)
    if channel is None:
        delivery.status = DeliveryStatus.FAILED
        delivery.error = _("渠道“%(channel)s”未配置。") % {"channel": delivery.channel}
    else:
        try:
            channel.send(delivery.notification)
        except Exception as exc:
            logger.exception("delivery %s over %s failed", delivery.pk, delivery.channel)
            delivery.status = DeliveryStatus.FAILED
            delivery.error = (str(exc).strip() or type(exc).__name__)[:1000]
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.error = ""
    delivery.save(update_fields=["status", "attempts", "error", "sent_at"])
    return delivery


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark read; reading again keeps the first time."""
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification
