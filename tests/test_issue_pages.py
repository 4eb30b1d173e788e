"""The issue pages of the workbench: list, filters, bulk assign, report form, the issue page with
exactly the actions the role may take in the status, photos, and bounded queries."""

import datetime
import re
from io import BytesIO

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import Role
from issues import services
from issues.models import Issue, IssueEvent, IssuePhoto, IssueStatus, PhotoStage
from issues.workflow import TRANSITIONS
from rivers.models import ChiefRole

from . import factories
from .conftest import make_account

ROLES = [Role.ADMIN, Role.OFFICE, Role.LEADER, Role.CHIEF]


def jpeg(name="after.jpg") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg")


def make_issue(
    street, *, status=IssueStatus.REPORTED, chief=None, title="河道内有建筑垃圾", deadline=None
):
    issue = services.issue_report(
        user=None,
        title=title,
        category="dumping",
        source="patrol",
        reach=street.reaches[0],
        reported_at=timezone.now() - datetime.timedelta(days=3),
    )
    Issue.objects.filter(pk=issue.pk).update(
        status=status,
        assignee_chief=chief if status != IssueStatus.REPORTED else None,
        deadline=deadline or timezone.localdate() + datetime.timedelta(days=10),
    )
    return Issue.objects.get(pk=issue.pk)


def shown_actions(response) -> set[str]:
    return set(re.findall(r'data-action-form="(\w+)"', response.content.decode()))


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def accounts(street_a, admin_user, office_a, chief_a1):
    return {
        Role.ADMIN: admin_user,
        Role.OFFICE: office_a,
        Role.LEADER: make_account(Role.LEADER, street_a.street),
        Role.CHIEF: chief_a1,
    }


# --- The list ----------------------------------------------------------------------------------


def test_the_list_filters_by_status_overdue_category_and_search(client, office_a, street_a):
    assigned = make_issue(street_a, status=IssueStatus.ASSIGNED, chief=street_a.chiefs[0])
    late = make_issue(
        street_a,
        status=IssueStatus.RECTIFYING,
        chief=street_a.chiefs[0],
        title="排口污水直排",
        deadline=timezone.localdate() - datetime.timedelta(days=2),
    )
    reported = make_issue(street_a, title="岸边垃圾堆放")
    client.force_login(office_a)

    def codes(query: str) -> set[str]:
        response = client.get(f"/issues/?{query}")
        assert response.status_code == 200
        return {issue.code for issue in response.context["page"].object_list}

    assert codes("") == {assigned.code, late.code, reported.code}
    assert codes("status=assigned") == {assigned.code}
    assert codes("overdue=true") == {late.code}
    assert codes("search=排口") == {late.code}
    assert codes(f"search={reported.code}") == {reported.code}
    assert codes(f"assignee_chief={street_a.chiefs[0].pk}") == {assigned.code, late.code}
    assert codes("category=dumping&status=reported") == {reported.code}
    page = client.get("/issues/?overdue=true").content.decode()
    assert 'class="overdue"' in page
    assert "超期2天" in page


def test_the_export_link_carries_the_filters(client, office_a, street_a):
    make_issue(street_a)
    client.force_login(office_a)
    page = client.get("/issues/?status=reported&search=%E5%9E%83&page=1").content.decode()
    link = re.search(r'id="issue-export" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert link.startswith("/api/v1/issues/ledger/?")
    assert "status=reported" in link and "search=" in link and "page=" not in link
    assert client.get(link).status_code == 200


def test_an_empty_list_says_so(client, office_a):
    client.force_login(office_a)
    response = client.get("/issues/?status=closed")
    page = response.content.decode()
    assert "暂无符合条件的问题" in page
    filters = page.split('class="filters"', 1)[1].split("</form>", 1)[0]
    assert "---------" not in filters
    assert '<option value="">全部</option>' in filters


def test_another_region_s_issue_is_not_listed_and_its_page_is_not_found(
    client, office_a, street_a, street_b, media_root
):
    mine, theirs = make_issue(street_a), make_issue(street_b)
    photo = IssuePhoto.objects.create(issue=theirs, stage=PhotoStage.BEFORE, image=jpeg())
    client.force_login(office_a)
    listed = {issue.pk for issue in client.get("/issues/").context["page"].object_list}
    assert listed == {mine.pk}
    assert client.get(f"/issues/{theirs.pk}/").status_code == 404
    assert client.get(f"/issues/{theirs.pk}/photos/{photo.pk}/").status_code == 404
    response = client.post(f"/issues/{theirs.pk}/act/", {"action": "remind"})
    assert response.status_code == 404


def test_the_list_answers_in_15_queries_with_40_issues(
    client, office_a, street_a, django_assert_max_num_queries
):
    for n in range(40):
        make_issue(
            street_a,
            status=IssueStatus.ASSIGNED if n % 2 else IssueStatus.REPORTED,
            chief=street_a.chiefs[n % 2],
            title=f"问题{n}",
        )
    client.force_login(office_a)
    with django_assert_max_num_queries(15):
        response = client.get("/issues/")
    assert len(response.context["page"].object_list) == 40


# --- Bulk assign -------------------------------------------------------------------------------


def test_bulk_assign_assigns_what_it_may_and_names_each_refusal(client, office_a, street_a):
    first, second = make_issue(street_a), make_issue(street_a)
    closed = make_issue(street_a, status=IssueStatus.CLOSED, chief=street_a.chiefs[0])
    chief = street_a.chiefs[1]
    client.force_login(office_a)
    response = client.post(
        "/issues/?status=reported",
        {
            "issue": [first.pk, closed.pk, second.pk],
            "bulk-assignee_chief": chief.pk,
            "bulk-comment": "请尽快清理",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/issues/?status=reported"
    for issue in (first, second):
        issue.refresh_from_db()
        assert issue.status == IssueStatus.ASSIGNED
        assert issue.assignee_chief == chief
        assert issue.deadline is not None
        assert issue.events.last().comment == "请尽快清理"
    closed.refresh_from_db()
    assert closed.status == IssueStatus.CLOSED
    assert closed.events.count() == 1
    shown = texts(response)
    assert any(first.code in text and second.code in text for text in shown)
    assert any(closed.code in text and "已销号" in text for text in shown)


def test_bulk_assign_needs_exactly_one_assignee_shown_on_the_form(client, office_a, street_a):
    issue = make_issue(street_a)
    client.force_login(office_a)
    response = client.post(
        "/issues/",
        {
            "issue": [issue.pk],
            "bulk-assignee_chief": street_a.chiefs[0].pk,
            "bulk-assignee_unit": "城管局",
        },
    )
    assert response.status_code == 400
    assert "指定且只指定一项" in response.content.decode()
    assert 'value="城管局"' in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == IssueStatus.REPORTED


def test_bulk_assign_is_for_the_office(client, chief_a1, street_a):
    issue = make_issue(street_a)
    client.force_login(chief_a1)
    page = client.get("/issues/").content.decode()
    assert 'id="bulk-assign"' not in page
    response = client.post("/issues/", {"issue": [issue.pk], "bulk-assignee_unit": "城管局"})
    assert response.status_code == 403
    issue.refresh_from_db()
    assert issue.status == IssueStatus.REPORTED


def test_bulk_assign_ignores_issues_outside_the_region(client, office_a, street_a, street_b):
    theirs = make_issue(street_b)
    client.force_login(office_a)
    response = client.post("/issues/", {"issue": [theirs.pk], "bulk-assignee_unit": "城管局"})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.status == IssueStatus.REPORTED
    assert any("不在您的管辖范围" in text for text in texts(response))


# --- Reporting ---------------------------------------------------------------------------------


def test_a_new_issue_is_reported_and_its_page_opens(client, office_a, street_a):
    client.force_login(office_a)
    form = client.get("/issues/new/")
    assert form.status_code == 200
    page = form.content.decode()
    # The reach is searched through the API (a county has thousands), not listed in the page.
    assert 'data-picker-url="/api/v1/reaches/"' in page
    assert street_a.reaches[0].name not in page
    response = client.post(
        "/issues/new/",
        {
            "title": "河面漂浮物",
            "category": "dumping",
            "source": "office",
            "urgency": "normal",
            "reach": street_a.reaches[1].pk,
            "lat": "34.751234",
            "lon": "113.621234",
        },
    )
    issue = Issue.objects.get(title="河面漂浮物")
    assert response.status_code == 302
    assert response["Location"] == f"/issues/{issue.pk}/"
    assert issue.region == street_a.reaches[1].region
    assert issue.created_by == office_a
    assert issue.status == IssueStatus.REPORTED
    assert str(issue.lat) == "34.751234"


def test_a_report_with_errors_shows_them_next_to_the_fields(client, office_a, street_a, street_b):
    client.force_login(office_a)
    response = client.post(
        "/issues/new/",
        {
            "title": "",
            "category": "dumping",
            "source": "office",
            "reach": street_b.reaches[0].pk,  # another street's: as if it did not exist
            "lat": "3.5",
            "lon": "113.62",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"title", "reach"}
    page = response.content.decode()
    assert 'id="id_title_errors"' in page
    assert 'id="id_reach_errors"' in page
    assert 'role="alert"' in page
    assert not Issue.objects.exists()
    # The position check runs once the fields themselves are right.
    response = client.post(
        "/issues/new/",
        {"title": "漂浮物", "category": "dumping", "source": "office", "lat": "60", "lon": "1"},
    )
    assert response.status_code == 400
    assert "坐标不在中国境内" in response.content.decode()
    assert {"lat", "lon"} <= set(response.context["form"].errors)


def test_a_report_without_a_reach_or_region_is_refused_by_the_service(client, admin_user):
    client.force_login(admin_user)
    make_account(Role.OFFICE, None)
    response = client.post(
        "/issues/new/", {"title": "漂浮物", "category": "dumping", "source": "office"}
    )
    assert response.status_code == 400
    assert "请选择河段或所在区域" in response.content.decode()


def test_leaders_do_not_report(client, street_a):
    leader = make_account(Role.LEADER, street_a.street)
    client.force_login(leader)
    assert client.get("/issues/new/").status_code == 403


# --- The issue page ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", list(IssueStatus))
def test_the_page_offers_exactly_the_actions_of_the_role_in_the_status(
    client, street_a, accounts, status, role
):
    issue = make_issue(street_a, status=status, chief=street_a.chiefs[0])
    client.force_login(accounts[role])
    response = client.get(f"/issues/{issue.pk}/")
    assert response.status_code == 200
    expected = {
        action
        for action, transition in TRANSITIONS.items()
        if status in transition.sources and role in transition.roles
    }
    assert shown_actions(response) == expected
    if not expected:
        assert 'id="no-actions"' in response.content.decode()


def test_a_chief_not_in_charge_is_offered_no_actions(client, street_a):
    # A second chief of the same community: sees the issue, is not the one it was handed to.
    other = factories.ChiefFactory(region=street_a.chiefs[0].region, role=ChiefRole.COMMUNITY_CHIEF)
    account = make_account(Role.CHIEF, other.region, chief=other)
    issue = make_issue(street_a, status=IssueStatus.ASSIGNED, chief=street_a.chiefs[0])
    client.force_login(account)
    response = client.get(f"/issues/{issue.pk}/")
    assert response.status_code == 200
    assert shown_actions(response) == set()
    assert 'id="no-actions"' in response.content.decode()


# An account, a starting status and the fields each action asks for.
ACTION_CASES = {
    "assign": (Role.OFFICE, IssueStatus.REPORTED, {"assignee_region": "community"}),
    "start": (Role.CHIEF, IssueStatus.ASSIGNED, {}),
    "submit": (Role.CHIEF, IssueStatus.RECTIFYING, {"comment": "已清理完毕"}),
    "accept": (Role.OFFICE, IssueStatus.AWAITING_ACCEPTANCE, {}),
    "reject": (Role.OFFICE, IssueStatus.AWAITING_ACCEPTANCE, {"comment": "仍有残留"}),
    "escalate": (Role.ADMIN, IssueStatus.RECTIFYING, {"deadline": "in 20 days"}),
    "remind": (Role.OFFICE, IssueStatus.ASSIGNED, {}),
    "refer": (Role.OFFICE, IssueStatus.RECTIFYING, {"comment": "需协调水务局"}),
    "void": (Role.OFFICE, IssueStatus.ASSIGNED, {"reason": "duplicate", "comment": "重复"}),
}


def test_every_action_of_the_table_has_a_case():
    assert set(ACTION_CASES) == set(TRANSITIONS)


@pytest.mark.parametrize("action", list(TRANSITIONS))
def test_each_action_posts_through_the_service_and_moves_the_status(
    client, street_a, accounts, media_root, action
):
    role, status, fields = ACTION_CASES[action]
    issue = make_issue(street_a, status=status, chief=street_a.chiefs[0])
    IssuePhoto.objects.create(issue=issue, stage=PhotoStage.AFTER, image=jpeg())
    data = {"action": action}
    for name, value in fields.items():
        if value == "community":
            value = street_a.communities[0].pk
        elif value == "in 20 days":
            value = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
        data[f"{action}-{name}"] = value
    client.force_login(accounts[role])
    response = client.post(f"/issues/{issue.pk}/act/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    issue.refresh_from_db()
    assert issue.status == (TRANSITIONS[action].target or status)
    event = issue.events.last()
    assert event.action == action
    assert event.by == accounts[role]
    page = client.get(response["Location"]).content.decode()
    assert issue.get_status_display() in page
    if action == "escalate":
        order = issue.supervision_orders.get()
        assert f"/api/v1/supervision-orders/{order.pk}/pdf/" in page


def test_an_action_the_status_no_longer_allows_is_a_message(client, office_a, street_a):
    issue = make_issue(street_a, status=IssueStatus.CLOSED, chief=street_a.chiefs[0])
    client.force_login(office_a)
    response = client.post(f"/issues/{issue.pk}/act/", {"action": "remind"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "问题当前状态为“已销号”，不能执行此操作。" in page
    assert issue.events.count() == 1


def test_an_action_the_role_may_not_take_is_a_message(client, chief_a1, street_a):
    issue = make_issue(street_a, status=IssueStatus.AWAITING_ACCEPTANCE, chief=street_a.chiefs[0])
    client.force_login(chief_a1)
    response = client.post(f"/issues/{issue.pk}/act/", {"action": "accept"}, follow=True)
    assert "您的角色不能执行此操作。" in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == IssueStatus.AWAITING_ACCEPTANCE


def test_missing_input_is_shown_next_to_the_action_s_field(client, office_a, street_a):
    issue = make_issue(street_a, status=IssueStatus.AWAITING_ACCEPTANCE, chief=street_a.chiefs[0])
    client.force_login(office_a)
    response = client.post(f"/issues/{issue.pk}/act/", {"action": "reject", "reject-comment": " "})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_reject-comment_errors"' in page
    assert "请填写说明。" in page
    # Accepting without an "after" photo is a state conflict: a message, nothing changed.
    response = client.post(f"/issues/{issue.pk}/act/", {"action": "accept"}, follow=True)
    assert "验收前须上传整改后照片。" in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == IssueStatus.AWAITING_ACCEPTANCE


def test_the_timeline_names_each_step_with_its_photos(client, office_a, street_a, media_root):
    issue = make_issue(street_a)
    services.issue_act(
        issue_id=issue.pk,
        user=office_a,
        action="assign",
        comment="限期清理",
        assignee={"chief": street_a.chiefs[0]},
    )
    photo = services.issue_photo_add(
        issue=issue, user=office_a, image=jpeg(), stage=PhotoStage.AFTER
    )
    client.force_login(office_a)
    page = client.get(f"/issues/{issue.pk}/").content.decode()
    timeline = page.split('id="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "发现" in timeline and "交办" in timeline
    assert "待交办 → 已交办" in timeline
    assert "限期清理" in timeline
    # The photo uploaded after the assignment belongs to that step, and to the "after" column.
    assign_step = timeline.split('data-action="assign"', 1)[1]
    assert f"/issues/{issue.pk}/photos/{photo.pk}/" in assign_step
    after_column = page.split('data-stage="after"', 1)[1].split("</div>", 1)[0]
    assert f"/issues/{issue.pk}/photos/{photo.pk}/" in after_column
    served = client.get(f"/issues/{issue.pk}/photos/{photo.pk}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"


def test_a_chief_uploads_an_after_photo(client, chief_a1, street_a, media_root):
    issue = make_issue(street_a, status=IssueStatus.RECTIFYING, chief=street_a.chiefs[0])
    client.force_login(chief_a1)
    response = client.post(
        f"/issues/{issue.pk}/photos/", {"stage": "after", "image": jpeg("done.jpg")}
    )
    assert response.status_code == 302
    photo = issue.photos.get()
    assert photo.stage == PhotoStage.AFTER
    assert photo.uploaded_by == chief_a1


def test_a_file_that_is_not_a_photo_is_refused_on_the_form(client, office_a, street_a, media_root):
    issue = make_issue(street_a)
    client.force_login(office_a)
    fake = SimpleUploadedFile("x.jpg", b"<html>not an image</html>", "image/jpeg")
    response = client.post(f"/issues/{issue.pk}/photos/", {"stage": "before", "image": fake})
    assert response.status_code == 400
    assert 'id="id_image_errors"' in response.content.decode()
    assert not issue.photos.exists()


def test_leaders_see_no_upload_form_and_cannot_upload(client, street_a, media_root):
    issue = make_issue(street_a)
    leader = make_account(Role.LEADER, street_a.street)
    client.force_login(leader)
    assert "photo-submit" not in client.get(f"/issues/{issue.pk}/").content.decode()
    response = client.post(f"/issues/{issue.pk}/photos/", {"stage": "before", "image": jpeg()})
    assert response.status_code == 403


def test_the_issue_page_answers_in_19_queries_with_a_long_timeline(
    client, office_a, street_a, media_root, django_assert_max_num_queries
):
    issue = make_issue(street_a, status=IssueStatus.RECTIFYING, chief=street_a.chiefs[0])
    for n in range(60):
        services.issue_act(
            issue_id=issue.pk, user=office_a, action="remind", comment=f"第{n}次催办"
        )
    for n in range(12):
        IssuePhoto.objects.create(
            issue=issue, stage=PhotoStage.AFTER if n % 2 else PhotoStage.BEFORE, image=jpeg()
        )
    events = list(IssueEvent.objects.filter(issue=issue))
    IssuePhoto.objects.filter(issue=issue, stage=PhotoStage.BEFORE).update(event=events[0])
    services.issue_act(
        issue_id=issue.pk, user=office_a, action="escalate", deadline=timezone.localdate()
    )
    client.force_login(office_a)
    # 15 for the page, 3 for its change history (the events; the region and reach its changes
    # name: one query per referenced model, however many changes).
    with django_assert_max_num_queries(19):
        response = client.get(f"/issues/{issue.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count('data-action="remind"') == 60
