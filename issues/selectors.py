"""Reads for issues: scoped lists with ``overdue`` worked out in SQL."""

import datetime
from collections.abc import Iterable

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import Region, RegionLevel, Role, User
from core.text import SENTENCE_END
from rivers.models import Chief

from .models import (
    ENDED_STATUSES,
    Issue,
    IssueCategory,
    IssueDeadline,
    IssueEvent,
    IssuePhoto,
    SupervisionOrder,
)


def with_overdue(queryset: QuerySet[Issue]) -> QuerySet[Issue]:
    """Open and past its deadline (today is the last day, not overdue yet)."""
    today = timezone.localdate()
    return queryset.annotate(
        overdue=Case(
            When(Q(deadline__lt=today) & ~Q(status__in=ENDED_STATUSES), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def issue_list(*, user: User) -> QuerySet[Issue]:
    return with_overdue(
        Issue.objects.visible_to(user).select_related(
            "region", "reach__river", "assignee_region", "assignee_chief"
        )
    )


def issue_timeline(*, issue: Issue) -> QuerySet[IssueEvent]:
    return issue.events.select_related("by").prefetch_related("photos")


def issue_photos(*, issue: Issue) -> QuerySet[IssuePhoto]:
    return issue.photos.all()


def issue_photo_list(*, user: User) -> QuerySet[IssuePhoto]:
    """The photos of the issues ``user`` sees (a public report's photo among them)."""
    return IssuePhoto.objects.visible_to(user)


def supervision_order_list(*, user: User) -> QuerySet[SupervisionOrder]:
    return SupervisionOrder.objects.visible_to(user).select_related("issue", "issued_by")


def issue_supervision_orders(*, issue: Issue) -> QuerySet[SupervisionOrder]:
    return issue.supervision_orders.select_related("issue", "issued_by")


def issue_deadline_history(*, issue: Issue) -> QuerySet[IssueDeadline]:
    """Every setting of the issue's deadline, oldest first."""
    return issue.deadlines.select_related("set_by").order_by("set_at", "pk")


def overdue_days(
    *,
    reported_on: datetime.date,
    ended_on: datetime.date | None,
    today: datetime.date,
    history: Iterable[tuple[datetime.date, datetime.date]],
    deadline: datetime.date | None,
) -> int:
    """How many days an issue was open and past the deadline in force, up to ``today``: the
    days ``IssueQuerySet.overdue_during`` looks for, counted. ``history`` is (day set,
    deadline) oldest first; before its first row (or without rows) ``deadline`` holds. The
    day it was closed counts when it was already past the deadline (it was closed late)."""
    last = min(today, ended_on) if ended_on is not None else today
    steps: list[tuple[datetime.date, datetime.date | None]] = [(reported_on, deadline)]
    for on, step_deadline in history:
        start = max(on, reported_on)
        if start == steps[-1][0]:
            # A later setting on the same day (or one from before the report) replaces it.
            steps[-1] = (start, step_deadline)
        else:
            steps.append((start, step_deadline))
    total = 0
    for index, (start, step_deadline) in enumerate(steps):
        if step_deadline is None:
            continue
        end = steps[index + 1][0] - datetime.timedelta(days=1) if index + 1 < len(steps) else last
        first_overdue = max(start, step_deadline + datetime.timedelta(days=1))
        total += max(0, (min(end, last) - first_overdue).days + 1)
    return total


def issue_overdue_days(*, issue: Issue, history: list[IssueDeadline], today: datetime.date) -> int:
    """``overdue_days`` of one issue from its history rows; 0 for a voided one (it counts in no
    figure)."""
    if issue.status == "voided":
        return 0
    return overdue_days(
        reported_on=timezone.localdate(issue.reported_at),
        ended_on=timezone.localdate(issue.closed_at) if issue.closed_at else None,
        today=today,
        history=[(timezone.localdate(row.set_at), row.deadline) for row in history],
        deadline=issue.deadline,
    )


def street_of(region: Region) -> Region:
    """The street a community belongs to; a street (or the county) is its own."""
    if region.level == RegionLevel.COMMUNITY and region.parent_id is not None:
        return region.parent
    return region


def issue_assignee_accounts(*, issue: Issue, today: datetime.date | None = None) -> list[User]:
    """The active accounts that answer for an issue's rectification, by who it is assigned to:

    - a chief: that chief's account;
    - a community: the accounts of the chiefs serving there, and the office of its street;
    - a department (named in words, no account of its own): the office of the issue's street,
      which hands the matter on.
    """
    today = today or timezone.localdate()
    accounts = User.objects.filter(is_active=True)
    if issue.assignee_chief_id is not None:
        accounts = accounts.filter(role=Role.CHIEF, chief_id=issue.assignee_chief_id)
    elif issue.assignee_region_id is not None:
        community = issue.assignee_region
        serving = Chief.objects.serving_on(today).filter(region=community)
        accounts = accounts.filter(
            Q(role=Role.CHIEF, chief__in=serving) | Q(role=Role.OFFICE, region=street_of(community))
        )
    elif issue.assignee_unit:
        accounts = accounts.filter(role=Role.OFFICE, region=street_of(issue.region))
    else:
        return []
    return list(accounts.order_by("pk"))


# Words that name a kind of problem, checked in this order (the first that appears decides:
# 建筑垃圾 is a heap, not litter). A guess for a form to start from; the office chooses.
CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (IssueCategory.OUTFALL, ("排污口", "排水口", "直排", "偷排", "暗管")),
    (IssueCategory.DUMPING, ("建筑垃圾", "渣土", "倾倒", "乱堆", "堆放", "堆积")),
    (IssueCategory.MINING, ("采砂", "挖砂", "盗采", "乱采", "取土")),
    (IssueCategory.CONSTRUCTION, ("违建", "违章建筑", "搭建", "乱建", "私建")),
    (IssueCategory.OCCUPATION, ("占用", "侵占", "围垦", "种植", "养殖", "乱占")),
    (IssueCategory.BANK_DAMAGE, ("坍塌", "塌方", "垮塌", "护坡", "堤岸", "损毁", "破损")),
    (IssueCategory.FLOOD_OBSTRUCTION, ("阻水", "行洪", "拦河", "堵塞", "阻碍")),
    (IssueCategory.POLLUTION, ("污水", "黑臭", "发臭", "异味", "死鱼", "油污", "水质", "污染")),
    (IssueCategory.GARBAGE, ("垃圾", "漂浮物", "塑料", "杂物")),
)


def category_guess(text: str) -> str:
    """The category ``text`` most likely describes (``CATEGORY_WORDS``), else 其他. Sentence
    by sentence, and in a sentence the word written first (the longer where two start at one
    place: 建筑垃圾 before 垃圾): what the writer saw first."""
    for sentence in SENTENCE_END.split(text):
        found = [
            (at, -len(word), order, category)
            for order, (category, words) in enumerate(CATEGORY_WORDS)
            for word in words
            if (at := sentence.find(word)) >= 0
        ]
        if found:
            return min(found)[3]
    return IssueCategory.OTHER
