"""Work-summary reports (工作总结 / 进展情况汇报): quarterly, half-year and annual, per region.

A report is a job row (core.models.Job) and then the published record: ``data`` is the
snapshot of figures and text the PDF and the Word file were made from, so a report stays as
written when records are corrected later; regenerating takes in the corrections and the
office's edited text.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.querysets import ScopedQuerySet
from core.models import Job, JobStatus

__all__ = [
    "ChiefMonth",
    "IssueMonth",
    "IssueSourceMonth",
    "OverdueSpan",
    "RegionMonth",
    "Report",
    "ReportKind",
    "ReportStatus",
    "RiverFile",
    "Rounding",
    "TreeClosedMonth",
    "TreeIssueMonth",
    "TreeIssueSourceMonth",
    "TreeMonth",
    "TreeOverdue",
]

ReportStatus = JobStatus


class ReportKind(models.TextChoices):
    QUARTERLY = "quarterly", _("季度报告")
    HALF_YEAR = "half_year", _("半年报告")
    ANNUAL = "annual", _("年度总结")


class Rounding(models.TextChoices):
    EXACT = "exact", _("精确数字")
    APPROXIMATE = "approximate", _("概数（如“800余人次”）")


class Report(Job):
    region = models.ForeignKey(
        "accounts.Region", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="reports"
    )
    kind = models.CharField(_("报告类型"), max_length=16, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    # Quarter 1-4 or half 1-2; 0 for an annual report (so one unique constraint covers all).
    period = models.PositiveSmallIntegerField(
        _("期次"), default=0, validators=[MaxValueValidator(4)]
    )
    rounding = models.CharField(
        _("数字写法"), max_length=16, choices=Rounding.choices, default=Rounding.EXACT
    )
    # The office's own words; blank means the generated default is used.
    opening = models.TextField(_("开头段落"), max_length=5000, blank=True)
    problems_note = models.TextField(_("存在的问题（补充）"), max_length=10000, blank=True)
    plans = models.TextField(_("下一步工作打算"), max_length=10000, blank=True)
    # Printed at the end of the document (GB/T 9704: 发文机关署名, 成文日期).
    document_date = models.DateField(
        _("成文日期"), null=True, blank=True, help_text=_("留空则为生成当天。")
    )
    issuer = models.CharField(
        _("发文单位"),
        max_length=100,
        blank=True,
        help_text=_("留空则为“区域名称+河长制办公室”。"),
    )
    data = models.JSONField(_("报告数据"), default=dict, blank=True)
    pdf = models.FileField(_("PDF 文件"), upload_to="reports/", blank=True)
    docx = models.FileField(_("Word 文件"), upload_to="reports/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # When the files are removed by the cleanup job; the row (and its data) stays.
    expires_at = models.DateTimeField(_("文件过期时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作报告")
        verbose_name_plural = _("工作报告")
        ordering = ["-year", "-period", "kind", "region__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind", "year", "period"],
                name="report_unique_region_kind_period",
                violation_error_message=_("该区域该期的报告已存在。"),
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=ReportKind.ANNUAL, period=0)
                    | Q(kind=ReportKind.HALF_YEAR, period__gte=1, period__lte=2)
                    | Q(kind=ReportKind.QUARTERLY, period__gte=1, period__lte=4)
                ),
                name="report_period_fits_kind",
            ),
        ]
        indexes = [models.Index(fields=["status", "queued_at"], name="report_status_queued")]

    def __str__(self) -> str:
        return f"{self.region} {self.year} {self.get_kind_display()} {self.period or ''}".strip()


# --- Dashboard rollups (reports.rollups keeps them; reports.dashboard reads them) ----------------
#
# Small summary tables, one row per region and month (per chief and month for compliance), so
# the leaders' dashboard never aggregates the raw patrols and issues. They are derived data,
# counted by the registered figures' own definitions (reports.figures): every change the lower
# apps announce (reports.receivers) marks cells stale and a task recomputes them after commit;
# ``manage.py rebuild_rollups`` and a nightly job recompute whole months. A cell with nothing
# in it has no row.


def _region():
    return models.ForeignKey(
        "accounts.Region", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="+"
    )


class FigureCells(models.Model):
    """The registered figures (reports.figures) of the same names, counted per region-month."""

    region = _region()
    month = models.DateField(_("月份"))  # the month's first day
    patrols = models.PositiveIntegerField(_("有效巡河次数"), default=0)
    patrols_invalid = models.PositiveIntegerField(_("无效巡河次数"), default=0)
    cleaning_rounds = models.PositiveIntegerField(_("保洁次数"), default=0)
    issues_found = models.PositiveIntegerField(_("发现问题"), default=0)
    # Issues voided in the month (by when they were voided, not when they were reported).
    issues_voided = models.PositiveIntegerField(_("作废问题"), default=0)
    cleanups = models.PositiveIntegerField(_("清理行动"), default=0)
    garbage_t = models.DecimalField(_("清理垃圾（吨）"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m}"


class IssueCells(models.Model):
    """Issues reported in a region-month, by category and current status."""

    region = _region()
    month = models.DateField(_("发现月份"))
    category = models.CharField(_("问题类别"), max_length=24)
    status = models.CharField(_("状态"), max_length=24)
    issues = models.PositiveIntegerField(_("问题数"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m} {self.category} {self.status}"


class IssueSourceCells(models.Model):
    """Issues reported (not voided) in a region-month, by source, whether supervised (督办)
    and the month of their first 交办 (None: never assigned)."""

    region = _region()
    month = models.DateField(_("发现月份"))
    source = models.CharField(_("来源"), max_length=16)
    supervised = models.BooleanField(_("已督办"), default=False)
    assigned_month = models.DateField(_("交办月份"), null=True, blank=True)
    issues = models.PositiveIntegerField(_("问题数"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m} {self.source}"


class OverdueMonthKeys(models.Model):
    """The month keys an overdue run is counted by (see OverdueSpan and TreeOverdue)."""

    first_month = models.DateField(_("逾期首月"))
    last_month = models.DateField(_("逾期末月"), null=True, blank=True)
    previous_month = models.DateField(_("上一逾期区间末月"), null=True, blank=True)
    end_month = models.DateField(_("月末仍逾期的最后月份"), null=True, blank=True)

    class Meta:
        abstract = True


class RegionMonth(FigureCells):
    """What was filed in one region (its own rows, not those below) in one month."""

    class Meta:
        verbose_name = _("区域月度汇总")
        verbose_name_plural = _("区域月度汇总")
        constraints = [
            models.UniqueConstraint(fields=["region", "month"], name="region_month_unique")
        ]


class IssueMonth(IssueCells):
    """Issues reported in one region and month, by category, current status and the month
    they were closed in (so "closed by the period's end" is a sum over closed months)."""

    closed_month = models.DateField(_("销号月份"), null=True, blank=True)

    class Meta:
        verbose_name = _("问题月度汇总")
        verbose_name_plural = _("问题月度汇总")
        indexes = [models.Index(fields=["region", "month"], name="issue_month_region_month")]


class ChiefMonth(models.Model):
    """One chief's compliance in one month, as patrols.selectors.compliance_of counts it: the
    whole rule periods that ended in the month (so months add up to any longer range)."""

    chief = models.ForeignKey(
        "rivers.Chief", verbose_name=_("河长"), on_delete=models.CASCADE, related_name="+"
    )
    region = _region()
    month = models.DateField(_("月份"))
    required = models.DecimalField(_("应巡河次数"), max_digits=8, decimal_places=2, default=0)
    done = models.PositiveIntegerField(_("巡河次数"), default=0)
    counted = models.PositiveIntegerField(_("计入次数"), default=0)
    # Valid patrols the chief made in the month while holding the post (any rule, any reach):
    # "chiefs who patrolled" is the chiefs with a row above zero in the period's months.
    patrolled = models.PositiveIntegerField(_("在任有效巡河次数"), default=0)

    class Meta:
        verbose_name = _("河长月度巡河汇总")
        verbose_name_plural = _("河长月度巡河汇总")
        constraints = [
            models.UniqueConstraint(fields=["chief", "month"], name="chief_month_unique")
        ]
        indexes = [models.Index(fields=["region", "month"], name="chief_month_region_month")]

    def __str__(self) -> str:
        return f"{self.chief_id} {self.month:%Y-%m}"


class IssueSourceMonth(IssueSourceCells):
    """Issues by source in one region and month, so that "found by patrol", "assigned by the
    period's end", "supervised" and "by source" are sums over months."""

    class Meta:
        verbose_name = _("问题来源月度汇总")
        verbose_name_plural = _("问题来源月度汇总")
        indexes = [models.Index(fields=["region", "month"], name="issue_source_region_month")]


class OverdueSpan(OverdueMonthKeys):
    """A run of days on which one issue was overdue (逾期): open that day (reported on or
    before it, not closed before it) and past the deadline in force that day, exactly as
    ``IssueQuerySet.overdue_during`` decides a day. An issue has one row per run (none when it
    was never overdue, none when voided); runs of one issue never touch or overlap. Derived from
    the issue and its deadline history by reports.rollups on every change of either.

    The month keys the subtree sums (TreeOverdue) group by: the months of first_day and
    last_day, the month of the last day of the issue's run before this one (None: the first
    run), and the last month whose last day this run counts as "overdue at the period's end"
    (open at that day's end; None: every month from first_day's on)."""

    issue = models.ForeignKey(
        "issues.Issue", verbose_name=_("问题"), on_delete=models.CASCADE, related_name="+"
    )
    region = _region()
    first_day = models.DateField(_("逾期首日"))
    # The last overdue day; None while it runs on (open and past its deadline).
    last_day = models.DateField(_("逾期末日"), null=True, blank=True)
    # The issue's closing day (local): on that day it counts as overdue "during" a period but
    # not "at the end" of it (closed by then).
    closed_on = models.DateField(_("销号日"), null=True, blank=True)

    class Meta:
        verbose_name = _("问题逾期区间")
        verbose_name_plural = _("问题逾期区间")
        indexes = [
            models.Index(fields=["region"], name="overdue_span_region"),
            models.Index(fields=["issue"], name="overdue_span_issue"),
        ]

    def __str__(self) -> str:
        return f"{self.issue_id}: {self.first_day}..{self.last_day or ''}"


# What the dashboard reads: the same figures summed over each region's subtree (the region, its
# children and grandchildren), derived from the rows above by reports.rollups whenever they
# change. A county's year is then 12 rows, and its streets' ranking 12 rows per street.


class TreeMonth(FigureCells):
    required = models.DecimalField(_("应巡河次数"), max_digits=14, decimal_places=2, default=0)
    done = models.PositiveIntegerField(_("巡河次数"), default=0)
    counted = models.PositiveIntegerField(_("计入次数"), default=0)

    class Meta:
        verbose_name = _("区域（含下级）月度汇总")
        verbose_name_plural = _("区域（含下级）月度汇总")
        constraints = [
            models.UniqueConstraint(fields=["region", "month"], name="tree_month_unique")
        ]


class TreeIssueMonth(IssueCells):
    """Issues reported in a region's subtree in a month, by category and current status."""

    class Meta:
        verbose_name = _("区域（含下级）问题月度汇总")
        verbose_name_plural = _("区域（含下级）问题月度汇总")
        indexes = [models.Index(fields=["region", "month"], name="tree_issue_region_month")]


class TreeClosedMonth(models.Model):
    """Issues reported in a region's subtree in a month and closed in ``closed_month``."""

    region = _region()
    month = models.DateField(_("发现月份"))
    closed_month = models.DateField(_("销号月份"))
    issues = models.PositiveIntegerField(_("问题数"), default=0)

    class Meta:
        verbose_name = _("区域（含下级）销号月度汇总")
        verbose_name_plural = _("区域（含下级）销号月度汇总")
        indexes = [models.Index(fields=["region", "month"], name="tree_closed_region_month")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.month:%Y-%m} {self.closed_month:%Y-%m}"


class TreeIssueSourceMonth(IssueSourceCells):
    """``IssueSourceMonth`` summed over a region's subtree."""

    class Meta:
        verbose_name = _("区域（含下级）问题来源月度汇总")
        verbose_name_plural = _("区域（含下级）问题来源月度汇总")
        indexes = [models.Index(fields=["region", "month"], name="tree_source_region_month")]


class TreeOverdue(OverdueMonthKeys):
    """The overdue runs (``OverdueSpan``) of a region's subtree, counted by their month keys:
    for a period of whole months m1..m2, the issues overdue at any time in it are the runs with
    first_month <= m2, last_month >= m1 (or running on) and previous_month < m1 (or none: the
    issue's first run in the period); those overdue at its end, first_month <= m2 <=
    end_month (or none)."""

    region = _region()
    spans = models.PositiveIntegerField(_("逾期区间数"), default=0)

    class Meta:
        verbose_name = _("区域（含下级）逾期区间汇总")
        verbose_name_plural = _("区域（含下级）逾期区间汇总")
        indexes = [models.Index(fields=["region", "first_month"], name="tree_overdue_region")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.first_month:%Y-%m}"


class WeeklyReport(Job):
    """The weekly report (周汇报) of one street: a job row, then the published record, like the
    monthly bulletin (patrols.Bulletin) whose content it shares (reports/weekly.py).

    ``week`` is the week's Monday; ``data`` the snapshot the page and the PDF are made from.
    """

    street = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("街道"),
        on_delete=models.PROTECT,
        related_name="weekly_reports",
        limit_choices_to={"level": "street"},
    )
    week = models.DateField(_("周"), help_text=_("该周星期一。"))
    data = models.JSONField(_("周汇报数据"), default=dict, blank=True)
    pdf = models.FileField(_("PDF 文件"), upload_to="weekly/", blank=True)
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("周汇报")
        verbose_name_plural = _("周汇报")
        ordering = ["-week", "street__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "week"],
                name="weekly_report_unique_street_week",
                violation_error_message=_("该街道该周的周汇报已存在。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.street.name} {self.week:%Y-%m-%d}"


# --- assessment (考核): schemes, rounds, scores, adjustments (reports.assessment) --------------


class AssessmentSubject(models.TextChoices):
    CHIEF = "chief", _("河长")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")


class AssessmentPeriod(models.TextChoices):
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年度")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class AssessmentScheme(models.Model):
    """Who is scored (chiefs, communities or streets), how often, and on what: ``criteria`` is a
    list of ``{"key", "weight", "target"}`` whose keys are reports.assessment.CRITERIA's and
    whose weights add up to 100."""

    name = models.CharField(_("名称"), max_length=100)
    subject = models.CharField(_("考核对象"), max_length=16, choices=AssessmentSubject.choices)
    period = models.CharField(_("考核周期"), max_length=16, choices=AssessmentPeriod.choices)
    criteria = models.JSONField(_("考核指标"), default=list)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


# A quarter in words (第三季度).
QUARTER_NUMERALS = {1: "一", 2: "二", 3: "三", 4: "四"}


class AssessmentRound(models.Model):
    """One scheme applied to one region and one period: a draft computed from the data, then
    published (frozen)."""

    scheme = models.ForeignKey(
        AssessmentScheme,
        verbose_name=_("考核方案"),
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    region = models.ForeignKey(
        "accounts.Region", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveIntegerField(_("年度"))
    period = models.PositiveSmallIntegerField(
        _("季度"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核轮次")
        verbose_name_plural = _("考核轮次")
        ordering = ["-year", "-period", "-pk"]

    def __str__(self) -> str:
        return f"{self.scheme} {self.year}/{self.period or '-'}"

    @property
    def period_name(self) -> str:
        """The period in words: 2026年第三季度, 2026年度."""
        if self.period is None:
            return gettext("%(year)s年度") % {"year": self.year}
        return gettext("%(year)s年第%(quarter)s季度") % {
            "year": self.year,
            "quarter": QUARTER_NUMERALS.get(self.period, self.period),
        }


class AssessmentScore(models.Model):
    """A subject's score in a round: the breakdown ``[{"key", "value", "points"}]``, the sum of
    its adjustments, the score and the rank (null: served under 30 days, listed, not ranked)."""

    round = models.ForeignKey(
        AssessmentRound, verbose_name=_("考核轮次"), on_delete=models.CASCADE, related_name="scores"
    )
    subject_id = models.PositiveIntegerField(_("对象编号"))
    name = models.CharField(_("名称"), max_length=100)
    served_days = models.PositiveIntegerField(_("任职天数"), default=0)
    breakdown = models.JSONField(_("得分明细"), default=list)
    adjustment = models.DecimalField(_("加减分"), max_digits=6, decimal_places=2, default=0)
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, default=0)
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)

    class Meta:
        verbose_name = _("考核得分")
        verbose_name_plural = _("考核得分")
        ordering = ["round", models.F("rank").asc(nulls_last=True), "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "subject_id"], name="assessment_score_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.score}"


class AdjustmentQuerySet(ScopedQuerySet):
    region_lookup = "round__region"


class AssessmentAdjustment(models.Model):
    """A manual 加分 or 扣分 with its reason."""

    round = models.ForeignKey(
        AssessmentRound,
        verbose_name=_("考核轮次"),
        on_delete=models.CASCADE,
        related_name="adjustments",
    )
    subject_id = models.PositiveIntegerField(_("对象编号"))
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    reason = models.CharField(_("理由"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = AdjustmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核加减分")
        verbose_name_plural = _("考核加减分")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.points}"


class AssessmentRoundDocument(Job):
    """The Excel ledger and the PDF of a published round: a job row of the document pipeline
    (reports/assessment_documents.py). Its key is the round's, so that the files of round 7 are
    ``/documents/assessment-round/7/...``; the round is frozen once published, so the files are
    built once and kept."""

    round = models.OneToOneField(
        AssessmentRound,
        verbose_name=_("考核轮次"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="document",
    )
    xlsx = models.FileField(_("Excel 文件"), upload_to="assessment/", blank=True)
    pdf = models.FileField(_("PDF 文件"), upload_to="assessment/", blank=True)

    class Meta:
        verbose_name = _("考核结果文件")
        verbose_name_plural = _("考核结果文件")

    def __str__(self) -> str:
        return str(self.round_id)


class RiverFile(Job):
    """The PDF of a river's file (一河一档) for a year, as the region that asked sees it: a job
    row of the document pipeline (reports/river_file_documents.py). A file is a snapshot: asking
    again rebuilds it, and the PDF says the day it was made. Keyed by the river, the year, the
    region whose rows it holds (None: every region, for an account that sees them all) and
    whether it holds the river plan, so that two offices of one river never share a file holding
    the other's rows, nor a chief a file holding the plan."""

    river = models.ForeignKey(
        "rivers.River",
        verbose_name=_("河流"),
        on_delete=models.CASCADE,
        related_name="files",
    )
    region = models.ForeignKey(
        "accounts.Region",
        verbose_name=_("区域"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    # Whether it holds the river plan: the plans' readers' files do, the chiefs' do not.
    with_plan = models.BooleanField(_("含一河一策"), default=False)
    pdf = models.FileField(_("PDF 文件"), upload_to="river-files/", blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("河流档案文件")
        verbose_name_plural = _("河流档案文件")
        constraints = [
            models.UniqueConstraint(
                fields=["river", "region", "year", "with_plan"],
                name="river_file_unique_key",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.river_id} {self.year}"
