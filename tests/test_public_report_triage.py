"""分拣: the office triages a citizen's report on its own page: sets its category and a full title,
sees the reporter's phone (nobody else does, in no page and no API answer), accepts it, merges
it into an issue already known (the reporter's tracking page then follows that issue), or does
not accept it. Every step is audited with its old and new values."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages

from accounts.models import Role
from audit.models import AuditEntry
from issues import services as issue_services
from issues.models import Issue, IssueStatus
from issues.selectors import category_guess
from public_reports import services
from public_reports.models import PublicReport, Triage

from .conftest import make_account

PHONE = "13912345678"
DESCRIPTION = "桥下河道内漂着大量塑料瓶和泡沫箱，已经发臭。请尽快清理，谢谢！"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def report(street_a) -> PublicReport:
    sign = street_a.reaches[0].signs.get()
    return services.public_report_file(
        sign=sign,
        description=DESCRIPTION,
        photo=None,
        phone=PHONE,
        lat=None,
        lon=None,
        client_ip="203.0.113.5",
    )


@pytest.fixture
def known(street_a) -> Issue:
    """The issue the report turns out to duplicate, found on a patrol the day before."""
    return issue_services.issue_report(
        user=None,
        title="东风桥下漂浮垃圾",
        category="garbage",
        source="patrol",
        reach=street_a.reaches[0],
    )


def page_url(report) -> str:
    return f"/public-reports/{report.pk}/"


def triage_url(report) -> str:
    return f"/public-reports/{report.pk}/triage/"


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def entries(obj, action: str) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action
        )
    )


def test_a_report_arrives_waiting_with_its_first_sentence_as_title(report):
    assert report.triage == Triage.PENDING
    assert report.issue.title == "桥下河道内漂着大量塑料瓶和泡沫箱，已经发臭"
    assert report.issue.description == DESCRIPTION
    assert report.issue.category == "other"


def test_the_office_finds_it_in_its_queue_and_on_its_page_with_the_phone(client, office_a, report):
    client.force_login(office_a)
    queue = client.get("/public-reports/")
    assert queue.status_code == 200
    assert f'href="{page_url(report)}"' in queue.content.decode()
    assert "待分拣 1 条" in queue.content.decode()

    page = client.get(page_url(report))
    assert page.status_code == 200
    html = page.content.decode()
    assert PHONE in html
    assert DESCRIPTION in html
    assert report.tracking_code in html
    # The form starts from what the words say: 垃圾-like litter (塑料) rather than 其他.
    assert page.context["classify_form"].initial == {
        "title": "桥下河道内漂着大量塑料瓶和泡沫箱，已经发臭",
        "category": "garbage",
    }
    # The issue page shows the office the report too.
    issue_page = client.get(f"/issues/{report.issue_id}/").content.decode()
    assert PHONE in issue_page
    assert f'href="{page_url(report)}"' in issue_page


@pytest.mark.parametrize("role", [Role.LEADER, Role.CHIEF])
def test_other_roles_get_403_and_never_see_the_phone(client, api, street_a, chief_a1, report, role):
    user = chief_a1 if role == Role.CHIEF else make_account(Role.LEADER, street_a.street)
    if role == Role.CHIEF:
        # Handed to this chief, so that the chief may open the issue at all.
        Issue.objects.filter(pk=report.issue_id).update(
            status=IssueStatus.ASSIGNED, assignee_chief=chief_a1.chief
        )
    client.force_login(user)
    assert client.get("/public-reports/").status_code == 403
    assert client.get(page_url(report)).status_code == 403
    refused = client.post(triage_url(report), {"step": "accept", "classify-title": "x"})
    assert refused.status_code == 403
    issue_page = client.get(f"/issues/{report.issue_id}/")
    assert issue_page.status_code == 200
    assert PHONE not in issue_page.content.decode()
    assert "/public-reports/" not in issue_page.content.decode()

    as_user = api.as_user(user)
    assert as_user.get("/api/v1/public-reports/").status_code == 403
    assert as_user.get(f"/api/v1/public-reports/{report.pk}/").status_code == 403
    issue_json = as_user.get(f"/api/v1/issues/{report.issue_id}/")
    assert issue_json.status_code == 200
    assert PHONE not in issue_json.content.decode()
    report.refresh_from_db()
    assert report.triage == Triage.PENDING


def test_the_public_never_sees_the_phone(client, report):
    page = client.get(f"/r/track/{report.tracking_code}/").content.decode()
    assert PHONE not in page
    assert client.get(page_url(report))["Location"].startswith("/accounts/login/")


def test_the_phone_is_in_the_office_api_only(api, office_a, report):
    assert (
        api.as_user(office_a).get(f"/api/v1/public-reports/{report.pk}/").json()["reporter_phone"]
        == PHONE
    )
    issue_json = api.as_user(office_a).get(f"/api/v1/issues/{report.issue_id}/")
    assert PHONE not in issue_json.content.decode()


def test_another_regions_office_does_not_find_the_report(client, office_b, report):
    client.force_login(office_b)
    assert client.get(page_url(report)).status_code == 404
    assert (
        client.post(triage_url(report), {"step": "void", "void-reason": "invalid"}).status_code
        == 404
    )
    assert report.tracking_code not in client.get("/public-reports/?triage=all").content.decode()


def test_setting_category_and_title_is_audited(client, office_a, report):
    client.force_login(office_a)
    response = client.post(
        triage_url(report),
        {
            "step": "classify",
            "classify-title": "东风桥下河道漂浮塑料瓶和泡沫箱，有异味",
            "classify-category": "garbage",
        },
    )
    assert response.status_code == 302
    assert texts(response) == ["已保存类别和标题。"]
    issue = Issue.objects.get(pk=report.issue_id)
    assert issue.title == "东风桥下河道漂浮塑料瓶和泡沫箱，有异味"
    assert issue.category == "garbage"
    report.refresh_from_db()
    assert report.triage == Triage.PENDING  # set, not yet decided
    [step] = entries(report, "triage_classify")
    assert step.user == office_a
    assert step.changes == {
        "category": ["other", "garbage"],
        "title": [
            "桥下河道内漂着大量塑料瓶和泡沫箱，已经发臭",
            "东风桥下河道漂浮塑料瓶和泡沫箱，有异味",
        ],
    }
    [update] = entries(issue, "update")
    assert update.changes["category"] == ["other", "garbage"]


def test_accepting_makes_it_an_issue_to_assign(client, office_a, report):
    client.force_login(office_a)
    response = client.post(
        triage_url(report),
        {"step": "accept", "classify-title": "桥下漂浮垃圾", "classify-category": "garbage"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/issues/{report.issue_id}/"
    report.refresh_from_db()
    assert report.triage == Triage.ACCEPTED
    assert report.triaged_by == office_a
    issue = report.issue
    assert issue.status == IssueStatus.REPORTED  # 待交办: assigned on its page
    assert issue.title == "桥下漂浮垃圾"
    [step] = entries(report, "triage_accept")
    assert step.changes["triage"] == ["pending", "accepted"]
    assert step.changes["triaged_by"] == [None, office_a.pk]
    assert step.user == office_a
    # Accepted: no second triage.
    again = client.post(
        triage_url(report), {"step": "accept", "classify-title": "x", "classify-category": "other"}
    )
    assert texts(again)[-1] == "该举报已分拣（已受理），请到问题页处理。"
    assert Issue.objects.get(pk=issue.pk).title == "桥下漂浮垃圾"


def test_the_picker_finds_issues_by_code_or_title(client, office_a, street_b, report, known):
    other_region = issue_services.issue_report(
        user=None,
        title="东风桥下漂浮垃圾（外区）",
        category="garbage",
        source="patrol",
        reach=street_b.reaches[0],
    )
    client.force_login(office_a)
    by_title = client.get(page_url(report), {"q": "漂浮垃圾"})
    assert [issue.pk for issue in by_title.context["candidates"]] == [known.pk]
    by_code = client.get(page_url(report), {"q": known.code})
    assert [issue.pk for issue in by_code.context["candidates"]] == [known.pk]
    assert other_region.code not in by_title.content.decode()
    # The report's own issue is never a candidate.
    own = client.get(page_url(report), {"q": report.issue.code})
    assert own.context["candidates"] == []
    assert "没有找到可并入的问题。" in own.content.decode()


def test_merging_as_a_duplicate_shows_the_known_issue_on_the_tracking_page(
    client, office_a, street_a, report, known
):
    client.force_login(office_a)
    response = client.post(
        triage_url(report), {"step": "merge", "merge-target": known.code, "merge-comment": "同一处"}
    )
    assert response.status_code == 302
    assert texts(response) == [f"已并入问题 {known.code}，举报人可在查询页看到该问题的进度。"]
    report.refresh_from_db()
    assert report.triage == Triage.MERGED
    assert report.merged_into == known
    own = report.issue
    assert own.status == IssueStatus.VOIDED
    assert own.void_reason == "duplicate"
    [step] = entries(report, "triage_merge")
    assert step.changes["triage"] == ["pending", "merged"]
    assert step.changes["merged_into"] == [None, known.pk]
    assert step.detail["into"] == known.code
    [void] = entries(own, "void")
    assert void.changes["status"] == ["reported", "voided"]

    # The known issue moves on: the reporter's page follows it, not the voided duplicate.
    issue_services.issue_act(
        issue_id=known.pk,
        user=office_a,
        action="assign",
        assignee={"region": street_a.communities[0]},
        deadline=datetime.date.today() + datetime.timedelta(days=10),
    )
    track = client.get(f"/r/track/{report.tracking_code}/").content.decode()
    assert "并入该问题一并处理" in track
    assert re.search(r'id="issue-status"[^>]*>已交办<', track)
    assert "不予受理" not in track
    # Both issue pages say so to the office.
    assert f'href="/issues/{known.pk}/"' in client.get(f"/issues/{own.pk}/").content.decode()
    assert f'href="{page_url(report)}"' in client.get(f"/issues/{known.pk}/").content.decode()


def test_a_merge_to_an_unknown_code_keeps_what_was_typed(client, office_a, report):
    client.force_login(office_a)
    response = client.post(
        triage_url(report),
        {"step": "merge", "merge-target": "NOPE-2024-9999", "merge-comment": "我写的说明"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "未找到编号为“NOPE-2024-9999”的问题，或不在您的管辖范围内。" in page
    assert 'value="NOPE-2024-9999"' in page
    assert "我写的说明" in page
    report.refresh_from_db()
    assert report.triage == Triage.PENDING
    assert entries(report, "triage_merge") == []


def test_a_report_cannot_be_merged_into_its_own_issue(client, office_a, report):
    client.force_login(office_a)
    response = client.post(triage_url(report), {"step": "merge", "merge-target": report.issue.code})
    assert response.status_code == 400
    assert "不能并入本举报自己的问题。" in response.content.decode()


def test_not_accepting_voids_with_the_reason_the_reporter_sees(client, office_a, report):
    client.force_login(office_a)
    missing = client.post(triage_url(report), {"step": "void", "void-comment": "看过现场"})
    assert missing.status_code == 400
    assert "请选择不予受理的原因。" in missing.content.decode()
    assert "看过现场" in missing.content.decode()

    response = client.post(
        triage_url(report),
        {"step": "void", "void-reason": "not_ours", "void-comment": "属邻县河段"},
    )
    assert response.status_code == 302
    assert texts(response) == ["已不予受理。"]
    report.refresh_from_db()
    assert report.triage == Triage.VOIDED
    assert report.issue.status == IssueStatus.VOIDED
    assert report.issue.void_reason == "not_ours"
    [step] = entries(report, "triage_void")
    assert step.changes["triage"] == ["pending", "voided"]
    assert step.detail["reason"] == "not_ours"
    track = client.get(f"/r/track/{report.tracking_code}/").content.decode()
    assert "不予受理" in track
    assert "不属于本辖区" in track


def test_assigning_from_the_issue_page_counts_as_accepting(office_a, street_a, report):
    issue_services.issue_act(
        issue_id=report.issue_id,
        user=office_a,
        action="assign",
        assignee={"region": street_a.communities[0]},
    )
    report.refresh_from_db()
    assert report.triage == Triage.ACCEPTED
    # Accepted, it may still be found a duplicate.
    other = issue_services.issue_report(
        user=None,
        title="同一处垃圾",
        category="garbage",
        source="office",
        reach=street_a.reaches[0],
    )
    services.public_report_merge(report=report, user=office_a, target=other)
    report.refresh_from_db()
    assert report.triage == Triage.MERGED
    assert report.issue.status == IssueStatus.VOIDED


@pytest.mark.parametrize(
    ("description", "title"),
    [
        ("河边有3.5米长的管子在排水。请查看", "河边有3.5米长的管子在排水"),
        ("有人倒渣土！就在桥头", "有人倒渣土"),
        ("第一行没有标点\n第二行", "第一行没有标点"),
        ("  前后   有空格  ", "前后 有空格"),
    ],
)
def test_the_title_is_the_first_sentence(description, title):
    assert services.title_from(description) == title


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("桥下河道内漂着大量塑料瓶，已经发臭", "garbage"),
        ("河水发黑发臭，岸边也有垃圾", "pollution"),
        ("岸边倒了一堆建筑垃圾", "dumping"),
        ("发现一个暗管偷排污水", "outfall"),
        ("看不出是什么问题", "other"),
    ],
)
def test_the_category_guess_follows_the_word_written_first(text, category):
    assert category_guess(text) == category


def test_voiding_an_accepted_reports_issue_from_the_issue_page_counts_as_not_accepting(
    office_a, report
):
    services.public_report_accept(report=report, user=office_a)
    issue_services.issue_act(
        issue_id=report.issue_id, user=office_a, action="void", reason="invalid"
    )
    report.refresh_from_db()
    assert report.triage == Triage.VOIDED
