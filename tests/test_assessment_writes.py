"""The office's writes on a draft round: computing it again from today's data (adjustments kept),
withdrawing an adjustment, deleting the draft; each refused (409) once the round is published,
each audited. And the round page of a county's size: 50 subjects a page, in rank order.

The world is tests/test_assessment.py's hand-built quarter (甲 100.00, 乙 87.50, 丙 66.67, 丁
not ranked), whose scores are written out there."""

import datetime
from decimal import Decimal

import pytest

from audit.models import AuditEntry
from issues.models import Issue
from reports.models import AssessmentAdjustment, AssessmentRound, AssessmentScore

from .test_assessment import at, compute, page_client, scores_of
from .test_assessment import world as world  # the fixture, used by name

D = datetime.date


def adjust(api, w, round_id, name, points, reason="迟报"):
    response = api.as_user(w.office).post(
        "/api/v1/assessment-adjustments/",
        {"round": round_id, "subject_id": w.chiefs[name].pk, "points": points, "reason": reason},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def close_yis_open_issue(w):
    """乙's issue found 6 Sep, open at the first computation, closed on 10 Sep (entered late):
    乙 then closed 4 of 4 found: resolution 100 %, 40 points, score 60 x 75/90 = 50.00 + 40."""
    issue = Issue.objects.get(assignee_chief=w.chiefs["乙"], reported_at=at(D(2025, 9, 6)))
    issue.status = "closed"
    issue.closed_at = at(D(2025, 9, 10), 15)
    issue.save()


def test_recomputing_a_draft_reads_todays_data_and_keeps_the_adjustments(api, world):
    w = world
    round_id = compute(api, w)
    adjust(api, w, round_id, "甲", "-5")
    close_yis_open_issue(w)
    response = api.as_user(w.office).post(f"/api/v1/assessment-rounds/{round_id}/recompute/")
    assert response.status_code == 200, response.content
    rows = scores_of(api, w, round_id)
    assert rows["乙"]["breakdown"] == [
        {"key": "patrol_rate", "value": 75.00, "points": 50.00},
        {"key": "resolution_rate", "value": 100.00, "points": 40.00},
    ]
    assert [(rows[n]["score"], rows[n]["adjustment"], rows[n]["rank"]) for n in "甲乙丙"] == [
        (95.00, -5.00, 1),
        (90.00, 0.00, 2),
        (66.67, 0.00, 3),
    ]
    assert AssessmentAdjustment.objects.filter(round_id=round_id).count() == 1
    entry = AuditEntry.objects.get(
        object_type="reports.assessmentround", object_id=str(round_id), action="update"
    )
    assert entry.username == w.office.username
    assert entry.detail["recomputed"] is True


def test_a_published_round_is_not_recomputed(api, world):
    w = world
    round_id = compute(api, w)
    client = api.as_user(w.office)
    client.post(f"/api/v1/assessment-rounds/{round_id}/publish/")
    close_yis_open_issue(w)
    assert client.post(f"/api/v1/assessment-rounds/{round_id}/recompute/").status_code == 409
    assert scores_of(api, w, round_id)["乙"]["score"] == 87.50


def test_withdrawing_an_adjustment_scores_and_ranks_again(api, world):
    w = world
    round_id = compute(api, w)
    adjust(api, w, round_id, "甲", "-5")
    lift = adjust(api, w, round_id, "丙", "30")
    # 丙 66.67 + 30 = 96.67 ranks first, 甲 95.00 second.
    rows = scores_of(api, w, round_id)
    assert [(rows[n]["score"], rows[n]["rank"]) for n in "甲乙丙"] == [
        (95.00, 2),
        (87.50, 3),
        (96.67, 1),
    ]
    response = api.as_user(w.office).delete(f"/api/v1/assessment-adjustments/{lift}/")
    assert response.status_code == 204
    rows = scores_of(api, w, round_id)
    assert [(rows[n]["score"], rows[n]["adjustment"], rows[n]["rank"]) for n in "甲乙丙"] == [
        (95.00, -5.00, 1),
        (87.50, 0.00, 2),
        (66.67, 0.00, 3),
    ]
    entry = AuditEntry.objects.get(
        object_type="reports.assessmentadjustment", object_id=str(lift), action="delete"
    )
    assert entry.username == w.office.username


def test_an_adjustment_of_a_published_round_is_not_withdrawn(api, world):
    w = world
    round_id = compute(api, w)
    cut = adjust(api, w, round_id, "甲", "-5")
    client = api.as_user(w.office)
    client.post(f"/api/v1/assessment-rounds/{round_id}/publish/")
    assert client.delete(f"/api/v1/assessment-adjustments/{cut}/").status_code == 409
    assert AssessmentAdjustment.objects.filter(pk=cut).exists()
    assert scores_of(api, w, round_id)["甲"]["score"] == 95.00


def test_deleting_a_draft_removes_its_scores_and_adjustments(api, world):
    w = world
    round_id = compute(api, w)
    adjust(api, w, round_id, "甲", "-5")
    response = api.as_user(w.office).delete(f"/api/v1/assessment-rounds/{round_id}/")
    assert response.status_code == 204
    assert not AssessmentRound.objects.filter(pk=round_id).exists()
    assert not AssessmentScore.objects.filter(round_id=round_id).exists()
    assert not AssessmentAdjustment.objects.filter(round_id=round_id).exists()
    entry = AuditEntry.objects.get(
        object_type="reports.assessmentround", object_id=str(round_id), action="delete"
    )
    assert entry.username == w.office.username


def test_a_published_round_is_not_deleted(api, world):
    w = world
    round_id = compute(api, w)
    client = api.as_user(w.office)
    client.post(f"/api/v1/assessment-rounds/{round_id}/publish/")
    assert client.delete(f"/api/v1/assessment-rounds/{round_id}/").status_code == 409
    assert AssessmentRound.objects.filter(pk=round_id).exists()


def test_other_regions_and_chiefs_cannot_recompute_or_delete(api, world):
    w = world
    round_id = compute(api, w, user=w.street_office)
    cut = adjust(api, w, round_id, "甲", "-5")
    other = api.as_user(w.other_office)
    assert other.post(f"/api/v1/assessment-rounds/{round_id}/recompute/").status_code == 404
    assert other.delete(f"/api/v1/assessment-rounds/{round_id}/").status_code == 404
    assert other.delete(f"/api/v1/assessment-adjustments/{cut}/").status_code == 404
    chief = api.as_user(w.chief_account)
    assert chief.delete(f"/api/v1/assessment-rounds/{round_id}/").status_code == 403
    assert chief.delete(f"/api/v1/assessment-adjustments/{cut}/").status_code == 403
    assert AssessmentRound.objects.filter(pk=round_id).exists()
    assert AssessmentAdjustment.objects.filter(pk=cut).exists()


# --- The round page's buttons.


def test_the_round_page_recomputes_withdraws_and_deletes_a_draft(client, api, world):
    w = world
    round_id = compute(api, w)
    cut = adjust(api, w, round_id, "甲", "-5", reason="巡河记录补录")
    page = page_client(client, w.office)
    url = f"/reports/assessment/{round_id}/"
    html = page.get(url).content.decode()
    assert "巡河记录补录" in html
    assert f'action="/reports/assessment/adjustments/{cut}/delete/"' in html
    assert f'action="/reports/assessment/{round_id}/recompute/"' in html
    assert f'action="/reports/assessment/{round_id}/publish/"' in html
    close_yis_open_issue(w)
    assert page.post(f"/reports/assessment/{round_id}/recompute/").status_code == 302
    assert AssessmentScore.objects.get(round_id=round_id, name="乙").score == Decimal("90.00")
    assert page.post(f"/reports/assessment/adjustments/{cut}/delete/").status_code == 302
    assert AssessmentScore.objects.get(round_id=round_id, name="甲").score == Decimal("100.00")
    response = page.post(f"/reports/assessment/{round_id}/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/reports/assessment/"
    assert not AssessmentRound.objects.filter(pk=round_id).exists()


def test_a_published_rounds_page_offers_no_draft_actions_and_refuses_them(client, api, world):
    w = world
    round_id = compute(api, w)
    cut = adjust(api, w, round_id, "甲", "-5")
    page = page_client(client, w.office)
    page.post(f"/reports/assessment/{round_id}/publish/")
    html = page.get(f"/reports/assessment/{round_id}/").content.decode()
    for action in ("recompute", "delete"):
        assert f"/reports/assessment/{round_id}/{action}/" not in html
    assert f"/reports/assessment/adjustments/{cut}/delete/" not in html
    response = page.post(f"/reports/assessment/{round_id}/delete/", follow=True)
    assert "已发布" in response.content.decode()
    assert page.post(f"/reports/assessment/adjustments/{cut}/delete/").status_code == 302
    assert AssessmentRound.objects.filter(pk=round_id).exists()
    assert AssessmentAdjustment.objects.filter(pk=cut).exists()


# --- A round of a county's size on its page.


@pytest.fixture
def big_round(world):
    """A round of 120 subjects written directly (the page only reads scores): 受评001 ...
    受评120, scores 100.00 down by 0.5, ranks 1-120 in that order; two more not ranked."""
    round_ = AssessmentRound.objects.create(
        scheme=world.scheme, region=world.street, year=2025, period=2
    )
    rows = [
        AssessmentScore(
            round=round_,
            subject_id=10_000 + n,
            name=f"受评{n:03d}",
            served_days=91,
            breakdown=[{"key": "patrol_rate", "value": 90.0, "points": 60.0}],
            score=Decimal(100) - Decimal("0.5") * (n - 1),
            rank=n,
        )
        for n in range(1, 121)
    ]
    rows += [
        AssessmentScore(
            round=round_, subject_id=20_000 + n, name=f"新任{n}", served_days=10, score=100
        )
        for n in (1, 2)
    ]
    AssessmentScore.objects.bulk_create(rows)
    return round_


def test_the_round_page_shows_50_subjects_a_page_in_rank_order(
    client, world, big_round, django_assert_max_num_queries
):
    page = page_client(client, world.office)
    url = f"/reports/assessment/{big_round.pk}/"
    with django_assert_max_num_queries(12):
        first = page.get(url).content.decode()
    names = [f"受评{n:03d}" for n in range(1, 51)]
    assert first.count("<tr data-subject") == 50
    order = [first.index(f"<td>{name}</td>") for name in names]
    assert order == sorted(order)
    assert "受评051" not in first
    with django_assert_max_num_queries(12):
        last = page.get(url, {"page": 3}).content.decode()
    assert last.count("<tr data-subject") == 22
    assert last.index("<td>受评120</td>") < last.index("<td>新任1</td>")
    assert "共 122 条" in first
    # The adjustment form lists the page's subjects, not the round's 122.
    assert first.count('<option value="1') == 50


def test_the_round_page_finds_a_subject_by_name_and_adjusts_it(client, world, big_round):
    page = page_client(client, world.office)
    url = f"/reports/assessment/{big_round.pk}/"
    html = page.get(url, {"search": "受评077"}).content.decode()
    assert html.count("<tr data-subject") == 1
    assert 'data-subject="10077"' in html
    response = page.post(
        f"{url}?search=受评077", {"subject_id": 10077, "points": "2", "reason": "补"}
    )
    assert response.status_code == 302
    assert AssessmentScore.objects.get(round=big_round, subject_id=10077).adjustment == 2
    # A subject not in the round is refused.
    response = page.post(url, {"subject_id": 99999, "points": "2", "reason": "补"})
    assert response.status_code == 400
    assert "不在本轮考核中" in response.content.decode()


def test_scores_come_a_page_at_a_time_when_asked(api, world, big_round):
    client = api.as_user(world.office)
    url = f"/api/v1/assessment-rounds/{big_round.pk}/scores/"
    body = client.get(url, {"page_size": 50, "page": 3}).json()
    assert body["count"] == 122
    assert [row["name"] for row in body["results"]][:2] == ["受评101", "受评102"]
    assert [row["name"] for row in body["results"]][-2:] == ["新任1", "新任2"]
    assert client.get(url).json()["count"] == 122


def test_adjusting_a_subject_not_ranked_changes_its_score_only(api, world):
    """丁 served 20 days: 100.00, no rank; -7 makes 93.00, still no rank, the others unmoved."""
    w = world
    round_id = compute(api, w)
    adjust(api, w, round_id, "丁", "-7")
    rows = scores_of(api, w, round_id)
    assert [(rows[n]["score"], rows[n]["rank"]) for n in "甲乙丙丁"] == [
        (100.00, 1),
        (87.50, 2),
        (66.67, 3),
        (93.00, None),
    ]
