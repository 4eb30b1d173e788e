from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from calendars.models import IssueCategory, Urgency
from core.models import UploadedPhoto
from rivers.models import LAT_VALIDATORS, LON_VALIDATORS
from rivers.querysets import ScopedQuerySet

__all__ = ["Issue", "IssueCategory", "IssueEvent", "IssuePhoto", "Urgency"]


class IssueSource(models.TextChoices):
    PATROL = "patrol", _("巡河发现")
    PUBLIC = "public", _("群众举报")
    SUPERIOR = "superior", _("上级交办")
    PROCURATORATE = "procuratorate", _("检察建议")
    MAP_PATCH = "map_patch", _("图斑复核")
    INSPECTION = "inspection", _("督查发现")
    OFFICE = "office", _("河长办发现")


class IssueStatus(models.TextChoices):
    REPORTED = "reported", _("待交办")
    ASSIGNED = "assigned", _("已交办")
    RECTIFYING = "rectifying", _("整改中")
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("待验收")
    CLOSED = "closed", _("已销号")


OPEN_STATUSES = frozenset(set(IssueStatus) - {IssueStatus.CLOSED})


class IssueQuerySet(ScopedQuerySet):
    def open(self):
        return self.exclude(status=IssueStatus.CLOSED)

    def in_hands_of(self, chief):
        """Handed to ``chief`` or to a region it answers for: the issues a chief may move."""
        from rivers.models import Region

        return self.filter(
            Q(assignee_chief=chief) | Q(assignee_region__in=Region.objects.subtree(chief.region_id))
        )


class Issue(models.Model):
    """A problem found at a river, from finding to sign-off (发现、交办、整改、验收、销号)."""

    code = models.CharField(_("问题编号"), max_length=40, unique=True, editable=False)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("问题描述"), max_length=5000, blank=True)
    category = models.CharField(_("问题类别"), max_length=24, choices=IssueCategory.choices)
    source = models.CharField(_("来源"), max_length=16, choices=IssueSource.choices)
    urgency = models.CharField(
        _("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    status = models.CharField(
        _("状态"), max_length=24, choices=IssueStatus.choices, default=IssueStatus.REPORTED
    )
    # The region the issue belongs to: the reach's, or where it was reported without a reach.
    region = models.ForeignKey(
        "rivers.Region", verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="issues"
    )
    reach = models.ForeignKey(
        "rivers.Reach",
        verbose_name=_("河段"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="issues",
    )
    lat = models.DecimalField(
        _("纬度"), max_digits=9, decimal_places=6, null=True, blank=True, validators=LAT_VALIDATORS
    )
    lon = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True, validators=LON_VALIDATORS
    )
    # Who must fix it: a community (region), a chief, or a department named in words.
    assignee_region = models.ForeignKey(
        "rivers.Region",
        verbose_name=_("责任社区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_issues",
    )
    assignee_chief = models.ForeignKey(
        "rivers.Chief",
        verbose_name=_("责任河长"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_issues",
    )
    assignee_unit = models.CharField(_("责任部门"), max_length=100, blank=True)
    deadline = models.DateField(_("整改时限"), null=True, blank=True)
    supervised = models.BooleanField(_("已督办"), default=False)
    referred = models.BooleanField(_("已提请研究"), default=False)
    reported_at = models.DateTimeField(_("发现时间"))
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    patrol = models.ForeignKey(
        "patrols.Patrol",
        verbose_name=_("巡河记录"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issues",
    )
    finding = models.OneToOneField(
        "patrols.Finding",
        verbose_name=_("巡河发现"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issue",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("reported_at")),
                name="issue_closed_after_reported",
                violation_error_message=_("销号时间不能早于发现时间。"),
            ),
            # The deadline is a local date: not before the day it was reported. TruncDate takes
            # the time zone in force when the SQL is made (TIME_ZONE, Asia/Shanghai, under
            # migrate), and writes SQL that PostgreSQL and the embedded SQLite both run.
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(deadline__gte=TruncDate("reported_at")),
                name="issue_deadline_not_before_reported",
                violation_error_message=_("整改时限不能早于发现日期。"),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="issue_status_deadline"),
            models.Index(fields=["region", "reported_at"], name="issue_region_reported"),
            # Open issues stay few however many closed ones pile up: the dashboard counts them
            # per region (index only) and lists the most overdue first without a sort.
            models.Index(
                fields=["region", "deadline", "reported_at"],
                condition=~Q(status="closed"),
                name="issue_open_region_deadline",
            ),
            models.Index(
                fields=["deadline", "reported_at", "id"],
                condition=~Q(status="closed"),
                name="issue_open_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class IssueSequence(models.Model):
    """The last number given per street and year, so codes read 东风-2024-0012."""

    street = models.ForeignKey("rivers.Region", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "year"], name="issue_sequence_street_year")
        ]

    def __str__(self) -> str:
        return f"{self.street_id}-{self.year}: {self.last}"


class IssueEventQuerySet(ScopedQuerySet):
    region_lookup = "issue__region"


class IssueEvent(models.Model):
    """One line of the timeline: every change, with who, when, from, to and why."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=16)
    from_status = models.CharField(
        _("原状态"), max_length=24, choices=IssueStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=24, choices=IssueStatus.choices)
    comment = models.TextField(_("说明"), max_length=2000, blank=True)
    deadline = models.DateField(_("整改时限"), null=True, blank=True)

    objects = IssueEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("处理记录")
        verbose_name_plural = _("处理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} -> {self.to_status}"


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("整改前")
    AFTER = "after", _("整改后")


class IssuePhotoQuerySet(ScopedQuerySet):
    region_lookup = "issue__region"


class IssuePhoto(UploadedPhoto):
    issue = models.ForeignKey(
        Issue, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="photos"
    )
    event = models.ForeignKey(
        IssueEvent,
        verbose_name=_("处理记录"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="photos",
    )
    stage = models.CharField(_("阶段"), max_length=8, choices=PhotoStage.choices)
    image = models.ImageField(_("照片"), upload_to="issues/")

    objects = IssuePhotoQuerySet.as_manager()

    class Meta(UploadedPhoto.Meta):
        verbose_name = _("问题照片")
        verbose_name_plural = _("问题照片")


class SupervisionOrderSequence(models.Model):
    """The last supervision order number given per street and year (督办〔2024〕12号)."""

    street = models.ForeignKey("rivers.Region", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["street", "year"], name="supervision_sequence_street_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.street_id}-{self.year}: {self.last}"


class SupervisionOrderQuerySet(ScopedQuerySet):
    region_lookup = "issue__region"


class SupervisionOrder(models.Model):
    """督办单: the formal order that comes with every escalation, manual or automatic, with the
    new deadline. What it says is kept as issued; the issue may change afterwards."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="supervision_orders"
    )
    event = models.OneToOneField(
        IssueEvent,
        verbose_name=_("处理记录"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervision_order",
    )
    street = models.ForeignKey(
        "rivers.Region", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("督办单编号"), max_length=40)
    assignee = models.CharField(_("责任方"), max_length=200, blank=True)
    original_deadline = models.DateField(_("原整改时限"), null=True, blank=True)
    deadline = models.DateField(_("新整改时限"))
    reason = models.TextField(_("督办事由"), max_length=2000, blank=True)
    issued_at = models.DateTimeField(_("督办时间"))
    # None: issued by the system (the morning job), not by a person.
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督办人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = SupervisionOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "year", "serial"], name="supervision_order_street_year_serial"
            )
        ]

    def __str__(self) -> str:
        return self.number
