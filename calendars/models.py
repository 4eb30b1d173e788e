"""The working calendar (its exceptions to Monday-Friday) and the default deadline per issue."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class IssueCategory(models.TextChoices):
    # Defined here rather than in issues so that the deadline rules do not depend on the issues
    # app; issues imports them from here.
    OCCUPATION = "occupation", _("乱占")
    MINING = "mining", _("乱采")
    DUMPING = "dumping", _("乱堆")
    CONSTRUCTION = "construction", _("乱建")
    POLLUTION = "pollution", _("水污染")
    OUTFALL = "outfall", _("排污口")
    GARBAGE = "garbage", _("垃圾")
    BANK_DAMAGE = "bank_damage", _("堤岸损毁")
    FLOOD_OBSTRUCTION = "flood_obstruction", _("阻水障碍")
    OTHER = "other", _("其他")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class CalendarSource(models.TextChoices):
    STATUTORY = "statutory", _("国务院放假安排")
    MANUAL = "manual", _("人工维护")


class CalendarDay(models.Model):
    """A day that breaks the Monday-Friday rule: a holiday on a weekday, or a weekend day worked
    in exchange (调休上班). Days not stored follow the rule."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    name = models.CharField(_("名称"), max_length=50, help_text=_("如：春节、国庆节、调休上班。"))
    # Statutory rows are rewritten by sync_holidays; manual rows are an admin's word and the
    # sync leaves them alone, so a local arrangement survives the next sync.
    source = models.CharField(
        _("来源"), max_length=16, choices=CalendarSource.choices, default=CalendarSource.MANUAL
    )

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class HolidayYear(models.Model):
    """A year whose State Council notice (国务院办公厅关于YYYY年部分节假日安排的通知) is in the
    calendar: its holidays and its swapped working days. The one rule for "is this year loaded":
    a year without a row counts Monday-Friday only, and deadlines reaching into it are
    provisional (``calendars.workdays.WorkCalendar.covers``)."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    # Statutory: imported from chinese-calendar (sync_holidays), which may rewrite it. Manual:
    # entered by the office (page, import, API); the sync leaves that year alone.
    source = models.CharField(
        _("来源"), max_length=16, choices=CalendarSource.choices, default=CalendarSource.MANUAL
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now=True)

    class Meta:
        verbose_name = _("已录入放假安排的年份")
        verbose_name_plural = _("已录入放假安排的年份")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class DeadlineRule(models.Model):
    """How many working days an issue of a category and urgency gets to be rectified."""

    category = models.CharField(_("问题类别"), max_length=24, choices=IssueCategory.choices)
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices)
    working_days = models.PositiveSmallIntegerField(
        _("整改时限（工作日）"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )

    class Meta:
        verbose_name = _("整改时限规则")
        verbose_name_plural = _("整改时限规则")
        ordering = ["category", "urgency"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency"], name="deadline_rule_unique_category_urgency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.get_urgency_display()} {self.working_days}"
