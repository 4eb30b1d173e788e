"""Reads of the home pages: each role's to-do list, every figure a link to the list that shows
exactly its records.

Cheap at a county's size (1M patrols, 200k issues): the issue figures are one aggregate over the
open issues (the partial indexes on open issues keep them few, however many ended ones pile
up), nothing counts patrols (the leader's rankings come from the dashboard's rollups), and the
other figures are indexed counts of small tables.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import RegionLevel, User
from calendars.workdays import WorkCalendar
from issues.models import Issue, IssueStatus
from map_patches.models import MapPatch, Verdict
from public_reports.selectors import public_reports_to_triage
from reports.dashboard import dashboard
from reports.models import Report, ReportStatus
from reports.rollups import month_of
from rivers.selectors import river_plan_open_tasks

from .nav import ISSUES_PATH

# "Due soon" on the office's home: open issues whose deadline falls within this many working days.
DUE_SOON_WORKING_DAYS = 3
OVERDUE_COMMUNITIES = 10


@dataclass(frozen=True)
class Todo:
    """One line of a to-do list: how many records wait, and the list that shows them."""

    key: str
    label: str | Promise
    count: int
    url: str
    urgent: bool = False  # shown in red while there is any


def issues_url(**params) -> str:
    """The issue list (/issues/) filtered by ``params``."""
    return f"{ISSUES_PATH}?{urlencode(params)}"


def due_soon_last_day(*, today: datetime.date) -> datetime.date:
    """The last day "due within 3 working days" reaches: the 3rd working day after today."""
    return WorkCalendar().add_working_days(today, DUE_SOON_WORKING_DAYS)


def office_todos(*, user: User, today: datetime.date) -> list[Todo]:
    """The office's work, as the lists it links show it: issues to assign, to accept, due within
    3 working days, overdue, public reports to triage, map patches to verify, reports that
    failed to build (to generate again), river-plan tasks past their due date."""
    due_by = due_soon_last_day(today=today)
    # One aggregate over the open issues of the region (the partial indexes on open issues).
    issues = (
        Issue.objects.visible_to(user)
        .open()
        .aggregate(
            to_assign=Count("pk", filter=Q(status=IssueStatus.REPORTED)),
            awaiting=Count("pk", filter=Q(status=IssueStatus.AWAITING_ACCEPTANCE)),
            due_soon=Count("pk", filter=Q(deadline__gte=today, deadline__lte=due_by)),
            overdue=Count("pk", filter=Q(deadline__lt=today)),
        )
    )
    public = public_reports_to_triage(user=user).count()
    patches = MapPatch.objects.visible_to(user).filter(verdict=Verdict.PENDING).count()
    failed = Report.objects.visible_to(user).filter(status=ReportStatus.FAILED).count()
    plan_tasks = river_plan_open_tasks(user=user, overdue_on=today).count()
    return [
        Todo(
            "to_assign",
            _("待交办问题"),
            issues["to_assign"],
            issues_url(status=IssueStatus.REPORTED),
        ),
        Todo(
            "awaiting_acceptance",
            _("待验收问题"),
            issues["awaiting"],
            issues_url(status=IssueStatus.AWAITING_ACCEPTANCE),
        ),
        Todo(
            "due_soon",
            _("3个工作日内到期"),
            issues["due_soon"],
            issues_url(
                open="true", deadline_from=today.isoformat(), deadline_to=due_by.isoformat()
            ),
        ),
        Todo("overdue", _("已超期问题"), issues["overdue"], issues_url(overdue="true"), True),
        Todo(
            "public_reports",
            _("待处理群众举报"),
            public,
            reverse("public-report-index"),  # the triage queue: waiting reports by default
        ),
        Todo(
            "map_patches",
            _("待核查图斑"),
            patches,
            reverse("workbench:list", args=["map-patches"]) + f"?verdict={Verdict.PENDING}",
        ),
        Todo(
            "failed_reports",
            _("生成失败的报告"),
            failed,
            reverse("report-index") + f"?status={ReportStatus.FAILED}",
            True,
        ),
        Todo(
            "river_plan_overdue",
            _("超期的一河一策任务"),
            plan_tasks,
            reverse("workbench:river-plan-tasks") + "?overdue=true",
            True,
        ),
    ]


@dataclass(frozen=True)
class OverdueCommunity:
    region_id: int
    name: str
    street: str
    count: int
    url: str


def overdue_total(*, user: User, today: datetime.date) -> int:
    return Issue.objects.visible_to(user).open().filter(deadline__lt=today).count()


def overdue_by_community(
    *, user: User, today: datetime.date, limit: int = OVERDUE_COMMUNITIES
) -> list[OverdueCommunity]:
    """The communities with the most overdue issues first (open and past the deadline), each a
    link to the issue list of that community's overdue issues; one grouped count over the open
    issues."""
    rows = (
        Issue.objects.visible_to(user)
        .open()
        .filter(deadline__lt=today, region__level=RegionLevel.COMMUNITY)
        .values("region_id", "region__name", "region__parent__name")
        .annotate(n=Count("pk"), oldest=Min("deadline"))
        # Most overdue issues first; of as many, the one overdue the longest.
        .order_by("-n", "oldest", "region_id")[:limit]
    )
    return [
        OverdueCommunity(
            region_id=row["region_id"],
            name=row["region__name"],
            street=row["region__parent__name"] or "",
            count=row["n"],
            url=issues_url(region=row["region_id"], overdue="true"),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Rankings:
    """The patrol rate of each region under the leader's (streets of a county, communities of a
    street), best first, for ``month``: the dashboard's ranking, from its rollups."""

    month: datetime.date
    this_month: bool  # False: last month's, as this month has no period ended yet
    rows: list[dict]


def month_rankings(*, user: User, today: datetime.date) -> Rankings | None:
    """This month's rankings; last month's while no rule period has ended in this one yet (the
    first days of a month owe nothing, and a ranking of blanks tells a leader nothing)."""
    if user.region_id is None:
        return None
    month = month_of(today)
    rows = dashboard(user=user, region=user.region, date_from=month, date_to=today).series[
        "patrol_ranking"
    ]
    if rows and all(row["rate"] is None for row in rows):
        last = month_of(month - datetime.timedelta(days=1))
        board = dashboard(user=user, region=user.region, date_from=last, date_to=last)
        if any(row["rate"] is not None for row in board.series["patrol_ranking"]):
            return Rankings(month=last, this_month=False, rows=board.series["patrol_ranking"])
    return Rankings(month=month, this_month=True, rows=rows)
