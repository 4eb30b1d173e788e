"""Reports from the public (群众举报): a citizen scans the QR code on a sign and reports.

The issue itself is an ordinary ``issues.Issue`` with source ``public``; this record adds what
only public reports have: the tracking code the citizen follows it by, the optional phone
number for the office to call back, and a keyed hash of the sender's address for the limits.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.querysets import ScopedQuerySet
from rivers.models import phone_validator

# No 0/O or 1/I: the code is read aloud over the phone and typed from a screenshot.
TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10  # 32**10 = 2**50 codes: not guessable, still short
DESCRIPTION_MAX_LENGTH = 1000


def tracking_code_new() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


class Triage(models.TextChoices):
    """What the office made of a report (分拣)."""

    PENDING = "pending", _("待分拣")
    ACCEPTED = "accepted", _("已受理")
    MERGED = "merged", _("已合并")
    VOIDED = "voided", _("不予受理")


class PublicReportQuerySet(ScopedQuerySet):
    region_lookup = "issue__region"


class PublicReport(models.Model):
    issue = models.OneToOneField(
        "issues.Issue",
        verbose_name=_("问题"),
        on_delete=models.CASCADE,
        related_name="public_report",
    )
    tracking_code = models.CharField(_("查询码"), max_length=16, unique=True, editable=False)
    # For the office to call back; never shown on a public page.
    reporter_phone = models.CharField(
        _("举报人电话"), max_length=24, blank=True, validators=[phone_validator]
    )
    # HMAC-SHA256 (keyed with SECRET_KEY) of the sender's address, IPv6 cut to its /64: enough
    # to count one sender's reports, not enough to say who sent them.
    client_hash = models.CharField(_("来源标识"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, editable=False)
    # Made by the report page when it is served: the same page sent twice files one report.
    client_key = models.UUIDField(
        _("客户端编号"), null=True, blank=True, unique=True, editable=False
    )

    # The office's triage: accepted as the issue it opened, merged into another issue as a
    # duplicate (the reporter's tracking page then follows that one), or not accepted.
    triage = models.CharField(
        _("分拣"), max_length=16, choices=Triage.choices, default=Triage.PENDING
    )
    triaged_at = models.DateTimeField(_("分拣时间"), null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分拣人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    merged_into = models.ForeignKey(
        "issues.Issue",
        verbose_name=_("并入问题"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_public_reports",
    )

    objects = PublicReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("群众举报")
        verbose_name_plural = _("群众举报")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["client_hash", "created_at"], name="public_report_client_time"),
            # The office's queue: the reports still to triage, newest first.
            models.Index(
                fields=["created_at"],
                condition=models.Q(triage="pending"),
                name="public_report_pending",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(triage="merged", merged_into__isnull=False)
                | (~models.Q(triage="merged") & models.Q(merged_into__isnull=True)),
                name="public_report_merged_names_its_issue",
                violation_error_message=_("合并的举报必须指明并入的问题。"),
            )
        ]

    def __str__(self) -> str:
        return self.tracking_code
