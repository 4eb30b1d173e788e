"""The office's work besides patrols and issues: publicity, cleanups, meetings, inspections, and
dated checks of signs, outfalls and flood-season facilities.

Every figure of a work report ("开展宣传活动*次", "清理河道垃圾*余吨", "更新公示牌*个",
"排查*个排污口", "排查*座便民桥") is a sum or a count over these rows for a region and period,
so each row carries its date and the region (or asset) it belongs to.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from accounts.querysets import ScopedQuerySet

NON_NEGATIVE = [MinValueValidator(Decimal(0))]


class Channel(models.TextChoices):
    ONLINE = "online", _("线上")
    OFFLINE = "offline", _("线下")
    BOTH = "both", _("线上+线下")


class Campaign(models.TextChoices):
    FOUR_DISORDERS = "four_disorders", _("清四乱专项行动")
    FLOOD_SEASON = "flood_season", _("汛期清障")
    ROUTINE = "routine", _("日常清理")


class MeetingKind(models.TextChoices):
    WORK_MEETING = "work_meeting", _("工作会议")
    TRAINING = "training", _("培训会")


class Inspector(models.TextChoices):
    CONGRESS = "congress", _("人大")
    DISCIPLINE = "discipline", _("纪委监委")
    PUBLIC_SUPERVISOR = "public_supervisor", _("社会监督员")
    OFFICE = "office", _("河长办")
    # The roster's own check, e.g. "街道河长联合派出所警长对辖区河洪道进行全面排查": not a
    # supervision from outside, so the reports count it apart from 督查.
    JOINT = "joint", _("联合排查")


class CheckTopic(models.TextChoices):
    """What a check looked into ("加大对辖区畜禽养殖业、屠宰行业的排查")."""

    LIVESTOCK = "livestock", _("畜禽养殖业")
    SLAUGHTERHOUSE = "slaughterhouse", _("屠宰行业")
    OUTFALLS = "outfalls", _("排污口")
    GARBAGE = "garbage", _("垃圾倾倒")
    OCCUPATION = "occupation", _("乱占乱建")
    OTHER = "other", _("其他")


class Venue(models.TextChoices):
    """Where a publicity event reached people ("进社区、进企业、进学校")."""

    COMMUNITY = "community", _("社区")
    ENTERPRISE = "enterprise", _("企业")
    SCHOOL = "school", _("学校")
    PARK = "park", _("公园/小游园")
    RESIDENTIAL = "residential", _("居民小区")
    ONLINE = "online", _("线上")
    OTHER = "other", _("其他")


@deconstructible
class ChoiceListValidator:
    """A JSON list whose items are codes of ``choices`` (a TextChoices' dotted path), each once.

    A list in a JSONField rather than a table or an ArrayField: a handful of fixed codes that
    the reports only ask "does it contain X", and it runs on SQLite as on PostgreSQL."""

    def __init__(self, choices: str) -> None:
        self.choices = choices

    def _codes(self) -> dict[str, str]:
        from django.utils.module_loading import import_string

        return dict(import_string(self.choices).choices)

    def __call__(self, value) -> None:
        codes = self._codes()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(_("请从选项中选择。"), code="invalid")
        unknown = [v for v in value if v not in codes]
        if unknown:
            raise ValidationError(
                _("“%(value)s”不是有效的选项。"),
                code="invalid_choice",
                params={"value": unknown[0]},
            )
        if len(set(value)) != len(value):
            raise ValidationError(_("选项不能重复。"), code="duplicate")

    def __eq__(self, other) -> bool:
        return isinstance(other, ChoiceListValidator) and other.choices == self.choices


class CheckResult(models.TextChoices):
    NORMAL = "normal", _("正常")
    PROBLEM = "problem", _("发现问题")


class Activity(models.Model):
    """What every dated activity of a region records: when, where, who entered it."""

    date = models.DateField(_("日期"))
    title = models.CharField(_("标题"), max_length=200)
    region = models.ForeignKey(
        "accounts.Region", verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(_("备注"), max_length=5000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"


class PublicityEvent(Activity):
    """宣传活动: banners hung, slogans posted, leaflets handed out, units that took part."""

    place = models.CharField(_("活动地点"), max_length=200, blank=True)
    venues = models.JSONField(
        _("活动场所"),
        default=list,
        blank=True,
        validators=[ChoiceListValidator("activities.models.Venue")],
        help_text=_("社区、企业、学校等，可多选；报告中“进社区、进企业、进学校”以此为据。"),
    )
    channel = models.CharField(
        _("宣传方式"), max_length=8, choices=Channel.choices, default=Channel.OFFLINE
    )
    units = models.PositiveIntegerField(_("参与单位（家）"), default=0)
    participants = models.PositiveIntegerField(_("参与人数（人次）"), default=0)
    banners = models.PositiveIntegerField(_("横幅（条）"), default=0)
    slogans = models.PositiveIntegerField(_("宣传标语（条）"), default=0)
    leaflets = models.PositiveIntegerField(_("宣传单（份）"), default=0)

    class Meta(Activity.Meta):
        verbose_name = _("宣传活动")
        verbose_name_plural = _("宣传活动")
        indexes = [models.Index(fields=["region", "date"], name="publicity_region_date")]


class Cleanup(Activity):
    """河道整治 / 清理: one cleanup action with what it removed and what it took."""

    reaches = models.ManyToManyField(
        "rivers.Reach", verbose_name=_("清理河段"), blank=True, related_name="cleanups"
    )
    campaign = models.CharField(
        _("行动类别"), max_length=16, choices=Campaign.choices, default=Campaign.ROUTINE
    )
    points = models.PositiveIntegerField(_("清理点位（处）"), default=0)
    garbage_t = models.DecimalField(
        _("清理垃圾（吨）"), max_digits=10, decimal_places=2, default=0, validators=NON_NEGATIVE
    )
    garbage_m3 = models.DecimalField(
        _("清理垃圾（方）"), max_digits=10, decimal_places=2, default=0, validators=NON_NEGATIVE
    )
    participants = models.PositiveIntegerField(_("参与人员（人次）"), default=0)
    volunteers = models.PositiveIntegerField(
        _("其中志愿者（人次）"), default=0, help_text=_("参与人员中志愿者的人次，不超过参与人员。")
    )
    vehicles = models.PositiveIntegerField(_("出动车辆（辆次）"), default=0)
    net_m = models.DecimalField(
        _("安装防护网（米）"), max_digits=10, decimal_places=1, default=0, validators=NON_NEGATIVE
    )
    warning_signs = models.PositiveIntegerField(_("设立警示牌（面）"), default=0)
    banners = models.PositiveIntegerField(_("悬挂条幅（个）"), default=0)

    class Meta(Activity.Meta):
        verbose_name = _("河道清理行动")
        verbose_name_plural = _("河道清理行动")
        indexes = [models.Index(fields=["region", "date"], name="cleanup_region_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(garbage_t__gte=0) & Q(garbage_m3__gte=0) & Q(net_m__gte=0),
                name="cleanup_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(volunteers__lte=models.F("participants")),
                name="cleanup_volunteers_among_participants",
                violation_error_message=_("志愿者人次不能超过参与人员人次。"),
            ),
        ]


class Meeting(Activity):
    """工作会议 / 培训会."""

    kind = models.CharField(
        _("类型"), max_length=16, choices=MeetingKind.choices, default=MeetingKind.WORK_MEETING
    )
    attendees = models.PositiveIntegerField(_("参会人数"), default=0)

    class Meta(Activity.Meta):
        verbose_name = _("会议培训")
        verbose_name_plural = _("会议培训")
        indexes = [models.Index(fields=["region", "date"], name="meeting_region_date")]


class Inspection(Activity):
    """督查 by the people's congress, the discipline office, supervisors or the office itself,
    and the chiefs' own joint checks (``joint``: a street chief with the police chief)."""

    inspector = models.CharField(_("督查方"), max_length=24, choices=Inspector.choices)
    problems_found = models.PositiveIntegerField(_("反馈问题（处）"), default=0)
    topics = models.JSONField(
        _("排查内容"),
        default=list,
        blank=True,
        validators=[ChoiceListValidator("activities.models.CheckTopic")],
        help_text=_("可多选，如畜禽养殖业、屠宰行业。"),
    )
    participants = models.ManyToManyField(
        "rivers.Chief",
        verbose_name=_("参加人员"),
        blank=True,
        related_name="inspections_joined",
        help_text=_("河长名录中参加的人员，须在所属区域内。"),
    )

    class Meta(Activity.Meta):
        verbose_name = _("督查")
        verbose_name_plural = _("督查")
        indexes = [models.Index(fields=["region", "date"], name="inspection_region_date")]


class AssetCheck(models.Model):
    """A dated visit to an asset; a problem found there may become an issue ticket."""

    date = models.DateField(_("日期"))
    result = models.CharField(
        _("结果"), max_length=8, choices=CheckResult.choices, default=CheckResult.NORMAL
    )
    notes = models.TextField(_("情况说明"), max_length=5000, blank=True)
    issue = models.OneToOneField(
        "issues.Issue",
        verbose_name=_("问题工单"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-date", "-id"]


class SignUpdateQuerySet(ScopedQuerySet):
    region_lookup = "sign__reach__region"


class SignUpdate(models.Model):
    """A sign's board renewed (new names, phone numbers, QR code): "及时更新了*个河长制公示牌"."""

    sign = models.ForeignKey(
        "rivers.Sign", verbose_name=_("公示牌"), on_delete=models.CASCADE, related_name="updates"
    )
    date = models.DateField(_("更新日期"))
    notes = models.TextField(_("更新内容"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    objects = SignUpdateQuerySet.as_manager()

    class Meta:
        verbose_name = _("公示牌更新记录")
        verbose_name_plural = _("公示牌更新记录")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["date"], name="signupdate_date")]

    def __str__(self) -> str:
        return f"{self.sign} {self.date:%Y-%m-%d}"


class OutfallCheckQuerySet(ScopedQuerySet):
    region_lookup = "outfall__reach__region"


class OutfallCheck(AssetCheck):
    """入河排污口排查: "对辖区*个雨水排口、*个城镇生活污水排口……进行实地查看"."""

    outfall = models.ForeignKey(
        "rivers.Outfall", verbose_name=_("排污口"), on_delete=models.CASCADE, related_name="checks"
    )

    objects = OutfallCheckQuerySet.as_manager()

    class Meta(AssetCheck.Meta):
        verbose_name = _("排污口排查记录")
        verbose_name_plural = _("排污口排查记录")
        indexes = [models.Index(fields=["date"], name="outfallcheck_date")]

    def __str__(self) -> str:
        return f"{self.outfall} {self.date:%Y-%m-%d}"


class FacilityCheckQuerySet(ScopedQuerySet):
    region_lookup = "facility__reach__region"


class FacilityCheck(AssetCheck):
    """汛期排查 of footbridges, fords and culverts (and visits to sewage plants)."""

    facility = models.ForeignKey(
        "rivers.Facility",
        verbose_name=_("设施"),
        on_delete=models.CASCADE,
        related_name="checks",
    )

    objects = FacilityCheckQuerySet.as_manager()

    class Meta(AssetCheck.Meta):
        verbose_name = _("设施排查记录")
        verbose_name_plural = _("设施排查记录")
        indexes = [models.Index(fields=["date"], name="facilitycheck_date")]

    def __str__(self) -> str:
        return f"{self.facility} {self.date:%Y-%m-%d}"
