"""Issue tickets: the workflow table per role and status, row locking, timeline replay."""

import datetime
import threading
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from accounts.models import Role
from core.exceptions import StateConflict
from issues import services
from issues.models import Issue, IssuePhoto, IssueStatus, PhotoStage
from issues.workflow import TRANSITIONS

from .conftest import make_account

ROLES = [Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CHIEF]


def jpeg() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, "JPEG")
    return SimpleUploadedFile("after.jpg", buffer.getvalue(), "image/jpeg")


def make_issue(street, *, status=IssueStatus.REPORTED, chief=None, after_photo=False) -> Issue:
    reach = street.reaches[0]
    issue = services.issue_report(
        user=None,
        title="河道内有建筑垃圾",
        category="dumping",
        source="patrol",
        reach=reach,
        reported_at=timezone.now() - datetime.timedelta(days=3),
    )
    Issue.objects.filter(pk=issue.pk).update(
        status=status,
        assignee_chief=chief if status != IssueStatus.REPORTED else None,
        deadline=timezone.localdate() + datetime.timedelta(days=10),
    )
    if after_photo:
        IssuePhoto.objects.create(issue=issue, stage=PhotoStage.AFTER, image=jpeg())
    return Issue.objects.get(pk=issue.pk)


def full_payload(action: str, street) -> dict:
    return {
        "action": action,
        "comment": "按要求处理",
        "deadline": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
        "assignee": {"chief": street.chiefs[0].pk},
        "reason": "duplicate",
    }


@pytest.fixture
def accounts(street_a, admin_user, office_a, chief_a1):
    leader = make_account(Role.LEADER, street_a.street)
    return {
        Role.ADMIN: admin_user,
        Role.OFFICE: office_a,
        Role.LEADER: leader,
        Role.CHIEF: chief_a1,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(TRANSITIONS))
@pytest.mark.parametrize("status", list(IssueStatus))
def test_every_transition_per_role(
    api, settings, tmp_path, street_a, accounts, status, action, role
):
    settings.MEDIA_ROOT = tmp_path
    transition = TRANSITIONS[action]
    # The issue is in the chief's hands, so only the table decides.
    issue = make_issue(street_a, status=status, chief=street_a.chiefs[0], after_photo=True)
    response = api.as_user(accounts[role]).post(
        f"/api/v1/issues/{issue.pk}/actions/", full_payload(action, street_a), format="json"
    )
    if role not in transition.roles:
        expected = 403
    elif status not in transition.sources:
        expected = 409
    else:
        expected = 200
    assert response.status_code == expected, response.content
    issue_after = Issue.objects.get(pk=issue.pk)
    if expected == 200:
        assert issue_after.status == (transition.target or status)
        assert issue_after.events.last().action == action
    else:
        assert issue_after.status == status
        assert issue_after.events.count() == 1


def test_chief_cannot_move_an_issue_handed_to_someone_else(api, street_a, chief_a1):
    issue = make_issue(street_a, status=IssueStatus.ASSIGNED, chief=street_a.chiefs[1])
    response = api.as_user(chief_a1).post(
        f"/api/v1/issues/{issue.pk}/actions/", {"action": "start"}, format="json"
    )
    assert response.status_code in (403, 404)


def test_acceptance_needs_an_after_photo(api, office_a, street_a):
    issue = make_issue(street_a, status=IssueStatus.AWAITING_ACCEPTANCE, chief=street_a.chiefs[0])
    url = f"/api/v1/issues/{issue.pk}/actions/"
    response = api.as_user(office_a).post(url, {"action": "accept"}, format="json")
    assert response.status_code == 409
    assert "照片" in response.json()["detail"]


def test_reject_needs_a_reason(api, office_a, street_a):
    issue = make_issue(street_a, status=IssueStatus.AWAITING_ACCEPTANCE, chief=street_a.chiefs[0])
    response = api.as_user(office_a).post(
        f"/api/v1/issues/{issue.pk}/actions/", {"action": "reject"}, format="json"
    )
    assert response.status_code == 400 and "comment" in response.json()


def test_a_whole_life_replays_to_its_status(api, settings, tmp_path, office_a, chief_a1, street_a):
    settings.MEDIA_ROOT = tmp_path
    office, chief = api.as_user(office_a), None
    created = office.post(
        "/api/v1/issues/",
        {
            "title": "岸边乱堆",
            "category": "dumping",
            "source": "office",
            "reach": street_a.reaches[0].pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    issue_id = created.json()["id"]
    assert created.json()["code"].endswith("-0001")
    url = f"/api/v1/issues/{issue_id}/actions/"
    steps = [
        (office_a, {"action": "assign", "assignee": {"chief": street_a.chiefs[0].pk}}),
        (chief_a1, {"action": "start"}),
        (chief_a1, {"action": "submit", "comment": "已清理"}),
        (office_a, {"action": "reject", "comment": "仍有残留"}),
        (chief_a1, {"action": "submit", "comment": "已全部清理"}),
    ]
    for user, payload in steps:
        chief = api.as_user(user)
        assert chief.post(url, payload, format="json").status_code == 200, payload
    photo = api.as_user(chief_a1).post(
        f"/api/v1/issues/{issue_id}/photos/",
        {"image": jpeg(), "stage": "after"},
        format="multipart",
    )
    assert photo.status_code == 201, photo.json()
    accepted = api.as_user(office_a).post(url, {"action": "accept"}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "closed"
    issue = Issue.objects.get(pk=issue_id)
    assert services.issue_replay(issue=issue) == issue.status == IssueStatus.CLOSED
    timeline = api.as_user(office_a).get(f"/api/v1/issues/{issue_id}/timeline/").json()
    assert [e["action"] for e in timeline] == [
        "report",
        "assign",
        "start",
        "submit",
        "reject",
        "submit",
        "accept",
    ]
    assert issue.deadline is not None  # the default for the category and urgency


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_accepts_give_one_success(settings, tmp_path, county):
    from .conftest import _build_street

    settings.MEDIA_ROOT = tmp_path
    street = _build_street(county, 7)
    issue = make_issue(
        street, status=IssueStatus.AWAITING_ACCEPTANCE, chief=street.chiefs[0], after_photo=True
    )
    office = make_account(Role.OFFICE, street.street)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept() -> None:
        close_old_connections()
        barrier.wait()
        try:
            services.issue_act(issue_id=issue.pk, user=office, action="accept")
            outcomes.append("ok")
        except StateConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "ok"]
    assert Issue.objects.get(pk=issue.pk).events.filter(action="accept").count() == 1


def test_a_file_that_is_not_an_image_is_refused(api, office_a, street_a):
    issue = make_issue(street_a)
    response = api.as_user(office_a).post(
        f"/api/v1/issues/{issue.pk}/photos/",
        {"image": SimpleUploadedFile("x.jpg", b"<svg onload=alert(1)>"), "stage": "before"},
        format="multipart",
    )
    assert response.status_code == 400
    assert not issue.photos.exists()


def test_chief_sees_only_its_region_issues(api, chief_a1, street_a, street_b):
    own = make_issue(street_a)
    other = make_issue(street_b)
    client = api.as_user(chief_a1)
    assert {row["id"] for row in client.get("/api/v1/issues/").json()["results"]} == {own.pk}
    assert client.get(f"/api/v1/issues/{other.pk}/").status_code == 404
    response = client.post(
        f"/api/v1/issues/{other.pk}/actions/", {"action": "start"}, format="json"
    )
    assert response.status_code == 404


def test_overdue_filter(api, office_a, street_a):
    late = make_issue(street_a, status=IssueStatus.RECTIFYING, chief=street_a.chiefs[0])
    Issue.objects.filter(pk=late.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    make_issue(street_a, status=IssueStatus.RECTIFYING, chief=street_a.chiefs[0])
    rows = api.as_user(office_a).get("/api/v1/issues/?overdue=true").json()["results"]
    assert [row["id"] for row in rows] == [late.pk]
    assert rows[0]["overdue"] is True


def test_issue_list_queries_do_not_grow(api, office_a, street_a):
    client = api.as_user(office_a)

    def measure() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/issues/?page_size=500").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(5):
        make_issue(street_a, status=IssueStatus.ASSIGNED, chief=street_a.chiefs[0])
    small = measure()
    for _ in range(45):
        make_issue(street_a, status=IssueStatus.ASSIGNED, chief=street_a.chiefs[0])
    assert measure() == small


def test_bad_issue_input_answers_400(api, office_a, street_a):
    client = api.as_user(office_a)
    for payload in (
        {},
        {"title": "x", "category": "nonsense", "source": "office", "reach": street_a.reaches[0].pk},
        {"title": "x", "category": "dumping", "source": "office", "reach": 10**9},
        {"title": "x", "category": "dumping", "source": "office"},
    ):
        response = client.post("/api/v1/issues/", payload, format="json")
        assert response.status_code == 400, payload


def test_a_patrol_finding_opens_an_issue_in_one_step(api, office_a, street_a):
    from patrols.models import Patrol

    chief, reach = street_a.chiefs[0], street_a.reaches[0]
    start = timezone.now() - datetime.timedelta(days=1)
    patrol = Patrol.objects.create(
        chief=chief,
        reach=reach,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=1),
        started_on=timezone.localdate(start),
        valid=True,
    )
    finding = patrol.findings.create(description="排口有异味", lat="34.78", lon="113.65")
    url = f"/api/v1/patrols/{patrol.pk}/findings/{finding.pk}/issue/"
    client = api.as_user(office_a)
    first = client.post(url, {"category": "outfall", "urgency": "urgent"}, format="json")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["source"] == "patrol" and body["patrol"] == patrol.pk
    assert body["title"] == "排口有异味" and body["reach"] == reach.pk
    again = client.post(url, {"category": "outfall"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Issue.objects.count() == 1
