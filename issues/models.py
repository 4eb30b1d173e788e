import datetime

from django.conf import settings
from django.db import models
from django.db.models import DateField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, Least, TruncDate
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.querysets import ScopedQuerySet
from calendars.models import IssueCategory, Urgency
from core.models import Job, UploadedPhoto
from rivers.models import LAT_VALIDATORS, LON_VALIDATORS

__all__ = [
    "Issue",
    "IssueCategory",
    "IssueDeadline",
    "IssueEvent",
    "IssuePhoto",
    "Urgency",
    "VoidReason",
]


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
    # Ended without work (作废): a duplicate, not a real problem, or not ours to fix.
    VOIDED = "voided", _("已作废")


class VoidReason(models.TextChoices):
    DUPLICATE = "duplicate", _("重复上报")
    INVALID = "invalid", _("无效问题")
    NOT_OURS = "not_ours", _("不属于本辖区")


# The statuses an issue ends in; every other one is open. The partial indexes on open issues
# spell their condition the same way, so that PostgreSQL sees ``open()``'s WHERE imply it.
ENDED_STATUSES = ("closed", "voided")
OPEN_STATUSES = frozenset(set(IssueStatus) - set(ENDED_STATUSES))


def _day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight opening ``day`` (TIME_ZONE, Asia/Shanghai), as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time(), timezone.get_current_timezone())


def _day_after(day) -> ExpressionWrapper:
    return ExpressionWrapper(day + datetime.timedelta(days=1), output_field=DateField())


def deadline_on(day: datetime.date) -> Coalesce:
    """The deadline in force on ``day`` of the issue in the outer query: the last one set on or
    before ``day`` in its history, or the issue's own deadline where the history has nothing
    that old."""
    end = _day_start(day + datetime.timedelta(days=1))
    in_force = Subquery(
        IssueDeadline.objects.filter(issue=OuterRef("pk"), set_at__lt=end)
        .order_by("-set_at", "-pk")
        .values("deadline")[:1],
        output_field=DateField(),
    )
    return Coalesce(in_force, F("deadline"), output_field=DateField())


class IssueQuerySet(ScopedQuerySet):
    def open(self):
        return self.exclude(status__in=ENDED_STATUSES)

    def counted(self):
        """Every issue the figures count: all but the voided (they count only as voided)."""
        return self.exclude(status=IssueStatus.VOIDED)

    def in_hands_of(self, chief):
        """Handed to ``chief`` or to a region it answers for: the issues a chief may move."""
        from accounts.models import Region

        return self.filter(
            Q(assignee_chief=chief) | Q(assignee_region__in=Region.objects.subtree(chief.region_id))
        )

    def overdue_on(self, day: datetime.date):
        """Issues open at the end of ``day`` (reported by then, not closed on or before it) and
        past the deadline in force on ``day``: the last one set on or before ``day`` in the
        deadline history, or the issue's own deadline where the history has nothing that old.
        A voided issue never counts (it counts in no figure but the voided).

        One query, chaining with any other filter (``visible_to``, ``in_region``...)."""
        end = _day_start(day + datetime.timedelta(days=1))
        return self.counted().filter(
            Q(closed_at__isnull=True) | Q(closed_at__gte=end),
            LessThan(deadline_on(day), Value(day)),
            reported_at__lt=end,
        )

    def with_deadline_on(self, day: datetime.date):
        """Each issue annotated with ``deadline_in_force``: its deadline as it stood on ``day``
        (what "已逾期N天" on that day counts from)."""
        return self.annotate(deadline_in_force=deadline_on(day))

    def overdue_during(self, first: datetime.date, last: datetime.date):
        """Issues that on at least one day t of [``first``, ``last``] were open (reported on or
        before t, not closed before t) and past the deadline in force on t (deadline < t). A
        督办 that sets a later deadline does not undo the days already overdue before it. A
        voided issue never counts.

        The deadline in force is a step function of the day: each history row holds from its
        (local) day up to the day before the next row's; before the first row (or with no rows
        at all) the issue's own deadline holds. With the window cut to the issue's open life,
        [a, b], a step [s, e] with deadline d holds an overdue day iff max(a, s, d + 1) <=
        min(b, e). One query, chaining with any other filter."""
        if first > last:
            return self.none()
        # Unique per window, so that two windows chained on one queryset keep apart.
        tag = f"_od_{first:%Y%m%d}_{last:%Y%m%d}"
        a, b, s0 = f"{tag}_a", f"{tag}_b", f"{tag}_s0"
        first_on = Subquery(
            IssueDeadline.objects.filter(issue=OuterRef("pk"))
            .order_by("set_at", "pk")
            .annotate(on=TruncDate("set_at"))
            .values("on")[:1],
            output_field=DateField(),
        )
        issues = self.counted().alias(
            **{
                a: Greatest(TruncDate("reported_at"), Value(first)),
                b: Least(Coalesce(TruncDate("closed_at"), Value(last)), Value(last)),
                s0: first_on,
            }
        )
        # The next row's day: where a row's step ends (None: it holds on).
        next_on = Subquery(
            IssueDeadline.objects.filter(issue=OuterRef("issue"))
            .filter(
                Q(set_at__gt=OuterRef("set_at"))
                | Q(set_at=OuterRef("set_at"), pk__gt=OuterRef("pk"))
            )
            .order_by("set_at", "pk")
            .annotate(on=TruncDate("set_at"))
            .values("on")[:1],
            output_field=DateField(),
        )
        steps = (
            IssueDeadline.objects.filter(issue=OuterRef("pk"))
            .annotate(on=TruncDate("set_at"), next_on=next_on)
            .filter(on__lte=OuterRef(b), deadline__lt=OuterRef(b))
            .filter(
                Q(next_on__isnull=True)
                | (
                    Q(next_on__gt=OuterRef(a))
                    & Q(next_on__gt=F("on"))
                    & Q(next_on__gt=_day_after(F("deadline")))
                )
            )
        )
        # Before the first row: the issue's own deadline.
        before_history = Q(deadline__isnull=False, deadline__lt=F(b)) & (
            Q(**{f"{s0}__isnull": True})
            | (Q(**{f"{s0}__gt": F(a)}) & Q(**{f"{s0}__gt": _day_after(F("deadline"))}))
        )
        return issues.filter(Q(**{f"{a}__lte": F(b)}) & (before_history | Exists(steps)))


class Issue(models.Model):
    """A problem found at a river, from finding to sign-off (发现、交办、整改、验收、销号)."""

    code = models.CharField(_("问题编号"), max_length=40, unique=True, editable=False)
    # Made by the client that reports (a phone, a script): a retry of a lost answer sends the
    # same key and gets the first issue back, never a second one (issues.services).
    client_key = models.UUIDField(
        _("客户端编号"), null=True, blank=True, unique=True, editable=False
    )
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
        "accounts.Region",
        verbose_name=_("所在区域"),
        on_delete=models.PROTECT,
        related_name="issues",
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
        "accounts.Region",
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
    # When the deadline was counted by the rules (not entered by a person): the day counted
    # from, so that it can be counted again when the holiday calendar changes.
    deadline_counted_from = models.DateField(_("整改时限起算日"), null=True, blank=True)
    # The count ran into a year whose holidays are not entered: weekends alone were rest days
    # there. Recounted when that year is entered (issues.services.provisional_deadlines_recount).
    deadline_provisional = models.BooleanField(_("整改时限待复核"), default=False)
    supervised = models.BooleanField(_("已督办"), default=False)
    referred = models.BooleanField(_("已提请研究"), default=False)
    reported_at = models.DateTimeField(_("发现时间"))
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    # Set by the void action only; a voided issue is never closed (closed_at stays null).
    void_reason = models.CharField(
        _("作废原因"), max_length=16, choices=VoidReason.choices, blank=True
    )
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    # No foreign key in the database: patrols are partitioned by month and their key there is
    # (id, started_on) (patrols/migrations/0012). Django still empties it when the patrol goes.
    patrol = models.ForeignKey(
        "patrols.Patrol",
        verbose_name=_("巡河记录"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="issues",
        db_constraint=False,
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
            # The lists' default order (API, /issues/): a page is read off this index.
            models.Index(fields=["-reported_at", "-id"], name="issue_reported_desc"),
            models.Index(fields=["region", "reported_at"], name="issue_region_reported"),
            # Open issues stay few however many ended ones pile up: the dashboard counts them
            # per region (index only) and lists the most overdue first without a sort.
            models.Index(
                fields=["region", "deadline", "reported_at"],
                condition=~Q(status__in=ENDED_STATUSES),
                name="issue_open_region_deadline",
            ),
            models.Index(
                fields=["deadline", "reported_at", "id"],
                condition=~Q(status__in=ENDED_STATUSES),
                name="issue_open_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class IssueSequence(models.Model):
    """The last number given per street and year, so codes read 东风-2024-0012."""

    street = models.ForeignKey("accounts.Region", on_delete=models.CASCADE, related_name="+")
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
    # Why it was voided (the void action only).
    reason = models.CharField(_("作废原因"), max_length=16, choices=VoidReason.choices, blank=True)

    objects = IssueEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("处理记录")
        verbose_name_plural = _("处理记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} -> {self.to_status}"


class IssueDeadlineQuerySet(ScopedQuerySet):
    region_lookup = "issue__region"


class IssueDeadline(models.Model):
    """One setting of an issue's deadline (整改时限): the first, and each 督办's new one. Rows are
    only ever added, so how long an issue was overdue before a new deadline stays known."""

    issue = models.ForeignKey(
        Issue, verbose_name=_("问题"), on_delete=models.CASCADE, related_name="deadlines"
    )
    deadline = models.DateField(_("整改时限"))
    set_at = models.DateTimeField(_("设定时间"))
    # The workflow action that set it (assign, escalate...), or "report" / "edit".
    action = models.CharField(_("设定方式"), max_length=16)
    # None: set by the system (the morning job's automatic 督办), or not known.
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设定人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The timeline line that set it, where there is one: set_at is that line's time.
    event = models.OneToOneField(
        IssueEvent,
        verbose_name=_("处理记录"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deadline_set",
    )

    objects = IssueDeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改时限记录")
        verbose_name_plural = _("整改时限记录")
        ordering = ["set_at", "id"]
        indexes = [models.Index(fields=["issue", "set_at"], name="issue_deadline_issue_set_at")]

    def __str__(self) -> str:
        return f"{self.issue_id}: {self.deadline} ({self.action})"


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

    street = models.ForeignKey("accounts.Region", on_delete=models.CASCADE, related_name="+")
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


class SupervisionOrder(Job):
    """督办单: the formal order that comes with every escalation, manual or automatic, with the
    new deadline. What it says is kept as issued; the issue may change afterwards.

    Its printed page is a document of the one pipeline (core.documents; issues.documents): the
    row is its own job, queued when the order is issued, and ``pdf`` is the page as printed."""

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
        "accounts.Region", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+"
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
    pdf = models.FileField(_("PDF 文件"), upload_to="supervision_orders/", blank=True)

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
