"""Voiding an issue (作废): the office ends an open issue without work, for a reason (a
duplicate, not a real problem, not ours). A voided issue is neither open nor closed: it counts
in no figure but the voided, and a citizen's report reads 不予受理, never rectified."""

import datetime
import re
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from audit.models import AuditEntry
from issues import selectors, services
from issues.models import Issue, IssueStatus
from notifications.models import Notification, NotificationKind
from public_reports.models import PublicReport, tracking_code_new

from . import factories
from .conftest import make_account

OPEN = [
    IssueStatus.REPORTED,
    IssueStatus.ASSIGNED,
    IssueStatus.RECTIFYING,
    IssueStatus.AWAITING_ACCEPTANCE,
]


def make_issue(street, *, status=IssueStatus.REPORTED, chief=None, days_left=10) -> Issue:
    issue = services.issue_report(
        user=None,
        title="桥下漂浮垃圾",
        category="garbage",
        source="public",
        reach=street.reaches[0],
        reported_at=timezone.now() - datetime.timedelta(days=20),
    )
    Issue.objects.filter(pk=issue.pk).update(
        status=status,
        assignee_chief=chief,
        deadline=timezone.localdate() + datetime.timedelta(days=days_left),
        closed_at=timezone.now() - datetime.timedelta(days=1)
        if status == IssueStatus.CLOSED
        else None,
    )
    return Issue.objects.get(pk=issue.pk)


def void_url(issue: Issue) -> str:
    return f"/api/v1/issues/{issue.pk}/actions/"


@pytest.fixture
def leader(street_a):
    return make_account(Role.LEADER, street_a.street)


# --- The API -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", OPEN)
def test_the_office_voids_an_open_issue_with_a_reason(api, street_a, office_a, status):
    issue = make_issue(street_a, status=status)
    response = api.as_user(office_a).post(
        void_url(issue),
        {"action": "void", "reason": "not_ours", "comment": "属上游邻街管辖"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["void_reason"], body["closed_at"]) == ("voided", "not_ours", None)
    assert body["voided_at"] is not None
    issue.refresh_from_db()
    assert issue.status == IssueStatus.VOIDED and issue.closed_at is None
    event = issue.events.last()
    assert (event.action, event.from_status, event.to_status) == ("void", status, "voided")
    assert (event.reason, event.comment) == ("not_ours", "属上游邻街管辖")
    if status == IssueStatus.REPORTED:  # the others were put in their status by hand
        assert services.issue_replay(issue=issue) == IssueStatus.VOIDED
    timeline = api.as_user(office_a).get(f"/api/v1/issues/{issue.pk}/timeline/").json()
    assert timeline[-1]["action"] == "void" and timeline[-1]["reason"] == "not_ours"
    entry = AuditEntry.objects.get(action="void", object_id=str(issue.pk))
    assert entry.detail == {"comment": "属上游邻街管辖", "reason": "not_ours"}
    assert entry.changes["status"] == [status, "voided"]


def test_the_admin_may_void_too_and_the_comment_is_optional(api, street_a, admin_user):
    issue = make_issue(street_a)
    response = api.as_user(admin_user).post(
        void_url(issue), {"action": "void", "reason": "duplicate"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["void_reason"] == "duplicate"


@pytest.mark.parametrize("reason", [None, "", "fake", "作废"])
def test_void_needs_one_of_the_three_reasons(api, street_a, office_a, reason):
    issue = make_issue(street_a)
    payload = {"action": "void", "comment": "重复"}
    if reason is not None:
        payload["reason"] = reason
    response = api.as_user(office_a).post(void_url(issue), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    assert "作废原因" in response.json()["reason"][0]
    issue.refresh_from_db()
    assert issue.status == IssueStatus.REPORTED and issue.events.count() == 1


@pytest.mark.parametrize("role", [Role.CHIEF, Role.LEADER])
def test_chiefs_and_leaders_may_not_void(api, street_a, chief_a1, leader, role):
    user = chief_a1 if role == Role.CHIEF else leader
    issue = make_issue(street_a, status=IssueStatus.ASSIGNED, chief=street_a.chiefs[0])
    response = api.as_user(user).post(
        void_url(issue), {"action": "void", "reason": "invalid"}, format="json"
    )
    assert response.status_code == 403
    assert Issue.objects.get(pk=issue.pk).status == IssueStatus.ASSIGNED


@pytest.mark.parametrize("status", [IssueStatus.CLOSED, IssueStatus.VOIDED])
def test_a_closed_or_voided_issue_cannot_be_voided(api, street_a, office_a, status):
    issue = make_issue(street_a, status=status)
    response = api.as_user(office_a).post(
        void_url(issue), {"action": "void", "reason": "invalid"}, format="json"
    )
    assert response.status_code == 409
    assert Issue.objects.get(pk=issue.pk).status == status


def test_no_action_moves_a_voided_issue(api, street_a, office_a):
    issue = make_issue(street_a, status=IssueStatus.VOIDED)
    for action in ("assign", "start", "submit", "accept", "reject", "escalate", "remind"):
        response = api.as_user(office_a).post(
            void_url(issue),
            {
                "action": action,
                "comment": "x",
                "deadline": "2099-01-01",
                "assignee": {"unit": "区水利局"},
            },
            format="json",
        )
        assert response.status_code == 409, action


def test_the_assignee_is_told_with_the_reason(api, street_a, office_a, chief_a1):
    issue = make_issue(street_a, status=IssueStatus.RECTIFYING, chief=street_a.chiefs[0])
    api.as_user(office_a).post(
        void_url(issue), {"action": "void", "reason": "duplicate"}, format="json"
    )
    (notice,) = Notification.objects.filter(recipient=chief_a1, issue=issue)
    assert notice.kind == NotificationKind.VOIDED
    assert notice.title.startswith("作废：")
    assert "重复上报" in notice.body and "无需再整改" in notice.body


# --- What a voided issue counts in --------------------------------------------------------------


def test_a_voided_issue_is_not_open_not_counted_and_never_overdue(api, street_a, office_a):
    voided = make_issue(street_a, status=IssueStatus.ASSIGNED, days_left=-5)
    overdue = make_issue(street_a, status=IssueStatus.ASSIGNED, days_left=-5)
    closed = make_issue(street_a, status=IssueStatus.CLOSED, days_left=-5)
    services.issue_act(issue_id=voided.pk, user=office_a, action="void", reason="invalid")
    everything = Issue.objects.in_region(street_a.street)
    assert set(everything.open()) == {overdue}
    assert set(everything.counted()) == {overdue, closed}
    assert {i.pk for i in selectors.issue_list(user=office_a) if i.overdue} == {overdue.pk}
    listed = api.as_user(office_a).get("/api/v1/issues/?overdue=true").json()
    assert [row["id"] for row in listed["results"]] == [overdue.pk]
    statuses = api.as_user(office_a).get("/api/v1/issues/?status=voided").json()
    assert [row["id"] for row in statuses["results"]] == [voided.pk]
    today = timezone.localdate()
    assert set(Issue.objects.overdue_on(today)) == {overdue}


# --- The pages ---------------------------------------------------------------------------------


def shown_actions(response) -> set[str]:
    return set(re.findall(r'data-action-form="(\w+)"', response.content.decode()))


def test_the_page_offers_void_to_the_office_exactly_when_it_may(client, street_a, office_a, leader):
    issue = make_issue(street_a, status=IssueStatus.RECTIFYING, chief=street_a.chiefs[0])
    client.force_login(office_a)
    html = client.get(f"/issues/{issue.pk}/").content.decode()
    assert "void" in shown_actions(client.get(f"/issues/{issue.pk}/"))
    assert 'name="void-reason"' in html
    for value, label in (
        ("duplicate", "重复上报"),
        ("invalid", "无效问题"),
        ("not_ours", "不属于本辖区"),
    ):
        assert f'<option value="{value}">{label}</option>' in html
    assert 'name="void-comment"' in html
    client.force_login(leader)
    assert "void" not in shown_actions(client.get(f"/issues/{issue.pk}/"))
    for status in (IssueStatus.CLOSED, IssueStatus.VOIDED):
        ended = make_issue(street_a, status=status)
        client.force_login(office_a)
        assert "void" not in shown_actions(client.get(f"/issues/{ended.pk}/"))


def test_the_chief_in_charge_is_not_offered_void(client, street_a, chief_a1):
    issue = make_issue(street_a, status=IssueStatus.ASSIGNED, chief=street_a.chiefs[0])
    client.force_login(chief_a1)
    assert shown_actions(client.get(f"/issues/{issue.pk}/")) == {"start"}


def test_voiding_from_the_page(client, street_a, office_a):
    issue = make_issue(street_a, status=IssueStatus.ASSIGNED)
    client.force_login(office_a)
    refused = client.post(
        f"/issues/{issue.pk}/act/", {"action": "void", "void-comment": "与0003重复"}
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "请选择作废原因" in html
    assert "与0003重复" in html  # what was typed is kept
    assert Issue.objects.get(pk=issue.pk).status == IssueStatus.ASSIGNED

    response = client.post(
        f"/issues/{issue.pk}/act/",
        {"action": "void", "void-reason": "duplicate", "void-comment": "与0003重复"},
    )
    assert response.status_code == 302
    issue.refresh_from_db()
    assert (issue.status, issue.void_reason) == (IssueStatus.VOIDED, "duplicate")
    page = client.get(response["Location"]).content.decode()
    assert '<span class="status status-voided" id="issue-status">已作废</span>' in page
    assert '<dd id="issue-void-reason">重复上报</dd>' in page
    assert "作废原因：重复上报" in page  # on the timeline
    assert 'id="no-actions"' in page


def test_the_list_filters_by_voided(client, street_a, office_a):
    voided = make_issue(street_a, status=IssueStatus.VOIDED)
    other = make_issue(street_a, status=IssueStatus.REPORTED)
    client.force_login(office_a)
    html = client.get("/issues/").content.decode()
    assert '<option value="voided">已作废</option>' in html
    html = client.get("/issues/", {"status": "voided"}).content.decode()
    assert f"/issues/{voided.pk}/" in html and f"/issues/{other.pk}/" not in html


def test_the_ledger_shows_the_status_and_the_reason(api, street_a, office_a):
    issue = make_issue(street_a, status=IssueStatus.ASSIGNED)
    services.issue_act(issue_id=issue.pk, user=office_a, action="void", reason="not_ours")
    response = api.as_user(office_a).get("/api/v1/issues/ledger/")
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    row = dict(zip(rows[1], rows[2], strict=True))  # below the ledger's title row
    assert (row["状态"], row["作废原因"], row["销号时间"], row["是否超期"]) == (
        "已作废",
        "不属于本辖区",
        None,
        "否",
    )
    assert row["处理过程"].endswith(" 作废")


# --- The citizen's tracking page ---------------------------------------------------------------


def test_a_voided_public_report_reads_not_accepted_with_the_reason(client, street_a, office_a):
    report = factories.PublicReportFactory(
        issue__reach=street_a.reaches[0],
        issue__reported_at=timezone.now(),
        tracking_code=tracking_code_new(),
    )
    factories.IssueEventFactory(issue=report.issue)
    services.issue_act(
        issue_id=report.issue_id,
        user=office_a,
        action="void",
        reason="duplicate",
        comment="与已受理的举报重复（内部说明）",
    )
    response = client.get(f"/r/track/{report.tracking_code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<strong id="issue-status" class="status voided">不予受理</strong>' in html
    assert '<dd id="void-reason">重复上报</dd>' in html
    today = timezone.localdate().isoformat()
    timeline = re.findall(r"<time[^>]*>([^<]+)</time> ([^<]+)</li>", html)
    assert timeline[-1] == (today, "不予受理")
    for shown_as_done in ("已销号", "已作废", "整改", "内部说明"):
        assert shown_as_done not in html, shown_as_done
    assert PublicReport.objects.get().issue.closed_at is None


def test_a_voided_issue_takes_no_more_photos(api, client, street_a, office_a):
    from .test_dashboard import jpeg

    issue = make_issue(street_a)
    answer = api.as_user(office_a).post(
        void_url(issue), {"action": "void", "reason": "duplicate"}, format="json"
    )
    assert answer.status_code == 200, answer.content
    refused = api.as_user(office_a).post(
        f"/api/v1/issues/{issue.pk}/photos/", {"image": jpeg(), "stage": "after"}
    )
    assert refused.status_code == 409
    assert issue.photos.count() == 0
    client.force_login(office_a)
    page = client.get(f"/issues/{issue.pk}/").content.decode()
    assert "上传照片" not in page
