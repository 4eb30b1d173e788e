"""转为问题: on a patrol's page the office turns each finding not yet an issue into one, through a
form pre-filled from the finding; afterwards the finding links to its issue and the issue back
to its patrol. Other roles cannot; a second try leads to the issue already opened."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Role
from audit.models import AuditEntry
from issues.models import Issue, IssuePhoto, IssueSource, PhotoStage

from . import factories
from .conftest import make_account

STARTED = datetime.datetime(2024, 5, 6, 1, 0, tzinfo=datetime.UTC)  # 09:00 in Asia/Shanghai


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def patrol(street_a):
    return factories.PatrolFactory(
        chief=street_a.chiefs[0], reach=street_a.reaches[0], started_at=STARTED
    )


@pytest.fixture
def finding(patrol):
    finding = factories.FindingFactory(
        patrol=patrol,
        description="桥下岸边堆着大量生活垃圾。附近居民反映有异味",
        lat=Decimal("34.751000"),
        lon=Decimal("113.621000"),
    )
    factories.FindingPhotoFactory(finding=finding)
    factories.FindingPhotoFactory(finding=finding)
    return finding


def patrol_url(patrol) -> str:
    return f"/workbench/patrols/{patrol.pk}/"


def convert_url(patrol, finding) -> str:
    return f"/workbench/patrols/{patrol.pk}/findings/{finding.pk}/issue/"


def form_data(street, **changes) -> dict:
    data = {
        "title": "桥下岸边堆着大量生活垃圾",
        "category": "garbage",
        "urgency": "normal",
        "reach": str(street.reaches[0].pk),
        "description": "桥下岸边堆着大量生活垃圾。附近居民反映有异味",
        "lat": "34.751000",
        "lon": "113.621000",
    }
    data.update(changes)
    return data


def test_the_patrol_page_offers_to_convert_each_finding_not_yet_an_issue(
    client, office_a, patrol, finding
):
    client.force_login(office_a)
    page = client.get(patrol_url(patrol)).content.decode()
    assert f'href="{convert_url(patrol, finding)}"' in page
    assert "转为问题" in page


def test_the_form_starts_from_the_finding(client, office_a, street_a, patrol, finding):
    client.force_login(office_a)
    response = client.get(convert_url(patrol, finding))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["title"] == "桥下岸边堆着大量生活垃圾"  # the first sentence
    assert form.initial["category"] == "garbage"  # 垃圾 in its words
    assert form.initial["description"] == "桥下岸边堆着大量生活垃圾。附近居民反映有异味"
    assert form.initial["reach"] == street_a.reaches[0].pk
    assert form.initial["lat"] == Decimal("34.751000")
    assert form.initial["lon"] == Decimal("113.621000")
    page = response.content.decode()
    assert page.count("/api/v1/files/finding-photo/") == 4  # two photos: link and image each


def test_converting_opens_the_issue_with_the_photos_and_links_both_ways(
    client, office_a, street_a, patrol, finding
):
    client.force_login(office_a)
    response = client.post(
        convert_url(patrol, finding),
        form_data(street_a, title="桥下生活垃圾堆积", urgency="urgent"),
    )

    issue = Issue.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/issues/{issue.pk}/"
    assert issue.title == "桥下生活垃圾堆积"
    assert issue.category == "garbage"
    assert issue.urgency == "urgent"
    assert issue.source == IssueSource.PATROL
    assert issue.reach == street_a.reaches[0]
    assert issue.lat == Decimal("34.751000")
    assert issue.reported_at == STARTED
    assert issue.patrol == patrol
    assert issue.finding == finding
    assert issue.created_by == office_a
    photos = IssuePhoto.objects.filter(issue=issue)
    assert photos.count() == 2
    assert set(photos.values_list("stage", flat=True)) == {PhotoStage.BEFORE}
    assert set(photos.values_list("image", flat=True)) == set(
        finding.photos.values_list("image", flat=True)
    )
    created = AuditEntry.objects.get(
        action="create", object_type="issues.issue", object_id=str(issue.pk)
    )
    assert created.user == office_a
    assert created.changes["title"] == [None, "桥下生活垃圾堆积"]
    assert created.changes["finding"] == [None, finding.pk]

    # The finding links to its issue, no longer offering to convert it...
    page = client.get(patrol_url(patrol)).content.decode()
    assert f'href="/issues/{issue.pk}/"' in page
    assert issue.code in page
    assert convert_url(patrol, finding) not in page
    # ...and the issue back to its patrol.
    page = client.get(f"/issues/{issue.pk}/").content.decode()
    assert f'href="/workbench/patrols/{patrol.pk}/"' in page
    # The API's findings say so too.
    body = client.get(f"/api/v1/patrols/{patrol.pk}/").json()
    assert body["findings"][0]["issue"] == {"id": issue.pk, "code": issue.code}


def test_a_finding_already_converted_leads_to_its_issue(
    client, office_a, street_a, patrol, finding
):
    client.force_login(office_a)
    client.post(convert_url(patrol, finding), form_data(street_a))
    issue = Issue.objects.get()
    again = client.post(convert_url(patrol, finding), form_data(street_a, title="第二次"))
    assert again.status_code == 302
    assert again["Location"] == f"/issues/{issue.pk}/"
    assert Issue.objects.count() == 1
    assert client.get(convert_url(patrol, finding))["Location"] == f"/issues/{issue.pk}/"


def test_bad_input_keeps_what_was_typed_with_a_chinese_error(
    client, office_a, street_a, patrol, finding
):
    client.force_login(office_a)
    response = client.post(
        convert_url(patrol, finding),
        form_data(street_a, title="", description="我改过的描述", lat="60.5", category="nope"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "我改过的描述" in page
    assert 'value="60.5"' in page
    assert "该字段是必填项。" in page
    assert "坐标不在中国境内" in page
    assert "选择一个有效的选项" in page
    assert not Issue.objects.exists()


@pytest.mark.parametrize("role", [Role.LEADER, Role.CHIEF])
def test_other_roles_cannot_convert(client, street_a, chief_a1, patrol, finding, role):
    user = chief_a1 if role == Role.CHIEF else make_account(Role.LEADER, street_a.street)
    client.force_login(user)
    page = client.get(patrol_url(patrol)).content.decode()
    assert convert_url(patrol, finding) not in page
    assert client.get(convert_url(patrol, finding)).status_code == 403
    assert client.post(convert_url(patrol, finding), form_data(street_a)).status_code == 403
    assert not Issue.objects.exists()


def test_another_regions_office_does_not_find_the_patrol(
    client, office_b, street_a, patrol, finding
):
    client.force_login(office_b)
    assert client.get(convert_url(patrol, finding)).status_code == 404
    assert client.post(convert_url(patrol, finding), form_data(street_a)).status_code == 404
    assert not Issue.objects.exists()


def test_a_finding_of_another_patrol_is_not_found(client, office_a, street_a, patrol, finding):
    other = factories.PatrolFactory(
        chief=street_a.chiefs[1], reach=street_a.reaches[1], started_at=STARTED
    )
    client.force_login(office_a)
    assert client.get(convert_url(other, finding)).status_code == 404
