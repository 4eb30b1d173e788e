"""Messages to portal accounts, and their delivery over each channel (portal, email, ...).

A notification is stored once per recipient and event: its ``dedup_key`` is unique, so a job
that runs twice, or a message handled twice, cannot tell anyone the same thing twice.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.querysets import ScopedQuerySet


class NotificationKind(models.TextChoices):
    REMINDER_BEFORE = "reminder_before", _("整改时限临近")
    REMINDER_DUE = "reminder_due", _("整改时限到期")
    OVERDUE_ESCALATED = "overdue_escalated", _("超期自动督办")
    REMIND = "remind", _("催办")
    ASSIGNED = "assigned", _("交办")
    SUPERVISION = "supervision", _("督办")
    VOIDED = "voided", _("作废")
    OVERDUE = "overdue", _("整改超期")
    RETURNED = "returned", _("退回整改")
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("待验收")
    PUBLIC_REPORT = "public_report", _("群众举报")
    WEEKLY_REPORT = "weekly_report", _("周汇报")


class NotificationQuerySet(ScopedQuerySet):
    region_lookup = "issue__region"

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    issue = models.ForeignKey(
        "issues.Issue",
        verbose_name=_("问题"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=24, choices=NotificationKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), max_length=5000, blank=True)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    # Where to act on it: a path inside the portal (the issue's page, ...), empty for none.
    url = models.CharField(_("链接"), max_length=500, blank=True)
    # What the message is about and for whom, e.g. "remind:12:2024-10-08:reminder_due:user:7".
    dedup_key = models.CharField(_("去重键"), max_length=200, unique=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("消息通知")
        verbose_name_plural = _("消息通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell's unread count: one index lookup.
            models.Index(fields=["recipient", "read_at"], name="notification_recipient_read"),
            # One's own list, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_new"),
        ]

    def __str__(self) -> str:
        return self.title


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Delivery(models.Model):
    """One notification over one channel (``notifications.channels``), with how it went."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("消息通知"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    # The channel's ``name``; not a choice, so that a channel is added by settings alone.
    channel = models.CharField(_("渠道"), max_length=32)
    status = models.CharField(
        _("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.TextField(_("错误信息"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # When a pending delivery is (next) due: at once when created, later after a failed attempt
    # (settings.NOTIFICATION_RETRY_MINUTES); the sweeper sends the pending rows that are due.
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_notification_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.status}"
