"""Issue deadlines in working days: reminders, automatic supervision (督办) with its order, and
the notifications (portal and email) that tell the assignees, each exactly once."""

import datetime
import shutil
import subprocess

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from calendars import selectors as calendar
from calendars import services as calendar_services
from core.broker import send_now
from issues import services
from issues.models import Issue, IssueEvent, IssueStatus, SupervisionOrder
from issues.tasks import morning_deadline_run
from notifications.models import Delivery, DeliveryStatus, Notification, NotificationKind
from notifications.services import notify
from notifications.tasks import send_delivery

from .conftest import make_account

D = datetime.date
DEADLINE = D(2024, 10, 8)  # the first working day after the National Day holiday


@pytest.fixture(autouse=True)
def _calendar(db, settings):
    # Loaded by the data migration; a transactional test elsewhere may have emptied the table.
    calendar_services.calendar_sync_statutory()
    settings.ISSUE_REMIND_DAYS_BEFORE = 2
    settings.ISSUE_ESCALATE_GRACE_DAYS = 3
    settings.NOTIFICATION_CHANNELS = [
        "notifications.channels.PortalChannel",
        "notifications.channels.EmailChannel",
    ]


@pytest.fixture
def chief_user(chief_a1):
    chief_a1.email = "chief@example.cn"
    chief_a1.save(update_fields=["email"])
    return chief_a1


def assigned_issue(street, office, *, deadline=DEADLINE, **assignee) -> Issue:
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
        assignee=assignee or {"chief": street.chiefs[0]},
    )


def run(day: datetime.date, capture) -> dict:
    with capture(execute=True):
        return morning_deadline_run(today=day)


def days(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


# --- reminders ----------------------------------------------------------------------------------


def test_reminders_count_working_days_across_the_holiday(
    street_a, office_a, chief_user, django_capture_on_commit_callbacks
):
    # Two working days before Tue 10-08 is Sunday 9-29, a swapped working day (调休上班):
    # 9-30 is the other one, and 10-01..10-07 are the holiday.
    assert calendar.is_workday(day=D(2024, 9, 29))
    assert calendar.working_days_between(start=D(2024, 9, 29), end=DEADLINE) == 2
    assert calendar.working_days_between(start=D(2024, 9, 27), end=DEADLINE) == 3
    issue = assigned_issue(street_a, office_a)
    Notification.objects.all().delete()  # the assignment's own notice

    reminded = {}
    for day in days(D(2024, 9, 26), DEADLINE):
        result = run(day, django_capture_on_commit_callbacks)
        reminded[day] = result["reminded"]
        assert result["workday"] == calendar.is_workday(day=day)
    assert {day: n for day, n in reminded.items() if n} == {D(2024, 9, 29): 1, DEADLINE: 1}

    before = Notification.objects.get(kind=NotificationKind.REMINDER_BEFORE)
    assert before.recipient == chief_user and before.issue == issue
    assert "还剩2个工作日" in before.body
    assert "2024年10月8日" in before.body
    due = Notification.objects.get(kind=NotificationKind.REMINDER_DUE)
    assert "最后一个工作日" in due.body
    assert Notification.objects.count() == 2
    # Reminders are messages, not steps of the workflow: the timeline is report and assign.
    assert list(issue.events.values_list("action", flat=True)) == ["report", "assign"]


def test_a_deadline_on_a_rest_day_is_due_on_the_working_day_before(
    street_a, office_a, chief_user, django_capture_on_commit_callbacks
):
    assigned_issue(street_a, office_a, deadline=D(2024, 10, 5))  # a holiday Saturday
    assert run(D(2024, 9, 30), django_capture_on_commit_callbacks)["reminded"] == 1
    assert Notification.objects.filter(kind=NotificationKind.REMINDER_DUE).count() == 1
    assert run(D(2024, 10, 5), django_capture_on_commit_callbacks)["workday"] is False
    # As beat sends it, through the broker: a date as ISO text.
    assert morning_deadline_run.delay(today="2024-10-05").get()["workday"] is False


def test_closed_and_awaiting_acceptance_issues_are_not_reminded(
    street_a, office_a, chief_user, django_capture_on_commit_callbacks
):
    issue = assigned_issue(street_a, office_a)
    Issue.objects.filter(pk=issue.pk).update(status=IssueStatus.AWAITING_ACCEPTANCE)
    Notification.objects.all().delete()
    result = run(DEADLINE, django_capture_on_commit_callbacks)
    assert result["reminded"] == 0
    result = run(D(2024, 10, 14), django_capture_on_commit_callbacks)
    assert result["escalated"] == 0
    assert not Notification.objects.exists()


# --- automatic supervision ----------------------------------------------------------------------


def test_overdue_past_the_grace_period_is_supervised_by_the_system(
    street_a, office_a, chief_user, django_capture_on_commit_callbacks
):
    issue = assigned_issue(street_a, office_a)
    # Overdue by 1, 2, 3 working days on 10-09, 10-10, 10-11: still within the grace period.
    for day in (D(2024, 10, 9), D(2024, 10, 10), D(2024, 10, 11)):
        assert calendar.working_days_between(start=DEADLINE, end=day) <= 3
        assert run(day, django_capture_on_commit_callbacks)["escalated"] == 0
    assert not SupervisionOrder.objects.exists()

    # Saturday 10-12 is a swapped working day: 4 working days late.
    today = D(2024, 10, 12)
    assert calendar.working_days_between(start=DEADLINE, end=today) == 4
    mail.outbox.clear()
    assert run(today, django_capture_on_commit_callbacks)["escalated"] == 1

    issue.refresh_from_db()
    new_deadline = calendar.default_deadline(
        category=issue.category, urgency=issue.urgency, reported_on=today
    )
    assert issue.supervised and issue.deadline == new_deadline > today
    assert issue.status == IssueStatus.ASSIGNED
    event = issue.events.last()
    assert event.action == "escalate" and event.by is None
    assert event.comment == "超期4个工作日，系统自动督办"
    assert event.deadline == new_deadline
    assert services.issue_replay(issue=issue) == issue.status

    order = SupervisionOrder.objects.get()
    assert order.issue == issue and order.event == event
    assert order.issued_by is None
    assert order.original_deadline == DEADLINE and order.deadline == new_deadline
    assert order.reason == "超期4个工作日，系统自动督办"
    assert order.number == f"督办〔{order.year}〕1号"
    assert order.street == street_a.street
    assert order.assignee.startswith(street_a.chiefs[0].name)

    notice = Notification.objects.get(kind=NotificationKind.OVERDUE_ESCALATED)
    assert notice.recipient == chief_user
    assert order.number in notice.body and "4个工作日" in notice.body
    assert [message.subject for message in mail.outbox] == [notice.title]


def test_the_morning_job_twice_a_day_reminds_once_and_escalates_once(
    street_a, office_a, chief_user, django_capture_on_commit_callbacks
):
    today = D(2024, 10, 14)
    due = assigned_issue(street_a, office_a, deadline=today)
    soon = assigned_issue(street_a, office_a, deadline=D(2024, 10, 16))
    late = assigned_issue(street_a, office_a, deadline=D(2024, 9, 30))
    events, notifications = IssueEvent.objects.count(), Notification.objects.count()
    mail.outbox.clear()

    first = run(today, django_capture_on_commit_callbacks)
    assert first["reminded"] == 2  # due today, and due in 2 working days
    assert first["escalated"] == 1  # 10 working days late
    assert IssueEvent.objects.count() == events + 1
    assert Notification.objects.count() == notifications + 3  # and the escalation's notice
    assert len(mail.outbox) == 3

    second = run(today, django_capture_on_commit_callbacks)
    assert second["reminded"] == 0 and second["escalated"] == 0
    assert IssueEvent.objects.count() == events + 1
    assert Notification.objects.count() == notifications + 3
    assert len(mail.outbox) == 3
    assert SupervisionOrder.objects.count() == 1
    assert Notification.objects.get(issue=due, kind=NotificationKind.REMINDER_DUE)
    assert Notification.objects.get(issue=soon, kind=NotificationKind.REMINDER_BEFORE)
    assert Notification.objects.get(issue=late, kind=NotificationKind.OVERDUE_ESCALATED)

    # Escalated once more only if the new deadline is missed as well.
    assert (
        run(today + datetime.timedelta(days=1), django_capture_on_commit_callbacks)["escalated"]
        == 0
    )


def test_escalation_checks_the_deadline_again_on_the_locked_row(street_a, office_a, chief_user):
    issue = assigned_issue(street_a, office_a, deadline=D(2024, 9, 30))
    today = D(2024, 10, 14)
    assert services.issue_auto_escalate(
        issue_id=issue.pk, overdue_deadline=D(2024, 9, 30), today=today
    )
    # A second job that read the old deadline before the first one wrote: nothing happens.
    assert (
        services.issue_auto_escalate(
            issue_id=issue.pk, overdue_deadline=D(2024, 9, 30), today=today
        )
        is None
    )
    assert issue.supervision_orders.count() == 1


# --- notifications: who, over which channels, exactly once --------------------------------------


def test_email_goes_only_to_accounts_with_an_address(
    street_a, office_a, chief_user, django_capture_on_commit_callbacks
):
    office_a.email = "office@example.cn"
    office_a.save(update_fields=["email"])
    colleague = make_account(Role.OFFICE, street_a.street)  # no email
    community = street_a.communities[0]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        issue = assigned_issue(street_a, colleague, region=community)
    # The serving chief of the community, and the office of its street but not who acted.
    recipients = set(Notification.objects.filter(issue=issue).values_list("recipient", flat=True))
    assert recipients == {chief_user.pk, office_a.pk}
    # The emails leave after the commit (beside them, the dashboard's rollup refresh).
    # (core.broker.send_now(task, *args): fail-fast, never the request's failure.)
    sends = [
        c for c in callbacks if getattr(c, "func", None) is send_now and c.args[0] is send_delivery
    ]
    assert len(sends) == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["chief@example.cn", "office@example.cn"]
    assert mail.outbox[0].subject.startswith("交办：")
    assert set(Delivery.objects.values_list("channel", "status")) == {
        ("portal", DeliveryStatus.SENT),
        ("email", DeliveryStatus.SENT),
    }


def test_a_department_is_told_through_its_street_office(
    street_a, office_a, office_b, django_capture_on_commit_callbacks
):
    colleague = make_account(Role.OFFICE, street_a.street)
    issue = assigned_issue(street_a, colleague, unit="区水务局")
    recipients = set(Notification.objects.filter(issue=issue).values_list("recipient", flat=True))
    assert recipients == {office_a.pk}
    assert not Delivery.objects.filter(channel="email").exists()  # nobody has an address


def test_notify_is_idempotent_per_key(street_a, chief_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(
            recipients=[chief_user, chief_user],
            issue=None,
            kind=NotificationKind.REMIND,
            title="催办",
            body="请抓紧整改",
            dedup_key="test:1",
        )
        again = notify(
            recipients=[chief_user],
            issue=None,
            kind=NotificationKind.REMIND,
            title="催办",
            body="请抓紧整改",
            dedup_key="test:1",
        )
    assert len(first) == 1 and again == []
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_workflow_actions_tell_the_assignee(
    api, street_a, office_a, chief_user, django_capture_on_commit_callbacks
):
    issue = assigned_issue(street_a, office_a, deadline=timezone.localdate())
    url = f"/api/v1/issues/{issue.pk}/actions/"
    client = api.as_user(office_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "remind", "comment": "尽快"}, format="json")
        assert response.status_code == 200, response.content
        deadline = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
        response = client.post(
            url,
            {"action": "escalate", "deadline": deadline, "comment": "群众反映强烈"},
            format="json",
        )
    assert response.status_code == 200, response.content
    kinds = list(
        Notification.objects.filter(recipient=chief_user)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        NotificationKind.ASSIGNED,
        NotificationKind.REMIND,
        NotificationKind.SUPERVISION,
    ]
    assert "尽快" in Notification.objects.get(kind=NotificationKind.REMIND).body
    supervision = Notification.objects.get(kind=NotificationKind.SUPERVISION)
    assert "群众反映强烈" in supervision.body
    order = SupervisionOrder.objects.get()
    assert order.issued_by == office_a and order.reason == "群众反映强烈"
    assert order.deadline.isoformat() == deadline and order.original_deadline == issue.deadline

    listed = client.get(f"/api/v1/issues/{issue.pk}/supervision-orders/").json()
    assert [row["number"] for row in listed] == [order.number]
    assert listed[0]["pdf"].endswith(f"/api/v1/supervision-orders/{order.pk}/pdf/")

    # A refused action tells nobody.
    count = Notification.objects.count()
    response = client.post(url, {"action": "accept"}, format="json")
    assert response.status_code == 409
    assert Notification.objects.count() == count


def test_the_api_shows_only_ones_own_notifications(
    api, street_a, office_a, chief_user, django_capture_on_commit_callbacks
):
    assigned_issue(street_a, office_a)
    mine = Notification.objects.get(recipient=chief_user)
    client = api.as_user(office_a)
    assert client.get("/api/v1/notifications/").json()["count"] == 0
    assert client.get(f"/api/v1/notifications/{mine.pk}/").status_code == 404
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 404

    client = api.as_user(chief_user)
    body = client.get("/api/v1/notifications/?unread=true").json()
    assert [row["id"] for row in body["results"]] == [mine.pk]
    assert body["results"][0]["unread"] is True
    response = client.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    first_read = response.json()["read_at"]
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").json()["read_at"] == first_read
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 0
    assert client.get("/api/v1/notifications/?unread=false").json()["count"] == 1

    api.force_authenticate(user=None)
    assert api.get("/api/v1/notifications/").status_code == 401


# --- the supervision order as a PDF --------------------------------------------------------------


def test_supervision_order_pdf(api, street_a, office_a, office_b, chief_user, tmp_path):
    issue = assigned_issue(street_a, office_a, deadline=D(2024, 9, 30))
    services.issue_auto_escalate(
        issue_id=issue.pk, overdue_deadline=D(2024, 9, 30), today=D(2024, 10, 14)
    )
    order = SupervisionOrder.objects.get()

    assert (
        api.as_user(office_b).get(f"/api/v1/supervision-orders/{order.pk}/pdf/").status_code == 404
    )
    response = api.as_user(office_a).get(f"/api/v1/supervision-orders/{order.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    listed = api.as_user(chief_user).get("/api/v1/supervision-orders/").json()
    assert [row["id"] for row in listed["results"]] == [order.pk]

    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        path = tmp_path / "order.pdf"
        path.write_bytes(content)
        text = subprocess.run(  # noqa: S603
            [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "督办单" in text
        assert order.number in text
        assert issue.code in text
        assert "2024年9月30日" in text  # the original deadline
        assert "街道1河长制办公室" in text


def test_supervision_order_pdf_without_chinese_fonts_says_so(
    api, street_a, office_a, chief_user, monkeypatch
):
    issue = assigned_issue(street_a, office_a, deadline=D(2024, 9, 30))
    services.issue_auto_escalate(
        issue_id=issue.pk, overdue_deadline=D(2024, 9, 30), today=D(2024, 10, 14)
    )
    monkeypatch.setattr("core.pdf.cjk_font_families", set)
    order = SupervisionOrder.objects.get()
    response = api.as_user(office_a).get(f"/api/v1/supervision-orders/{order.pk}/pdf/")
    assert response.status_code == 503
    assert "中文字体" in response.json()["detail"]
