"""Each event of the issue workflow tells the right people exactly once, with a sentence that
says what happened and what to do, and a link to the issue: assigned, reminded, escalated, due
in 2 working days, overdue, returned, awaiting acceptance (the office), public report (the
office)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from calendars import services as calendar_services
from issues import services
from issues.models import Issue, PhotoStage
from issues.tasks import morning_deadline_run
from notifications.models import Notification, NotificationKind
from notifications.selectors import office_accounts_covering
from public_reports.services import public_report_file

from . import factories
from .conftest import make_account

D = datetime.date
DEADLINE = D(2024, 10, 8)  # a Tuesday, the first working day after the National Day holiday


@pytest.fixture(autouse=True)
def _settings(db, settings):
    calendar_services.calendar_sync_statutory()
    settings.ISSUE_REMIND_DAYS_BEFORE = 2
    settings.ISSUE_ESCALATE_GRACE_DAYS = 3
    settings.NOTIFICATION_CHANNELS = ["notifications.channels.PortalChannel"]


@pytest.fixture
def offices(street_a, street_b, county):
    """Who covers street A's first community: its own office, street A's, the county's admin;
    street B's office does not."""
    return {
        "community": make_account(Role.OFFICE, street_a.communities[0]),
        "street": make_account(Role.OFFICE, street_a.street),
        "county": make_account(Role.ADMIN, county),
        "other_street": make_account(Role.OFFICE, street_b.street),
        "other_community": make_account(Role.OFFICE, street_a.communities[1]),
        "inactive": factories.UserFactory(
            role=Role.OFFICE, region=street_a.street, is_active=False
        ),
        "leader": make_account(Role.LEADER, street_a.street),
    }


def assigned(street, office, chief_account, *, deadline=DEADLINE) -> Issue:
    issue = services.issue_report(
        user=office,
        title="河道内有建筑垃圾",
        category="dumping",
        source="patrol",
        reach=street.reaches[0],
        reported_at=timezone.make_aware(datetime.datetime(2024, 9, 20, 9, 0)),
    )
    return services.issue_act(
        issue_id=issue.pk,
        user=office,
        action="assign",
        deadline=deadline,
        assignee={"chief": chief_account.chief},
    )


def told(kind: str) -> list[tuple[int, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient_id", "url"))


def test_the_office_covering_a_region_is_its_own_and_the_ones_above(offices, street_a):
    covering = office_accounts_covering(region=street_a.communities[0])
    assert {u.pk for u in covering} == {
        offices["community"].pk,
        offices["street"].pk,
        offices["county"].pk,
    }


def test_assigned_reminded_and_escalated_tell_the_chief_once_each(
    street_a, office_a, chief_a1, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issue = assigned(street_a, office_a, chief_a1)
        services.issue_act(issue_id=issue.pk, user=office_a, action="remind")
        services.issue_act(
            issue_id=issue.pk,
            user=office_a,
            action="escalate",
            deadline=D(2024, 10, 20),
            comment="群众反映强烈",
        )
    url = f"/issues/{issue.pk}/"
    assert told(NotificationKind.ASSIGNED) == [(chief_a1.pk, url)]
    assert told(NotificationKind.REMIND) == [(chief_a1.pk, url)]
    assert told(NotificationKind.SUPERVISION) == [(chief_a1.pk, url)]
    assigned_notice = Notification.objects.get(kind=NotificationKind.ASSIGNED)
    assert assigned_notice.get_kind_display() == "交办"
    assert "请于2024年10月8日前完成整改" in assigned_notice.body
    assert Notification.objects.get(kind=NotificationKind.REMIND).get_kind_display() == "催办"
    assert Notification.objects.get(kind=NotificationKind.SUPERVISION).get_kind_display() == "督办"


def test_submitted_rectification_awaits_the_offices_acceptance(
    street_a, offices, chief_a1, django_capture_on_commit_callbacks
):
    office = offices["street"]
    issue = assigned(street_a, office, chief_a1)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_act(issue_id=issue.pk, user=chief_a1, action="start")
        services.issue_act(issue_id=issue.pk, user=chief_a1, action="submit", comment="已清理")
    url = f"/issues/{issue.pk}/"
    assert told(NotificationKind.AWAITING_ACCEPTANCE) == sorted(
        [(offices[k].pk, url) for k in ("community", "street", "county")]
    )
    notice = Notification.objects.filter(kind=NotificationKind.AWAITING_ACCEPTANCE).first()
    assert notice.title == f"待验收：{issue.code} 河道内有建筑垃圾"
    assert "已整改并提交验收" in notice.body and "验收销号或退回整改" in notice.body
    assert "说明：已清理" in notice.body
    assert notice.get_kind_display() == "待验收"
    # Nothing else: the chief who acted is not told of their own step.
    assert Notification.objects.count() == 3


def test_the_office_that_submits_for_a_chief_is_not_told_itself(
    street_a, offices, chief_a1, django_capture_on_commit_callbacks
):
    office = offices["street"]
    issue = assigned(street_a, office, chief_a1)
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_act(issue_id=issue.pk, user=office, action="start")
        services.issue_act(issue_id=issue.pk, user=office, action="submit")
    recipients = {r for r, _url in told(NotificationKind.AWAITING_ACCEPTANCE)}
    assert recipients == {offices["community"].pk, offices["county"].pk}


def test_a_returned_rectification_tells_the_chief_once(
    street_a, offices, chief_a1, django_capture_on_commit_callbacks
):
    office = offices["street"]
    issue = assigned(street_a, office, chief_a1)
    services.issue_act(issue_id=issue.pk, user=chief_a1, action="start")
    services.issue_act(issue_id=issue.pk, user=chief_a1, action="submit")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_act(
            issue_id=issue.pk, user=office, action="reject", comment="垃圾未清运完毕"
        )
    assert told(NotificationKind.RETURNED) == [(chief_a1.pk, f"/issues/{issue.pk}/")]
    notice = Notification.objects.get()
    assert notice.title == f"退回整改：{issue.code} 河道内有建筑垃圾"
    assert "验收未通过" in notice.body and "再次提交验收" in notice.body
    assert "说明：垃圾未清运完毕" in notice.body
    assert notice.get_kind_display() == "退回整改"


def test_due_in_two_working_days_then_overdue_once_then_escalated(
    street_a, office_a, chief_a1, django_capture_on_commit_callbacks
):
    issue = assigned(street_a, office_a, chief_a1)
    Notification.objects.all().delete()

    def run(day):
        with django_capture_on_commit_callbacks(execute=True):
            return morning_deadline_run(today=day)

    # 9-29 (a swapped working Sunday) is 2 working days before 10-08.
    run(D(2024, 9, 29))
    assert told(NotificationKind.REMINDER_BEFORE) == [(chief_a1.pk, f"/issues/{issue.pk}/")]
    assert "还剩2个工作日" in Notification.objects.get().body
    run(DEADLINE)  # the last day: due today
    # 10-09, the first working day after the deadline: overdue, once however often it runs.
    for _ in range(2):
        run(D(2024, 10, 9))
    run(D(2024, 10, 10))
    overdue = Notification.objects.filter(kind=NotificationKind.OVERDUE)
    assert [(n.recipient_id, n.url) for n in overdue] == [(chief_a1.pk, f"/issues/{issue.pk}/")]
    notice = overdue.get()
    assert notice.title == f"整改超期：{issue.code} 河道内有建筑垃圾"
    assert "已超过整改时限2024年10月8日" in notice.body and "请尽快整改" in notice.body
    assert notice.get_kind_display() == "整改超期"
    # Past the grace period the system supervises it; no further overdue notice.
    run(D(2024, 10, 12))
    assert Notification.objects.filter(kind=NotificationKind.OVERDUE_ESCALATED).count() == 1
    assert overdue.count() == 1


def test_a_public_report_tells_the_office_of_its_region(
    street_a, offices, django_capture_on_commit_callbacks
):
    sign = street_a.reaches[0].signs.first()
    with django_capture_on_commit_callbacks(execute=True):
        report = public_report_file(
            sign=sign,
            description="河边有人倾倒建筑垃圾，气味很大",
            photo=None,
            phone="",
            lat=Decimal("34.750000"),
            lon=Decimal("113.620000"),
            client_ip="203.0.113.7",
        )
    url = f"/issues/{report.issue_id}/"
    assert told(NotificationKind.PUBLIC_REPORT) == sorted(
        [(offices[k].pk, url) for k in ("community", "street", "county")]
    )
    notice = Notification.objects.filter(kind=NotificationKind.PUBLIC_REPORT).first()
    assert notice.title.startswith(f"群众举报：{report.issue.code} ")
    assert "群众通过公示牌二维码举报" in notice.body and "请核实后交办或作废" in notice.body
    assert notice.get_kind_display() == "群众举报"
    assert Notification.objects.count() == 3


def test_the_after_photo_step_still_works_with_notices(
    street_a, offices, chief_a1, media_root, django_capture_on_commit_callbacks
):
    """The whole loop: submitted, accepted; acceptance itself tells nobody new."""
    office = offices["street"]
    issue = assigned(street_a, office, chief_a1)
    services.issue_act(issue_id=issue.pk, user=chief_a1, action="start")
    factories.IssuePhotoFactory(issue=issue, stage=PhotoStage.AFTER)
    services.issue_act(issue_id=issue.pk, user=chief_a1, action="submit")
    count = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.issue_act(issue_id=issue.pk, user=office, action="accept")
    assert Notification.objects.count() == count
