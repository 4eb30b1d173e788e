"""Writes for notifications: tell accounts something once, deliver it, mark it read."""

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
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
    url: str = "",
) -> list[Notification]:
    """Store the notification for each recipient and send it over every channel that reaches
    them; the new notifications are returned. ``issue``: the issue (``issues.Issue``) the
    message is about, if any; the app that sends it passes it in (notifications sits below
    the work apps and imports none of them). ``url``: the portal page where the recipient acts
    on it (a path, e.g. the issue's page); the bell's list links there.

    Idempotent: ``dedup_key`` names the event (e.g. ``remind:12:2024-10-08:reminder_due``) and
    each recipient's notification is stored under it once; asking again sends nothing more.
    """
    channels = configured_channels()
    now = timezone.now()
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
                "url": url[:500],
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
                delivery = Delivery.objects.create(
                    notification=notification, channel=channel.name, next_attempt_at=now
                )
                _enqueue(delivery.pk)
    return created


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long after its ``attempts``-th failed attempt a delivery is tried again:
    ``NOTIFICATION_RETRY_MINUTES`` in order (1, 5, 30, 120 by default), the last one repeated."""
    table = settings.NOTIFICATION_RETRY_MINUTES
    return datetime.timedelta(minutes=table[min(attempts, len(table)) - 1])


@transaction.atomic
def delivery_send(*, delivery_id: int) -> Delivery | None:
    """Send one pending delivery that is due; ``None`` when there is nothing to do (sent
    already, failed for good, not due yet, or being sent by another worker right now).

    The row is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` and held while sending, so
    two workers (a duplicate message, the sweeper beside the first send) never send it twice:
    the second skips it, and once the first commits, the row is no longer pending or not due.
    A failure is recorded on the row with the provider's reason, not raised: the row stays
    pending, due again after ``retry_delay``, until ``NOTIFICATION_MAX_ATTEMPTS`` attempts;
    then it is failed, for the office to see (``/notifications/deliveries/``) and retry.
    """
    now = timezone.now()
    delivery = (
        Delivery.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("notification__recipient__chief")
        .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now))
        .first()
    )
    if delivery is None:
        return None
    delivery.attempts += 1
    channel = channel_named(delivery.channel)
    if channel is None:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
        delivery.error = _("渠道“%(channel)s”未配置。") % {"channel": delivery.channel}
    else:
        try:
            channel.send(delivery.notification)
        except Exception as exc:
            logger.warning(
                "delivery %s over %s failed (attempt %s): %s",
                delivery.pk,
                delivery.channel,
                delivery.attempts,
                exc,
            )
            delivery.error = (str(exc).strip() or type(exc).__name__)[:1000]
            if delivery.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = timezone.now() + retry_delay(delivery.attempts)
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.next_attempt_at = None
            delivery.error = ""
    delivery.save(update_fields=["status", "attempts", "error", "sent_at", "next_attempt_at"])
    return delivery


def due_delivery_ids(*, now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """The pending deliveries whose time has come, oldest first (the sweeper's work)."""
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def delivery_retry(*, delivery_id: int, user: User) -> Delivery:
    """The office asks a failed delivery to be sent again: pending and due now, one more
    attempt (its count goes on from where it stopped); sent after the commit."""
    updated = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.FAILED).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
    )
    delivery = Delivery.objects.get(pk=delivery_id)
    if updated:
        logger.info("delivery %s retried by %s", delivery_id, user.pk)
        _enqueue(delivery_id)
    return delivery


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark read; reading again keeps the first time."""
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_open(*, notification: Notification) -> str:
    """Mark read and answer where to go: the notification's page, or the list when it has
    none (a link that does not stay inside the portal is not followed)."""
    notification_mark_read(notification=notification)
    url = notification.url
    if not url.startswith("/") or url.startswith("//"):
        return ""
    return url


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; how many were unread."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_mark_read_about(*, user: User, issue_id: int) -> int:
    """``user`` opened the issue's page: what it was told about that issue is read, however it
    got there (the bell, its own list, a link). How many were unread."""
    return Notification.objects.filter(
        recipient=user, issue_id=issue_id, read_at__isnull=True
    ).update(read_at=timezone.now())
