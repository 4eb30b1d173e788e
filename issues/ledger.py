"""The issue ledger (问题台账): every issue with every column and its handling in one line.

Written as .xlsx for the office's own records and for reporting upward. The timeline comes from
one prefetch, so the ledger costs the same few queries for five issues as for five thousand.
"""

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Region, RegionLevel, User
from core.ledgers import ExportColumn, Ledger, ledger_xlsx, yes_no

from .models import (
    Issue,
    IssueCategory,
    IssueEvent,
    IssueSource,
    IssueStatus,
    Urgency,
    VoidReason,
)
from .selectors import issue_list
from .workflow import ACTION_LABELS, REPORT

LEDGER_NAME = gettext_lazy("问题台账")
TIMELINE_ARROW = " → "


def issue_ledger_rows(issues: QuerySet[Issue]) -> QuerySet[Issue]:
    """``issues`` with everything the ledger prints fetched up front."""
    return issues.select_related("region__parent", "patrol__chief").prefetch_related(
        Prefetch(
            "events", queryset=IssueEvent.objects.order_by("at", "id"), to_attr="ledger_events"
        )
    )


def issue_ledger_list(*, user: User) -> QuerySet[Issue]:
    """The issues ``user`` may see, with everything the ledger prints fetched up front."""
    return issue_ledger_rows(issue_list(user=user))


def _street_and_community(region: Region) -> tuple[str, str]:
    if region.level == RegionLevel.COMMUNITY:
        return (region.parent.name if region.parent_id else "", region.name)
    if region.level == RegionLevel.STREET:
        return (region.name, "")
    return ("", "")


def _assignee(issue: Issue) -> str:
    if issue.assignee_chief_id:
        return issue.assignee_chief.name
    if issue.assignee_region_id:
        return issue.assignee_region.name
    return issue.assignee_unit


def _patrol(issue: Issue) -> str:
    patrol = issue.patrol
    if patrol is None:
        return ""
    return f"{patrol.chief.name} {timezone.localtime(patrol.started_at):%Y-%m-%d %H:%M}"


def timeline_summary(issue: Issue) -> str:
    """The day and the step, oldest first: "2024-05-06 发现 → 2024-05-08 交办 → …"."""
    steps = []
    for event in issue.ledger_events:
        # The finding is dated when it was found, not when it was typed in.
        at = issue.reported_at if event.action == REPORT else event.at
        label = ACTION_LABELS.get(event.action, event.action)
        steps.append(f"{timezone.localdate(at):%Y-%m-%d} {label}")
    return TIMELINE_ARROW.join(steps)


def ledger_columns() -> list[ExportColumn]:
    def label(choices):
        return lambda value: str(choices(value).label) if value else ""

    category, source = label(IssueCategory), label(IssueSource)
    urgency, status, void_reason = label(Urgency), label(IssueStatus), label(VoidReason)
    return [
        ExportColumn(_("编号"), lambda i: i.code),
        ExportColumn(_("标题"), lambda i: i.title, 18, wrap=True),
        ExportColumn(_("描述"), lambda i: i.description, 24, wrap=True),
        ExportColumn(_("类别"), lambda i: category(i.category)),
        ExportColumn(_("来源"), lambda i: source(i.source)),
        ExportColumn(_("紧急程度"), lambda i: urgency(i.urgency)),
        ExportColumn(_("状态"), lambda i: status(i.status)),
        ExportColumn(_("街道"), lambda i: _street_and_community(i.region)[0]),
        ExportColumn(_("社区"), lambda i: _street_and_community(i.region)[1]),
        ExportColumn(_("河流"), lambda i: i.reach.river.name if i.reach else ""),
        ExportColumn(_("河段"), lambda i: i.reach.name if i.reach else ""),
        ExportColumn(_("纬度"), lambda i: i.lat, number_format="0.000000"),
        ExportColumn(_("经度"), lambda i: i.lon, number_format="0.000000"),
        ExportColumn(_("责任方"), _assignee),
        ExportColumn(_("整改时限"), lambda i: i.deadline),
        ExportColumn(_("是否督办"), lambda i: yes_no(i.supervised)),
        ExportColumn(_("是否超期"), lambda i: yes_no(i.overdue)),
        ExportColumn(_("发现时间"), lambda i: i.reported_at),
        ExportColumn(_("销号时间"), lambda i: i.closed_at),
        ExportColumn(_("巡河记录"), _patrol, 12, wrap=True),
        ExportColumn(_("处理过程"), timeline_summary, 40, wrap=True),
        # Last, so that the columns before it keep the letters the office's sheets refer to.
        ExportColumn(_("作废原因"), lambda i: void_reason(i.void_reason)),
    ]


def issue_ledger_table(issues: QuerySet[Issue]) -> tuple[list[ExportColumn], QuerySet[Issue]]:
    """The ledger's columns and rows for the filtered ``issues`` (``LedgerExportMixin``)."""
    return ledger_columns(), issue_ledger_rows(issues)


def issue_ledger(*, issues: Iterable[Issue]) -> bytes:
    """The ledger as an .xlsx file; ``issues`` come from ``issue_ledger_list``."""
    return ledger_xlsx(ledger=Ledger(name=LEDGER_NAME, columns=ledger_columns()), rows=issues)
