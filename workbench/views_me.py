"""The chief's own page (/me/), its to-do list and where a chief lands after logging in: the
button to the phone patrol page first, then the issues in my hands by deadline (overdue first),
my patrols this period against my rule, my unread notifications, my scores in the published
assessment rounds (never anyone else's); my reaches and recent patrols folded away below. Cards,
for a phone.

Figures come from the compliance service (patrols.selectors), issues from the scoped issue list;
other accounts are sent to the home page.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.models import Role, User
from issues.models import Issue
from issues.selectors import issue_list
from patrols import selectors
from patrols.models import Finding, Patrol, PatrolRule
from patrols.periods import Period, period_bounds
from patrols.rules import RuleBook
from reports.selectors_assessment import chief_scores
from rivers.models import Chief, Reach, Sign

RECENT_PATROLS = 10
NOTIFICATIONS_PATH = "/notifications/"

# The period the rule counts in, as "this ..." (本周已巡 1 / 应巡 1).
THIS_PERIOD = {
    Period.DAY: gettext_lazy("今日"),
    Period.DEKAD: gettext_lazy("本旬"),
    Period.WEEK: gettext_lazy("本周"),
    Period.MONTH: gettext_lazy("本月"),
    Period.QUARTER: gettext_lazy("本季度"),
}


@dataclass(frozen=True)
class PeriodProgress:
    """The chief's standing in the current period of its rule, and in the last one that ended.

    The current period has not ended, so it owes nothing yet (compliance counts whole ended
    periods only): the page shows the patrols done so far against the rule's minimum, never as
    a shortfall. The last ended period is where a chief can have fallen short.
    """

    rule: PatrolRule
    rule_text: str
    first: datetime.date
    last: datetime.date
    days_left: int
    row: selectors.ComplianceRow | None  # None: not serving under the rule in this period
    whole: bool  # the chief serves all of this period under this rule: it will be owed
    previous: selectors.ComplianceRow | None = None  # the last ended period, when it was owed
    previous_first: datetime.date | None = None
    previous_last: datetime.date | None = None

    @property
    def period_name(self) -> str:
        """This period, in words: 本周, 本月..."""
        return str(THIS_PERIOD.get(self.rule.period, _("本期")))

    @property
    def counted(self) -> int:
        """Patrols so far that will count: the rule's minimum at most."""
        return 0 if self.row is None else min(self.row.done, self.rule.min_count)

    @property
    def still_needed(self) -> int:
        return self.rule.min_count - self.counted

    @property
    def percent(self) -> int:
        return self.counted * 100 // self.rule.min_count


def rule_text(rule: PatrolRule) -> str:
    """The rule in the office's words: 每周至少1次."""
    return _("%(period)s至少%(n)s次") % {"period": rule.get_period_display(), "n": rule.min_count}


def period_progress(*, chief: Chief, today: datetime.date) -> PeriodProgress | None:
    """Patrols so far in the period of the chief's rule that holds today, and the standing of
    the last ended period, from the compliance service; None when no rule applies today."""
    rule_book = RuleBook.load()
    rule = rule_book.rule_for(chief.role, today)
    if rule is None:
        return None
    first, last = period_bounds(rule.period, today)
    this_chief = Chief.objects.filter(pk=chief.pk)
    rows = selectors.compliance_of(chiefs=this_chief, date_from=first, date_to=last, as_of=today)
    whole = (
        chief.appointed_on <= first
        and (chief.relieved_on is None or chief.relieved_on >= last)
        and all(rule_book.rule_for(chief.role, day) is rule for day in _days(first, last))
    )
    # The last period that ended: the day before this one began, under whatever rule then.
    previous, previous_first, previous_last = None, None, None
    yesterday_rule = rule_book.rule_for(chief.role, first - datetime.timedelta(days=1))
    if yesterday_rule is not None:
        previous_first, previous_last = period_bounds(
            yesterday_rule.period, first - datetime.timedelta(days=1)
        )
        earlier = selectors.compliance_of(
            chiefs=this_chief, date_from=previous_last, date_to=previous_last
        )
        if earlier and earlier[0].required > 0:
            previous = earlier[0]
    return PeriodProgress(
        rule=rule,
        rule_text=rule_text(rule),
        first=first,
        last=last,
        days_left=(last - today).days,
        row=rows[0] if rows else None,
        whole=whole,
        previous=previous,
        previous_first=previous_first,
        previous_last=previous_last,
    )


def _days(first: datetime.date, last: datetime.date):
    return (first + datetime.timedelta(days=n) for n in range((last - first).days + 1))


def my_reaches(*, chief: Chief) -> QuerySet[Reach]:
    return (
        chief.reaches.select_related("river")
        .prefetch_related(Prefetch("signs", queryset=Sign.objects.order_by("code")))
        .order_by("river__name", "name")
    )


def my_recent_patrols(*, user: User, chief: Chief) -> QuerySet[Patrol]:
    return (
        Patrol.objects.visible_to(user)
        .filter(chief=chief)
        .select_related("reach__river")
        .defer("track_raw", "track")
        # A count per patrol by subquery, not a join and GROUP BY: the partitioned table's key
        # is (id, started_on), so PostgreSQL no longer takes the other columns as grouped by id.
        .annotate(
            findings_count=Coalesce(
                Subquery(
                    Finding.objects.filter(patrol=OuterRef("pk"))
                    .order_by()
                    .values("patrol")
                    .annotate(n=Count("*"))
                    .values("n")
                ),
                0,
            )
        )
        .order_by("-started_at")[:RECENT_PATROLS]
    )


def my_open_issues(*, user: User, chief: Chief) -> QuerySet[Issue]:
    """Open issues handed to the chief or to a region it answers for, soonest deadline first (the
    overdue ones first), those without a deadline last."""
    return (
        issue_list(user=user)
        .open()
        .in_hands_of(chief)
        .order_by(F("deadline").asc(nulls_last=True), "reported_at", "pk")
    )


@login_required
@require_GET
def me_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.effective_role != Role.CHIEF:
        return redirect("home")
    chief = Chief.objects.select_related("region").filter(pk=user.chief_id).first()
    if chief is None:
        raise PermissionDenied(_("您的账号未关联河长名录，请联系河长办。"))
    today = timezone.localdate()
    return render(
        request,
        "me/me.html",
        {
            "chief": chief,
            "today": today,
            "reaches": my_reaches(chief=chief),
            "progress": period_progress(chief=chief, today=today),
            "patrols": my_recent_patrols(user=user, chief=chief),
            "issues": my_open_issues(user=user, chief=chief),
            "assessments": chief_scores(chief=chief),
            "notifications_path": NOTIFICATIONS_PATH,
        },
    )
