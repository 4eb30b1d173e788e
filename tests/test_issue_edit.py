"""编辑: the office corrects and reclassifies an open issue on its page and through PATCH; each
change is audited with its old and new values and written on the timeline; a closed or voided
issue stays as it ended; other roles are refused; the deadline moves only while assigned."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from issues import services
from issues.models import Issue, IssueDeadline, IssueEvent, IssueStatus

from .conftest import make_account

REPORTED_AT = datetime.datetime(2024, 5, 6, 10, 0, tzinfo=datetime.UTC)


def make_issue(street, **fields) -> Issue:
    issue = services.issue_report(
        user=None,
        title="河道有垃圾",
        description="岸边堆着生活垃圾",
        category="other",
        source="public",
        reach=street.reaches[0],
        reported_at=REPORTED_AT,
    )
    if fields:
        Issue.objects.filter(pk=issue.pk).update(**fields)
    return Issue.objects.get(pk=issue.pk)


def edit_form(issue: Issue, **changes) -> dict:
    data = {
        "title": issue.title,
        "category": issue.category,
        "source": issue.source,
        "urgency": issue.urgency,
        "reach": str(issue.reach_id or ""),
        "region": str(issue.region_id),
        "description": issue.description,
        "lat": "",
        "lon": "",
    }
    data.update(changes)
    return data


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def update_entries(issue: Issue) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type="issues.issue", object_id=str(issue.pk), action="update"
        )
    )


def test_the_office_reclassifies_and_retitles_an_issue_on_its_page(client, office_a, street_a):
    issue = make_issue(street_a)
    client.force_login(office_a)
    page = client.get(f"/issues/{issue.pk}/").content.decode()
    assert f'href="/issues/{issue.pk}/edit/"' in page
    form = client.get(f"/issues/{issue.pk}/edit/")
    assert form.status_code == 200
    assert 'name="deadline"' not in form.content.decode()  # 待交办: set when it is assigned

    response = client.post(
        f"/issues/{issue.pk}/edit/",
        edit_form(
            issue,
            title="东风河岸边生活垃圾堆积",
            category="garbage",
            source="patrol",
            reach=str(street_a.reaches[1].pk),
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == f"/issues/{issue.pk}/"
    issue.refresh_from_db()
    assert issue.title == "东风河岸边生活垃圾堆积"
    assert issue.category == "garbage"
    assert issue.source == "patrol"
    assert issue.reach == street_a.reaches[1]
    assert issue.region == street_a.communities[1]  # the reach's, not the old one's
    [entry] = update_entries(issue)
    assert entry.user == office_a
    assert entry.changes["title"] == ["河道有垃圾", "东风河岸边生活垃圾堆积"]
    assert entry.changes["category"] == ["other", "garbage"]
    assert entry.changes["source"] == ["public", "patrol"]
    assert entry.changes["reach"] == [street_a.reaches[0].pk, street_a.reaches[1].pk]
    assert entry.changes["region"] == [street_a.communities[0].pk, street_a.communities[1].pk]
    assert "description" not in entry.changes
    line = IssueEvent.objects.get(issue=issue, action="edit")
    assert line.by == office_a
    assert line.from_status == line.to_status == IssueStatus.REPORTED
    assert "问题类别：其他 → 垃圾" in line.comment
    assert services.issue_replay(issue=issue) == IssueStatus.REPORTED
    page = client.get(f"/issues/{issue.pk}/").content.decode()
    assert "问题类别：其他 → 垃圾" in page


def test_an_edit_that_changes_nothing_writes_nothing(client, office_a, street_a):
    issue = make_issue(street_a)
    client.force_login(office_a)
    response = client.post(f"/issues/{issue.pk}/edit/", edit_form(issue))
    assert response.status_code == 302
    assert update_entries(issue) == []
    assert not IssueEvent.objects.filter(issue=issue, action="edit").exists()


def test_bad_input_keeps_what_was_typed_with_a_chinese_error(client, office_a, street_a):
    issue = make_issue(street_a)
    client.force_login(office_a)
    response = client.post(
        f"/issues/{issue.pk}/edit/",
        edit_form(issue, title="", description="新写的描述，不能丢", lat="95"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "新写的描述，不能丢" in page
    assert 'value="95"' in page
    assert "该字段不能为空" in page or "不能为空" in page
    issue.refresh_from_db()
    assert issue.title == "河道有垃圾"
    assert update_entries(issue) == []


@pytest.mark.parametrize("status", [IssueStatus.CLOSED, IssueStatus.VOIDED])
def test_a_closed_or_voided_issue_is_not_editable(client, api, office_a, street_a, status):
    ended = {"closed_at": timezone.now()} if status == IssueStatus.CLOSED else {}
    issue = make_issue(street_a, status=status, **ended)
    client.force_login(office_a)

    page = client.get(f"/issues/{issue.pk}/").content.decode()
    assert f'href="/issues/{issue.pk}/edit/"' not in page
    response = client.post(f"/issues/{issue.pk}/edit/", edit_form(issue, title="改个标题"))
    assert response.status_code == 302
    label = "已销号" if status == IssueStatus.CLOSED else "已作废"
    assert texts(response) == [f"问题{label}，不能再编辑。"]

    answer = api.as_user(office_a).patch(f"/api/v1/issues/{issue.pk}/", {"title": "改个标题"})
    assert answer.status_code == 409
    assert answer.json()["detail"] == f"问题{label}，不能再编辑。"
    issue.refresh_from_db()
    assert issue.title == "河道有垃圾"
    assert update_entries(issue) == []


@pytest.mark.parametrize("role", [Role.LEADER, Role.CHIEF])
def test_other_roles_may_not_edit(client, api, street_a, chief_a1, role):
    user = chief_a1 if role == Role.CHIEF else make_account(Role.LEADER, street_a.street)
    issue = make_issue(street_a, status=IssueStatus.ASSIGNED, assignee_chief=street_a.chiefs[0])
    client.force_login(user)
    assert f"/issues/{issue.pk}/edit/" not in client.get(f"/issues/{issue.pk}/").content.decode()
    assert client.get(f"/issues/{issue.pk}/edit/").status_code == 403
    assert client.post(f"/issues/{issue.pk}/edit/", edit_form(issue, title="x")).status_code == 403
    assert api.as_user(user).patch(f"/api/v1/issues/{issue.pk}/", {"title": "x"}).status_code == 403
    issue.refresh_from_db()
    assert issue.title == "河道有垃圾"


def test_another_regions_office_does_not_find_the_issue(client, api, office_b, street_a):
    issue = make_issue(street_a)
    client.force_login(office_b)
    assert client.get(f"/issues/{issue.pk}/edit/").status_code == 404
    answer = api.as_user(office_b).patch(f"/api/v1/issues/{issue.pk}/", {"title": "x"})
    assert answer.status_code == 404


def test_patch_reclassifies_through_the_api_and_is_audited(api, office_a, street_a):
    issue = make_issue(street_a)
    answer = api.as_user(office_a).patch(
        f"/api/v1/issues/{issue.pk}/",
        {"category": "pollution", "title": "排口附近水体发黑"},
        format="json",
    )
    assert answer.status_code == 200
    assert answer.json()["category"] == "pollution"
    assert answer.json()["overdue"] is False  # the whole issue answers, as before the edit
    [entry] = update_entries(issue)
    assert entry.changes == {
        "category": ["other", "pollution"],
        "title": ["河道有垃圾", "排口附近水体发黑"],
    }


def test_the_deadline_moves_only_while_assigned_and_goes_into_its_history(
    client, office_a, street_a
):
    issue = make_issue(
        street_a,
        status=IssueStatus.ASSIGNED,
        assignee_region=street_a.communities[0],
        deadline=datetime.date(2024, 5, 20),
    )
    client.force_login(office_a)
    assert 'name="deadline"' in client.get(f"/issues/{issue.pk}/edit/").content.decode()
    response = client.post(f"/issues/{issue.pk}/edit/", edit_form(issue, deadline="2024-05-24"))
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.deadline == datetime.date(2024, 5, 24)
    history = list(IssueDeadline.objects.filter(issue=issue).values_list("deadline", "action"))
    # The one it replaced, as in force since the issue was reported, then the edit.
    assert history == [(datetime.date(2024, 5, 20), "edit"), (datetime.date(2024, 5, 24), "edit")]
    [entry] = update_entries(issue)
    assert entry.changes["deadline"] == ["2024-05-20", "2024-05-24"]

    # A deadline cannot be cleared, nor set before the day the issue was found.
    refusals = (("", "整改时限设定后不能清空。"), ("2024-05-01", "整改时限不能早于发现日期。"))
    for typed, message in refusals:
        response = client.post(f"/issues/{issue.pk}/edit/", edit_form(issue, deadline=typed))
        assert response.status_code == 400
        assert message in response.content.decode()
    issue.refresh_from_db()
    assert issue.deadline == datetime.date(2024, 5, 24)


def test_once_work_started_the_deadline_is_set_by_a_supervision_not_an_edit(
    client, office_a, street_a
):
    issue = make_issue(
        street_a,
        status=IssueStatus.RECTIFYING,
        assignee_region=street_a.communities[0],
        deadline=datetime.date(2024, 5, 20),
    )
    client.force_login(office_a)
    page = client.get(f"/issues/{issue.pk}/edit/").content.decode()
    assert 'name="deadline"' not in page
    assert "整改时限在交办或督办时设定，此处不能修改。" in page
    # A deadline typed in anyway is not taken.
    response = client.post(f"/issues/{issue.pk}/edit/", edit_form(issue, deadline="2024-06-30"))
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.deadline == datetime.date(2024, 5, 20)
    # The service refuses it too.
    with pytest.raises(Exception) as refused:
        services.issue_edit(instance=issue, user=office_a, deadline=datetime.date(2024, 6, 30))
    assert "请通过交办或督办设定" in str(refused.value)
