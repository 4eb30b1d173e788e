"""A report of an ended period names its longest-overdue issue with the days it was overdue on
the period's last day, by the deadline in force that day, not by a deadline a later 督办 set."""

import datetime
from zoneinfo import ZoneInfo

from django.utils import translation

from issues.models import Issue, IssueDeadline, IssueStatus
from reports.content import ReportSpec, compose
from reports.models import Report, ReportKind
from reports.statistics import region_statistics, report_details
from tests.report_text import plain_text

from . import factories

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI)


def test_days_overdue_use_the_deadline_in_force_on_as_of(county):
    street = factories.StreetFactory(parent=county, name="南河街道", code="410100600")
    community = factories.CommunityFactory(parent=street, name="南河社区", code="410100600001")
    reach = factories.ReachFactory(
        river=factories.RiverFactory(region=street, name="南河"), region=community, name="南河段"
    )
    # Reported 1 August with a deadline of 20 August; on 5 October a 督办 gave it to 30 October.
    issue = Issue.objects.create(
        code="NH-2026-001",
        title="河道乱堆垃圾",
        category="dumping",
        source="patrol",
        status=IssueStatus.RECTIFYING,
        region=community,
        reach=reach,
        reported_at=at(D(2026, 8, 1)),
        deadline=D(2026, 10, 30),
    )
    IssueDeadline.objects.create(
        issue=issue, deadline=D(2026, 8, 20), set_at=at(D(2026, 8, 1)), action="assign"
    )
    IssueDeadline.objects.create(
        issue=issue, deadline=D(2026, 10, 30), set_at=at(D(2026, 10, 5)), action="escalate"
    )
    first, last = D(2026, 7, 1), D(2026, 9, 30)
    stats = region_statistics(region=street, date_from=first, date_to=last)
    details = report_details(region=street, date_from=first, date_to=last, statistics=stats)
    assert stats.issues_overdue == 1  # overdue on 30 September, by the deadline of 20 August
    report = Report(region=street, kind=ReportKind.QUARTERLY, year=2026, period=3)
    with translation.override("zh-hans"):
        text = "\n".join(
            plain_text(compose(spec=ReportSpec.of(report), figures=stats, details=details))
        )
    # 30 September - 20 August = 41 days.
    assert "仍有1个问题超过整改时限未完成整改" in text
    assert "其中逾期最久的是南河社区南河段“河道乱堆垃圾”，已逾期41天" in text, text
