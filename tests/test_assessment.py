"""Assessment (考核): a quarter built by hand, the expected scores written here from the world
(never computed by the code under test).

The world: street 清水街道 with communities 东村, 西村, 南村; one rule, valid all along:
community chiefs patrol 20 times a quarter. The third quarter of 2025 (1 July - 30 September).

Chiefs (community chiefs, serving since 2020 unless said):
- 甲 (东村): 20 valid patrols -> patrol rate 20/20 = 100 %. Two issues handed to 甲 found in
  the quarter, both closed in it (one by its deadline, one after): resolution 2/2 = 100 %,
  on time 1/2 = 50 %.
- 乙 (西村): 15 valid patrols -> 15/20 = 75 %. Four issues found, three closed: 75 %.
- 丙 (南村): 8 valid patrols -> 8/20 = 40 %. No issue: no resolution rate (full points).
- 丁 (南村): appointed 11 September 2025: served 20 days of the quarter (11-30 Sep), owes no
  whole quarter: no patrol rate, no issue; listed, not ranked.

Scheme 60/40: patrol_rate weight 60 target 90, resolution_rate weight 40 target 80.
- 甲: 60 x min(1, 100/90) = 60.00; 40 x min(1, 100/80) = 40.00; 100.00; adjustment -5: 95.00.
- 乙: 60 x 75/90 = 50.00; 40 x 75/80 = 37.50; 87.50.
- 丙: 60 x 40/90 = 26.666.. = 26.67; no value: 40.00; 66.67.
- 丁: no values: 60.00 + 40.00 = 100.00, rank null.
Ranks: 甲 1, 乙 2, 丙 3.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from patrols.models import PatrolRule
from reports.assessment import CRITERIA, Subject, competition_ranks
from reports.models import AssessmentRound, AssessmentScheme
from rivers.models import ChiefRole

from . import factories
from .conftest import make_account

D = datetime.date
Q3 = (D(2025, 7, 1), D(2025, 9, 30))


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class World:
    pass


@pytest.fixture
def world(db) -> World:
    w = World()
    PatrolRule.objects.all().delete()
    factories.PatrolRuleFactory(
        role=ChiefRole.COMMUNITY_CHIEF, period="quarter", min_count=20, valid_from=D(2000, 1, 1)
    )
    w.county = factories.CountyFactory(name="示例区", code="990000")
    w.street = factories.StreetFactory(parent=w.county, name="清水街道", code="990001")
    w.other_street = factories.StreetFactory(parent=w.county, name="别的街道", code="990002")
    river = factories.RiverFactory(region=w.street, name="清水河")
    chiefs = {}
    for n, (village, name) in enumerate((("东村", "甲"), ("西村", "乙"), ("南村", "丙")), 1):
        community = factories.CommunityFactory(parent=w.street, name=village, code=f"99000100{n}")
        reach = factories.ReachFactory(river=river, region=community, name=f"{village}段")
        chiefs[name] = factories.ChiefFactory(
            name=name,
            role=ChiefRole.COMMUNITY_CHIEF,
            region=community,
            reaches=[reach],
            appointed_on=D(2020, 1, 1),
        )
        chiefs[name].the_reach = reach
    chiefs["丁"] = factories.ChiefFactory(
        name="丁",
        role=ChiefRole.COMMUNITY_CHIEF,
        region=chiefs["丙"].region,
        reaches=[chiefs["丙"].the_reach],
        appointed_on=D(2025, 9, 11),
    )
    w.chiefs = chiefs

    for name, count in (("甲", 20), ("乙", 15), ("丙", 8)):
        for i in range(count):
            day = D(2025, 7, 1) + datetime.timedelta(days=4 * i)
            factories.PatrolFactory(
                chief=chiefs[name],
                reach=chiefs[name].the_reach,
                started_at=at(day),
                ended_at=at(day, 10),
                started_on=day,
            )

    def issue(name, reported, closed=None, deadline=None):
        factories.IssueFactory(
            reach=chiefs[name].the_reach,
            assignee_chief=chiefs[name],
            reported_at=at(reported),
            closed_at=at(closed, 15) if closed else None,
            status="closed" if closed else "assigned",
            deadline=deadline,
        )

    issue("甲", D(2025, 7, 3), closed=D(2025, 7, 10), deadline=D(2025, 7, 10))
    issue("甲", D(2025, 8, 3), closed=D(2025, 8, 20), deadline=D(2025, 8, 13))
    issue("乙", D(2025, 7, 5), closed=D(2025, 7, 9), deadline=D(2025, 7, 15))
    issue("乙", D(2025, 7, 6), closed=D(2025, 7, 9), deadline=D(2025, 7, 15))
    issue("乙", D(2025, 8, 6), closed=D(2025, 9, 1), deadline=D(2025, 8, 16))
    issue("乙", D(2025, 9, 6), deadline=D(2025, 9, 16))
    # Found before the quarter: counts in no resolution rate of the quarter.
    issue("丙", D(2025, 6, 20), closed=D(2025, 7, 2), deadline=D(2025, 6, 30))

    w.office = make_account(Role.OFFICE, w.county)
    w.street_office = make_account(Role.OFFICE, w.street)
    w.other_office = make_account(Role.OFFICE, w.other_street)
    w.chief_account = make_account(Role.CHIEF, chiefs["甲"].region, chief=chiefs["甲"])
    w.scheme = AssessmentScheme.objects.create(
        name="河长季度考核",
        subject="chief",
        period="quarter",
        criteria=[
            {"key": "patrol_rate", "weight": 60, "target": 90},
            {"key": "resolution_rate", "weight": 40, "target": 80},
        ],
    )
    return w


def compute(api, w, user=None, period=3):
    response = api.as_user(user or w.office).post(
        "/api/v1/assessment-rounds/",
        {"scheme": w.scheme.pk, "region": w.street.pk, "year": 2025, "period": period},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def scores_of(api, w, round_id):
    response = api.as_user(w.office).get(f"/api/v1/assessment-rounds/{round_id}/scores/")
    assert response.status_code == 200
    return {row["name"]: row for row in response.json()["results"]}


def test_quarter_scores_ranks_and_breakdown_follow_the_rule(api, world):
    w = world
    round_id = compute(api, w)
    response = api.as_user(w.office).post(
        "/api/v1/assessment-adjustments/",
        {
            "round": round_id,
            "subject_id": w.chiefs["甲"].pk,
            "points": "-5",
            "reason": "巡河记录补录",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    rows = scores_of(api, w, round_id)
    assert set(rows) == {"甲", "乙", "丙", "丁"}
    assert rows["甲"]["breakdown"] == [
        {"key": "patrol_rate", "value": 100.00, "points": 60.00},
        {"key": "resolution_rate", "value": 100.00, "points": 40.00},
    ]
    assert rows["乙"]["breakdown"] == [
        {"key": "patrol_rate", "value": 75.00, "points": 50.00},
        {"key": "resolution_rate", "value": 75.00, "points": 37.50},
    ]
    assert rows["丙"]["breakdown"] == [
        {"key": "patrol_rate", "value": 40.00, "points": 26.67},
        {"key": "resolution_rate", "value": None, "points": 40.00},
    ]
    assert (rows["甲"]["adjustment"], rows["甲"]["score"], rows["甲"]["rank"]) == (
        -5.00,
        95.00,
        1,
    )
    assert (rows["乙"]["adjustment"], rows["乙"]["score"], rows["乙"]["rank"]) == (
        0.00,
        87.50,
        2,
    )
    assert (rows["丙"]["score"], rows["丙"]["rank"]) == (66.67, 3)
    assert rows["乙"]["subject_id"] == w.chiefs["乙"].pk


def test_a_chief_who_served_20_days_is_listed_not_ranked(api, world):
    rows = scores_of(api, world, compute(api, world))
    assert rows["丁"]["served_days"] == 20
    assert rows["丁"]["rank"] is None
    assert rows["丁"]["breakdown"] == [
        {"key": "patrol_rate", "value": None, "points": 60.00},
        {"key": "resolution_rate", "value": None, "points": 40.00},
    ]
    assert rows["丁"]["score"] == 100.00


def test_equal_scores_share_a_rank_and_the_next_skips(api, world):
    w = world
    round_id = compute(api, w)
    for name, points in (("甲", "-5"), ("乙", "7.5")):
        api.as_user(w.office).post(
            "/api/v1/assessment-adjustments/",
            {"round": round_id, "subject_id": w.chiefs[name].pk, "points": points, "reason": "x"},
            format="json",
        )
    rows = scores_of(api, w, round_id)
    assert [(rows[n]["score"], rows[n]["rank"]) for n in ("甲", "乙", "丙")] == [
        (95.00, 1),
        (95.00, 1),
        (66.67, 3),
    ]
    assert competition_ranks([Decimal(80), None, Decimal(90), Decimal(90)]) == [3, None, 1, 1]


def test_score_stays_within_0_and_100(api, world):
    w = world
    round_id = compute(api, w)
    for name, points in (("甲", "30"), ("丙", "-80")):
        api.as_user(w.office).post(
            "/api/v1/assessment-adjustments/",
            {"round": round_id, "subject_id": w.chiefs[name].pk, "points": points, "reason": "x"},
            format="json",
        )
    rows = scores_of(api, w, round_id)
    assert (rows["甲"]["score"], rows["丙"]["score"]) == (100.00, 0.00)


def test_on_time_rate_counts_issues_closed_by_their_deadline(world):
    chief = world.chiefs["甲"]
    subject = Subject(id=chief.pk, name="甲", date_from=Q3[0], date_to=Q3[1], chief=chief)
    assert CRITERIA["on_time_rate"].value(subject) == Decimal("50.00")
    # 乙: closed in the quarter 3, by their deadline 2 (9 Jul, 9 Jul; 1 Sep after 16 Aug).
    chief = world.chiefs["乙"]
    subject = Subject(id=chief.pk, name="乙", date_from=Q3[0], date_to=Q3[1], chief=chief)
    assert CRITERIA["on_time_rate"].value(subject) == Decimal("66.67")
    # 丙: one closed in the quarter (2 Jul, found in June) after its deadline (30 Jun): 0 %.
    chief = world.chiefs["丙"]
    subject = Subject(id=chief.pk, name="丙", date_from=Q3[0], date_to=Q3[1], chief=chief)
    assert CRITERIA["on_time_rate"].value(subject) == Decimal("0.00")


def test_a_published_round_refuses_changes(api, world):
    w = world
    round_id = compute(api, w)
    client = api.as_user(w.office)
    assert client.post(f"/api/v1/assessment-rounds/{round_id}/publish/").status_code == 200
    assert AssessmentRound.objects.get(pk=round_id).status == "published"
    assert client.post(f"/api/v1/assessment-rounds/{round_id}/publish/").status_code == 409
    response = client.post(
        "/api/v1/assessment-adjustments/",
        {"round": round_id, "subject_id": w.chiefs["甲"].pk, "points": "2", "reason": "补分"},
        format="json",
    )
    assert response.status_code == 409
    assert scores_of(api, w, round_id)["甲"]["score"] == 100.00


def test_an_adjustment_needs_a_reason_and_is_audited(api, world):
    w = world
    round_id = compute(api, w)
    client = api.as_user(w.office)
    payload = {"round": round_id, "subject_id": w.chiefs["甲"].pk, "points": "-5"}
    assert client.post("/api/v1/assessment-adjustments/", payload, format="json").status_code == 400
    payload["reason"] = "   "
    assert client.post("/api/v1/assessment-adjustments/", payload, format="json").status_code == 400
    payload["reason"] = "迟报"
    response = client.post("/api/v1/assessment-adjustments/", payload, format="json")
    assert response.status_code == 201
    entry = AuditEntry.objects.get(
        object_type="reports.assessmentadjustment", object_id=str(response.json()["id"])
    )
    assert entry.action == "create"
    assert entry.username == w.office.username


@pytest.mark.parametrize(
    ("criteria", "status"),
    [
        ([{"key": "patrol_rate", "weight": 60, "target": 90}], 400),
        (
            [
                {"key": "patrol_rate", "weight": 60, "target": 90},
                {"key": "resolution_rate", "weight": 30, "target": 80},
            ],
            400,
        ),
        ([{"key": "smiles", "weight": 100, "target": 90}], 400),
        (
            [
                {"key": "patrol_rate", "weight": 50, "target": 90},
                {"key": "on_time_rate", "weight": 50, "target": 80},
            ],
            201,
        ),
    ],
)
def test_scheme_weights_must_add_up_to_100(api, world, criteria, status):
    response = api.as_user(world.office).post(
        "/api/v1/assessment-schemes/",
        {"name": "季度考核", "subject": "chief", "period": "quarter", "criteria": criteria},
        format="json",
    )
    assert response.status_code == status, response.content
    if status == 400:
        assert "100" in response.content.decode() or "未知" in response.content.decode()


def test_weights_not_adding_up_say_so_in_chinese(api, world):
    response = api.as_user(world.office).post(
        "/api/v1/assessment-schemes/",
        {
            "name": "季度考核",
            "subject": "chief",
            "period": "quarter",
            "criteria": [{"key": "patrol_rate", "weight": 60, "target": 90}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "权重之和须为100" in response.content.decode()


def test_only_the_county_office_or_an_admin_writes_schemes(api, world):
    w = world
    payload = {
        "name": "季度考核",
        "subject": "community",
        "period": "year",
        "criteria": [{"key": "patrol_rate", "weight": 100, "target": 90}],
    }
    for user in (w.chief_account, w.street_office):
        response = api.as_user(user).post("/api/v1/assessment-schemes/", payload, format="json")
        assert response.status_code == 403
    assert AssessmentScheme.objects.count() == 1


def test_a_chief_cannot_compute_or_read_rounds(api, world):
    w = world
    response = api.as_user(w.chief_account).post(
        "/api/v1/assessment-rounds/",
        {"scheme": w.scheme.pk, "region": w.street.pk, "year": 2025, "period": 3},
        format="json",
    )
    assert response.status_code == 403
    assert api.as_user(w.chief_account).get("/api/v1/assessment-rounds/").status_code == 403


def test_another_regions_round_is_not_found(api, world):
    w = world
    round_id = compute(api, w, user=w.street_office)
    other = api.as_user(w.other_office)
    assert other.get(f"/api/v1/assessment-rounds/{round_id}/").status_code == 404
    assert other.get(f"/api/v1/assessment-rounds/{round_id}/scores/").status_code == 404
    assert other.post(f"/api/v1/assessment-rounds/{round_id}/publish/").status_code == 404
    response = other.post(
        "/api/v1/assessment-adjustments/",
        {"round": round_id, "subject_id": w.chiefs["甲"].pk, "points": "2", "reason": "x"},
        format="json",
    )
    assert response.status_code == 400
    # Nor may it compute a round for a region not its own.
    response = other.post(
        "/api/v1/assessment-rounds/",
        {"scheme": w.scheme.pk, "region": w.street.pk, "year": 2025, "period": 3},
        format="json",
    )
    assert response.status_code == 400


def test_a_quarterly_scheme_needs_a_quarter(api, world):
    response = api.as_user(world.office).post(
        "/api/v1/assessment-rounds/",
        {"scheme": world.scheme.pk, "region": world.street.pk, "year": 2025},
        format="json",
    )
    assert response.status_code == 400
    assert "季度" in response.content.decode()


def test_community_subjects_are_scored_over_their_region(api, world):
    w = world
    w.scheme.subject = "community"
    w.scheme.save()
    rows = scores_of(api, w, compute(api, w))
    # 南村: 丙's 8 patrols of 20 (丁 owes none) = 40 %; no issue found in the quarter.
    assert rows["南村"]["breakdown"] == [
        {"key": "patrol_rate", "value": 40.00, "points": 26.67},
        {"key": "resolution_rate", "value": None, "points": 40.00},
    ]
    assert [rows[n]["rank"] for n in ("东村", "西村", "南村")] == [1, 2, 3]


def test_a_scheme_with_a_published_round_is_not_edited(api, world):
    w = world
    url = f"/api/v1/assessment-schemes/{w.scheme.pk}/"
    client = api.as_user(w.office)
    assert client.patch(url, {"name": "改名"}, format="json").status_code == 200
    round_id = compute(api, w)
    client.post(f"/api/v1/assessment-rounds/{round_id}/publish/")
    assert client.patch(url, {"name": "再改"}, format="json").status_code == 409
    w.scheme.refresh_from_db()
    assert w.scheme.name == "改名"


# --- The office's pages.


def page_client(client, user):
    client.force_login(user)
    return client


def test_the_round_page_lists_by_rank_and_takes_an_adjustment(client, api, world):
    w = world
    round_id = compute(api, w)
    page = page_client(client, w.office)
    listing = page.get("/reports/assessment/")
    assert listing.status_code == 200
    assert "河长季度考核" in listing.content.decode()
    url = f"/reports/assessment/{round_id}/"
    html = page.get(url).content.decode()
    # By rank: 甲 100.00, 乙 87.50, 丙 66.67, then 丁 not ranked.
    order = [html.index(f"<td>{name}</td>") for name in ("甲", "乙", "丙", "丁")]
    assert order == sorted(order)
    assert "不排名" in html
    # A reason is needed; nothing is recorded without it.
    response = page.post(url, {"subject_id": w.chiefs["甲"].pk, "points": "-5", "reason": ""})
    assert response.status_code == 400
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    response = page.post(url, {"subject_id": w.chiefs["甲"].pk, "points": "-5", "reason": "迟报"})
    assert response.status_code == 302
    rows = scores_of(api, w, round_id)
    assert (rows["甲"]["score"], rows["甲"]["adjustment"]) == (95.00, -5.00)


def test_the_round_page_publishes_once(client, api, world):
    w = world
    round_id = compute(api, w)
    page = page_client(client, w.office)
    assert page.post(f"/reports/assessment/{round_id}/publish/").status_code == 302
    assert AssessmentRound.objects.get(pk=round_id).status == "published"
    html = page.get(f"/reports/assessment/{round_id}/").content.decode()
    assert "发布考核结果" not in html
    response = page.post(
        f"/reports/assessment/{round_id}/",
        {"subject_id": w.chiefs["甲"].pk, "points": "2", "reason": "补"},
    )
    assert response.status_code == 400
    assert "已发布" in response.content.decode()


def test_the_round_pages_refuse_chiefs_and_hide_other_regions(client, api, world):
    w = world
    round_id = compute(api, w, user=w.street_office)
    assert page_client(client, w.chief_account).get("/reports/assessment/").status_code == 403
    other = page_client(client, w.other_office)
    assert other.get(f"/reports/assessment/{round_id}/").status_code == 404
    assert other.post(f"/reports/assessment/{round_id}/publish/").status_code == 404
    assert AssessmentRound.objects.get(pk=round_id).status == "draft"


def test_the_rounds_page_computes_a_draft(client, world):
    w = world
    page = page_client(client, w.office)
    assert 'href="/reports/assessment/"' in page.get("/").content.decode()
    form = {"scheme": w.scheme.pk, "region": w.street.pk, "year": 2025, "period": ""}
    response = page.post("/reports/assessment/", form)
    assert response.status_code == 400
    assert "季度考核须填写季度" in response.content.decode()
    assert not AssessmentRound.objects.exists()
    form["period"] = 3
    response = page.post("/reports/assessment/", form)
    assert response.status_code == 302
    round_ = AssessmentRound.objects.get()
    assert (round_.region, round_.year, round_.period, round_.status) == (
        w.street,
        2025,
        3,
        "draft",
    )
    assert round_.scores.get(name="乙").score == Decimal("87.50")


def test_the_round_pages_buttons_recompute_withdraw_and_delete_a_draft_only(client, api, world):
    w = world
    round_id = compute(api, w)
    page = page_client(client, w.office)
    round_url = f"/reports/assessment/{round_id}/"
    page.post(round_url, {"subject_id": w.chiefs["甲"].pk, "points": "-5", "reason": "迟报"})
    adjustment = AssessmentRound.objects.get(pk=round_id).adjustments.get()

    response = page.post(f"{round_url}recompute/", follow=True)
    assert response.redirect_chain == [(round_url, 302)]
    assert "已按当前数据重新计算，加减分保留。" in response.content.decode()
    assert scores_of(api, w, round_id)["甲"]["score"] == 95.00

    response = page.post(f"/reports/assessment/adjustments/{adjustment.pk}/delete/", follow=True)
    assert response.redirect_chain == [(round_url, 302)]
    assert "已撤销该项加减分。" in response.content.decode()
    assert scores_of(api, w, round_id)["甲"]["score"] == 100.00

    page.post(f"{round_url}publish/")
    response = page.post(f"{round_url}delete/", follow=True)
    # Refused on the round's page, with the reason; the published round stays.
    assert response.redirect_chain == [(round_url, 302)]
    assert "已发布" in response.content.decode()
    assert AssessmentRound.objects.filter(pk=round_id).exists()

    draft_id = compute(api, w, period=2)
    response = page.post(f"/reports/assessment/{draft_id}/delete/", follow=True)
    assert response.redirect_chain == [("/reports/assessment/", 302)]
    assert "已删除考核草稿。" in response.content.decode()
    assert not AssessmentRound.objects.filter(pk=draft_id).exists()
