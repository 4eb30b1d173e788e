import datetime
import uuid as uuid_lib
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.querysets import ScopedQuerySet
from core.models import Job, JobStatus
from rivers.models import LAT_VALIDATORS, LON_VALIDATORS, ChiefRole

from .periods import Period


class PatrolRule(models.Model):
    """How often a role must patrol, and what a patrol needs to count.

    Several rules of one role may split the year (``months``); a rule with no months applies in
    every month no other rule of the role names. A rule is in force from ``valid_from`` to
    ``valid_to`` (open when empty): an edit closes the row and starts a new one, so the figures of
    a month already past never change (patrols.services.patrol_rule_change).
    """

    role = models.CharField(_("类别"), max_length=24, choices=ChiefRole.choices)
    period = models.CharField(_("周期"), max_length=16, choices=Period.choices)
    min_count = models.PositiveSmallIntegerField(
        _("每周期最少次数"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    min_minutes = models.PositiveSmallIntegerField(
        _("有效巡河最短时长（分钟）"), default=10, validators=[MaxValueValidator(24 * 60)]
    )
    min_km = models.DecimalField(
        _("有效巡河最短距离（公里）"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0.30"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    months = models.JSONField(
        _("适用月份"), default=list, blank=True, help_text=_("1-12 的列表；留空表示全年适用。")
    )
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(
        _("失效日期"), null=True, blank=True, help_text=_("最后适用的一天；留空表示长期有效。")
    )

    class Meta:
        verbose_name = _("巡河规则")
        verbose_name_plural = _("巡河规则")
        ordering = ["role", "valid_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="patrol_rule_valid_to_after_from",
                violation_error_message=_("失效日期不能早于生效日期。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.get_period_display()} {self.min_count}"

    def in_force_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def in_force_between(self, first: datetime.date, last: datetime.date) -> bool:
        """In force on some day of [first, last]."""
        return self.valid_from <= last and (self.valid_to is None or self.valid_to >= first)


class PatrolQuerySet(ScopedQuerySet):
    region_lookup = "reach__region"


class FindingQuerySet(ScopedQuerySet):
    region_lookup = "patrol__reach__region"


class FindingPhotoQuerySet(ScopedQuerySet):
    region_lookup = "finding__patrol__reach__region"


class Patrol(models.Model):
    uuid = models.UUIDField(
        _("客户端编号"),
        unique=True,
        default=uuid_lib.uuid4,
        help_text=_("由客户端生成；重复提交同一编号不会产生第二条记录。"),
    )
    chief = models.ForeignKey(
        "rivers.Chief", verbose_name=_("河长"), on_delete=models.PROTECT, related_name="patrols"
    )
    reach = models.ForeignKey(
        "rivers.Reach", verbose_name=_("河段"), on_delete=models.PROTECT, related_name="patrols"
    )
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"))
    # The local (Asia/Shanghai) date of the start: what periods and reports count by.
    started_on = models.DateField(_("巡河日期"), editable=False)
    track_raw = models.JSONField(_("原始轨迹"), null=True, blank=True)
    track = models.JSONField(_("轨迹"), null=True, blank=True)
    points_dropped = models.PositiveIntegerField(_("剔除的漂移点"), default=0)
    distance_km = models.DecimalField(
        _("里程（公里）"), max_digits=7, decimal_places=3, default=Decimal("0")
    )
    valid = models.BooleanField(_("有效"), default=False)
    invalid_reason = models.CharField(_("无效原因"), max_length=200, blank=True)
    notes = models.TextField(_("巡河情况"), blank=True, max_length=5000)
    # Filed more than PATROL_MAX_AGE_DAYS days after it started: by the office, with a reason.
    filed_late = models.BooleanField(_("补录"), default=False)
    late_reason = models.CharField(_("补录原因"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    objects = PatrolQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡河记录")
        verbose_name_plural = _("巡河记录")
        # The id breaks ties, so pages never repeat or skip a patrol of the same minute.
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gt=F("started_at")),
                name="patrol_ends_after_it_starts",
                violation_error_message=_("结束时间必须晚于开始时间。"),
            ),
            models.CheckConstraint(
                condition=Q(distance_km__gte=0), name="patrol_distance_not_negative"
            ),
        ]
        indexes = [
            # The lists' default order (API, workbench): a page is read off this index.
            models.Index(fields=["-started_at", "-id"], name="patrol_started_desc"),
            models.Index(fields=["chief", "started_on"], name="patrol_chief_day"),
            models.Index(fields=["started_on"], name="patrol_day"),
            # Compliance counts valid patrols per chief by day: this index alone answers it.
            models.Index(
                fields=["chief", "started_on"],
                condition=Q(valid=True),
                name="patrol_valid_chief_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chief.name} {self.started_on}"


class Finding(models.Model):
    """Something seen on a patrol; the issues app turns findings into tickets."""

    # No foreign key in the database: patrols are partitioned by month and their key there is
    # (id, started_on) (patrols/migrations/0012). Django still deletes the findings of a patrol.
    patrol = models.ForeignKey(
        Patrol,
        verbose_name=_("巡河记录"),
        on_delete=models.CASCADE,
        related_name="findings",
        db_constraint=False,
    )
    description = models.CharField(_("问题描述"), max_length=500)
    lat = models.DecimalField(
        _("纬度"), max_digits=9, decimal_places=6, null=True, blank=True, validators=LAT_VALIDATORS
    )
    lon = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True, validators=LON_VALIDATORS
    )

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡河发现")
        verbose_name_plural = _("巡河发现")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description[:40]


def photo_path(instance: "FindingPhoto", filename: str) -> str:
    # The name is chosen by the service (random, with the detected format's extension).
    return f"patrols/{filename}"


class FindingPhoto(models.Model):
    finding = models.ForeignKey(
        Finding, verbose_name=_("巡河发现"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(
        _("照片"), upload_to=photo_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(_("宽度"), null=True, editable=False)
    height = models.PositiveIntegerField(_("高度"), null=True, editable=False)
    exif = models.JSONField(_("EXIF 信息"), default=dict, blank=True)
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)

    objects = FindingPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


# The statuses of every job row; the old name stays for the code that uses it.
BulletinStatus = JobStatus


class Bulletin(Job):
    """The monthly bulletin (月通报) of one street's patrols: a job row, then the published record.

    ``data`` is the snapshot the page and the PDF are made from, so a bulletin stays as published
    when patrols are corrected later; only a deliberate rebuild takes in the corrections.
    """

    street = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("街道"),
        on_delete=models.PROTECT,
        related_name="bulletins",
        limit_choices_to={"level": "street"},
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天。"))
    data = models.JSONField(_("通报数据"), default=dict, blank=True)
    pdf = models.FileField(_("PDF 文件"), upload_to="bulletins/", blank=True)

    class Meta:
        verbose_name = _("巡河月通报")
        verbose_name_plural = _("巡河月通报")
        ordering = ["-month", "street__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "month"],
                name="bulletin_unique_street_month",
                violation_error_message=_("该街道该月的通报已存在。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.street.name} {self.month:%Y-%m}"
