from decimal import Decimal
from typing import Self

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from accounts.querysets import ScopedQuerySet
from core.geo import validate_line_string

from . import water_quality as wq
from .querysets import (
    ChiefQuerySet,
    MonitoringPointQuerySet,
    ReachScopedQuerySet,
    RiverQuerySet,
    WaterReadingQuerySet,
)
from .validators import validate_sign_code

LAT_VALIDATORS = [MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))]
LON_VALIDATORS = [MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))]
LENGTH_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10000"))]
phone_validator = RegexValidator(
    r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$",
    _("请输入有效的手机号（11位）或座机号（如 0371-12345678）。"),
)


class RiverKind(models.TextChoices):
    RIVER = "river", _("河流")
    FLOOD_CHANNEL = "flood_channel", _("洪道")
    DITCH = "ditch", _("沟渠")
    LAKE = "lake", _("湖泊")
    RESERVOIR = "reservoir", _("水库")


class River(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("河流编码"), max_length=40, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=RiverKind.choices)
    length_km = models.DecimalField(
        _("长度（公里）"), max_digits=8, decimal_places=3, validators=LENGTH_VALIDATORS
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("管理区域"),
        on_delete=models.PROTECT,
        related_name="rivers",
        help_text=_("负责管理这条河流的区域；河流流经的其他区域通过河段也能看到它。"),
    )

    objects = RiverQuerySet.as_manager()

    class Meta:
        verbose_name = _("河流")
        verbose_name_plural = _("河流")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Bank(models.TextChoices):
    LEFT = "left", _("左岸")
    RIGHT = "right", _("右岸")
    BOTH = "both", _("两岸")


class Reach(models.Model):
    river = models.ForeignKey(
        River, verbose_name=_("河流"), on_delete=models.PROTECT, related_name="reaches"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="reaches"
    )
    name = models.CharField(_("河段名称"), max_length=100)
    bank = models.CharField(_("岸别"), max_length=8, choices=Bank.choices, default=Bank.BOTH)
    length_km = models.DecimalField(
        _("长度（公里）"), max_digits=8, decimal_places=3, validators=LENGTH_VALIDATORS
    )
    # The reach drawn on the dashboard's map: a GeoJSON LineString of [lon, lat] in WGS-84.
    geometry = models.JSONField(
        _("河段走向"),
        null=True,
        blank=True,
        validators=[validate_line_string],
        help_text=_("GeoJSON LineString，WGS-84 经纬度 [经度, 纬度]，至少 2 个点。"),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("河段")
        verbose_name_plural = _("河段")
        ordering = ["river__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["river", "name"], name="reach_unique_name_in_river")
        ]

    def __str__(self) -> str:
        return f"{self.river.name} {self.name}"


class ChiefRole(models.TextChoices):
    GENERAL_CHIEF = "general_chief", _("总河长")
    STREET_CHIEF = "street_chief", _("街级河长")
    COMMUNITY_CHIEF = "community_chief", _("社区级河长")
    LIAISON = "liaison", _("河长联络员")
    PUBLIC_SUPERVISOR = "public_supervisor", _("社会监督员")
    CLEANER = "cleaner", _("保洁员")
    POLICE_CHIEF = "police_chief", _("河道警长")


# The chiefs whose patrols are 巡河 (patrol rates, bulletins); cleaners' rounds are 保洁, never
# patrols, whatever rule an office gives them.
PATROLLING_ROLES = frozenset(
    {ChiefRole.GENERAL_CHIEF, ChiefRole.STREET_CHIEF, ChiefRole.COMMUNITY_CHIEF}
)


class Chief(models.Model):
    """One appointment on the roster: a person in a post over a span of dates.

    A replacement relieves the old entry and adds a new one, so history is kept and a period's
    figures count whoever served in it.
    """

    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=24, validators=[phone_validator])
    role = models.CharField(_("类别"), max_length=24, choices=ChiefRole.choices)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    unit = models.CharField(_("单位"), max_length=100, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区域"), on_delete=models.PROTECT, related_name="chiefs"
    )
    reaches = models.ManyToManyField(
        Reach, verbose_name=_("负责河段"), related_name="chiefs", blank=True
    )
    appointed_on = models.DateField(_("任职日期"))
    relieved_on = models.DateField(_("免职日期"), null=True, blank=True)

    objects = ChiefQuerySet.as_manager()

    class Meta:
        verbose_name = _("河长名录")
        verbose_name_plural = _("河长名录")
        ordering = ["region__code", "role", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(relieved_on__isnull=True)
                | Q(relieved_on__gte=models.F("appointed_on")),
                name="chief_relieved_after_appointed",
                violation_error_message=_("免职日期不能早于任职日期。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


class Sign(models.Model):
    reach = models.ForeignKey(
        Reach, verbose_name=_("河段"), on_delete=models.PROTECT, related_name="signs"
    )
    code = models.CharField(
        _("公示牌编号"),
        max_length=40,
        unique=True,
        validators=[validate_sign_code],
        help_text=_("印在二维码地址中：只用英文字母、数字和连字符，如 GSP-001。"),
    )
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, validators=LAT_VALIDATORS)
    lon = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, validators=LON_VALIDATORS)
    updated_on = models.DateField(_("更新日期"))

    objects = ReachScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("河长公示牌")
        verbose_name_plural = _("河长公示牌")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class OutfallKind(models.TextChoices):
    RAIN = "rain", _("雨水排口")
    DOMESTIC = "domestic", _("城镇生活污水排口")
    INDUSTRIAL = "industrial", _("工业排口")


class Outfall(models.Model):
    reach = models.ForeignKey(
        Reach, verbose_name=_("河段"), on_delete=models.PROTECT, related_name="outfalls"
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=OutfallKind.choices)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, validators=LAT_VALIDATORS)
    lon = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, validators=LON_VALIDATORS)

    objects = ReachScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("入河排污口")
        verbose_name_plural = _("入河排污口")
        ordering = ["reach__river__code", "name"]

    def __str__(self) -> str:
        return self.name


class FacilityKind(models.TextChoices):
    FOOTBRIDGE = "footbridge", _("便民桥")
    FORD = "ford", _("过水路面")
    CULVERT = "culvert", _("过水涵洞")
    SEWAGE_PLANT = "sewage_plant", _("污水处理厂")


class Facility(models.Model):
    reach = models.ForeignKey(
        Reach, verbose_name=_("河段"), on_delete=models.PROTECT, related_name="facilities"
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=FacilityKind.choices)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, validators=LAT_VALIDATORS)
    lon = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, validators=LON_VALIDATORS)

    objects = ReachScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("涉河设施")
        verbose_name_plural = _("涉河设施")
        ordering = ["reach__river__code", "name"]

    def __str__(self) -> str:
        return self.name


class RiverPlanQuerySet(ScopedQuerySet):
    """A plan is seen wherever its river is: the region that manages the river and every region
    the river flows through (``RiverQuerySet.in_region``)."""

    def in_region(self, region: Region | int) -> Self:
        return self.filter(river__in=River.objects.in_region(region))

    def managed_by(self, user) -> Self:
        """Plans the user may change: those of rivers its region manages."""
        return self.filter(river__in=River.objects.managed_by(user))


class RiverPlan(models.Model):
    """一河一策: a river's action plan over a span of years, its problems, goals and tasks."""

    river = models.ForeignKey(
        River, verbose_name=_("河流"), on_delete=models.PROTECT, related_name="plans"
    )
    title = models.CharField(_("方案名称"), max_length=200)
    start_year = models.PositiveSmallIntegerField(
        _("起始年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    end_year = models.PositiveSmallIntegerField(
        _("截止年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    problems = models.TextField(_("主要问题"), blank=True)
    goals = models.TextField(_("治理目标"), blank=True)

    objects = RiverPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("一河一策方案")
        verbose_name_plural = _("一河一策方案")
        ordering = ["river__code", "-start_year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")),
                name="river_plan_end_after_start",
                violation_error_message=_("截止年度不能早于起始年度。"),
            )
        ]

    def __str__(self) -> str:
        return self.title


class TaskStatus(models.TextChoices):
    PLANNED = "planned", _("未开始")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")


class RiverPlanTaskQuerySet(ScopedQuerySet):
    def in_region(self, region: Region | int) -> Self:
        return self.filter(plan__in=RiverPlan.objects.in_region(region))

    def open(self) -> Self:
        return self.exclude(status=TaskStatus.DONE)

    def overdue(self, today) -> Self:
        """Not done and past the due date on ``today``."""
        return self.open().filter(due__lt=today)


class RiverPlanTask(models.Model):
    """One task of a plan: who answers for it (a region, a department, or both), by when."""

    plan = models.ForeignKey(
        RiverPlan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(_("任务"), max_length=300)
    responsible_region = models.ForeignKey(
        Region,
        verbose_name=_("责任区域"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="river_plan_tasks",
    )
    responsible_unit = models.CharField(
        _("责任单位"), max_length=100, blank=True, help_text=_("牵头部门，如区水利局。")
    )
    due = models.DateField(_("完成时限"))
    status = models.CharField(
        _("状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.PLANNED
    )
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = RiverPlanTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("方案任务")
        verbose_name_plural = _("方案任务")
        ordering = ["due", "pk"]
        indexes = [models.Index(fields=["status", "due"], name="river_plan_task_status_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def responsible(self) -> str:
        """Who answers for it, as a report writes it: the department, the region, or both."""
        region = self.responsible_region.name if self.responsible_region else ""
        return "、".join(name for name in (self.responsible_unit, region) if name)

    @property
    def progress(self) -> str:
        """The latest note's text (the notes are prefetched on lists)."""
        notes = list(self.notes.all())
        return notes[-1].text if notes else ""

    def overdue_on(self, day) -> bool:
        return self.status != TaskStatus.DONE and self.due < day


class RiverPlanTaskNote(models.Model):
    """A dated line of progress on a task (进展情况), kept as a trail: never edited."""

    task = models.ForeignKey(
        RiverPlanTask, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="notes"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("填写人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("进展情况"), max_length=2000)

    class Meta:
        verbose_name = _("任务进展")
        verbose_name_plural = _("任务进展")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.text[:50]


class MonitoringLevel(models.TextChoices):
    NATIONAL = "national", _("国控")
    PROVINCIAL = "provincial", _("省控")
    CITY = "city", _("市控")
    COUNTY = "county", _("县控")
    BOUNDARY = "boundary", _("交界断面")


class MonitoringPoint(models.Model):
    """A monitoring section (监测断面) on a river, graded against its target by GB 3838-2002."""

    name = models.CharField(_("断面名称"), max_length=100)
    code = models.CharField(_("断面编码"), max_length=40, unique=True)
    river = models.ForeignKey(
        River, verbose_name=_("河流"), on_delete=models.PROTECT, related_name="monitoring_points"
    )
    reach = models.ForeignKey(
        Reach,
        verbose_name=_("河段"),
        on_delete=models.PROTECT,
        related_name="monitoring_points",
        null=True,
        blank=True,
    )
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, validators=LAT_VALIDATORS)
    lon = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, validators=LON_VALIDATORS)
    level = models.CharField(_("断面级别"), max_length=16, choices=MonitoringLevel.choices)
    water_body = models.CharField(
        _("水体类型"),
        max_length=8,
        choices=wq.WaterBody.choices,
        default=wq.WaterBody.RIVER,
        help_text=_("湖泊、水库按湖库限值评价总磷，并评价总氮。"),
    )
    target_grade = models.CharField(
        _("水质目标"), max_length=4, choices=wq.TargetGrade.choices, default=wq.TargetGrade.III
    )

    objects = MonitoringPointQuerySet.as_manager()

    class Meta:
        verbose_name = _("监测断面")
        verbose_name_plural = _("监测断面")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


def _reading_validators(parameter: str) -> list:
    return [MinValueValidator(Decimal("0")), MaxValueValidator(wq.PHYSICAL_MAX[parameter])]


def _reading_field(parameter: str) -> models.DecimalField:
    return models.DecimalField(
        wq.PARAMETER_LABELS[parameter],
        max_digits=9,
        decimal_places=4,
        null=True,
        blank=True,
        validators=_reading_validators(parameter),
        help_text=_("mg/L"),
    )


class WaterReading(models.Model):
    """One sampling of a point: the measured values, mg/L, blank where not measured.

    The grade, deciding parameters, target met and exceedances are not stored: they follow from
    these values and the point's water body and target by ``water_quality.assess`` on every read,
    so a corrected target re-grades every reading at once.
    """

    point = models.ForeignKey(
        MonitoringPoint,
        verbose_name=_("监测断面"),
        # A point with readings is history: it is not deleted (409), its readings stay.
        on_delete=models.PROTECT,
        related_name="readings",
    )
    sampled_on = models.DateField(_("采样日期"))
    do = _reading_field("do")
    codmn = _reading_field("codmn")
    cod = _reading_field("cod")
    bod5 = _reading_field("bod5")
    nh3n = _reading_field("nh3n")
    tp = _reading_field("tp")
    tn = _reading_field("tn")

    objects = WaterReadingQuerySet.as_manager()

    class Meta:
        verbose_name = _("水质监测数据")
        verbose_name_plural = _("水质监测数据")
        ordering = ["-sampled_on", "point__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["point", "sampled_on"], name="water_reading_one_per_point_per_day"
            ),
            models.CheckConstraint(
                condition=Q(do__isnull=False)
                | Q(codmn__isnull=False)
                | Q(cod__isnull=False)
                | Q(bod5__isnull=False)
                | Q(nh3n__isnull=False)
                | Q(tp__isnull=False)
                | Q(tn__isnull=False),
                name="water_reading_has_a_value",
                violation_error_message=_("至少填写一项监测值。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point} {self.sampled_on}"

    @property
    def values(self) -> dict[str, Decimal]:
        """The measured parameters, mg/L."""
        return {p: getattr(self, p) for p in wq.PARAMETERS if getattr(self, p, None) is not None}

    @cached_property
    def assessment(self) -> wq.Assessment:
        return wq.assess(
            self.values, water_body=self.point.water_body, target=self.point.target_grade
        )
