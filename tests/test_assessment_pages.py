"""The assessment (考核) where chiefs and leaders read it: a chief's own published scores on /me/,
the latest published ranking of a region on the dashboard (page and API).

Rounds and scores are written here by hand (the scoring itself is tests/test_assessment.py's):

- 清水街道, scheme 河长季度考核 (chiefs; patrol rate 60 target 90, resolution rate 40 target 80).
- 2026 Q3, published: 甲 95.00 (rank 1; patrol 100 % -> 60.00, resolution 100 % -> 40.00,
  扣分 -5 "巡河记录不全"), 乙 87.50 (rank 2; 75 % -> 50.00, 75 % -> 37.50), 丙 66.67 (rank 3;
  40 % -> 26.67, no issue -> 40.00), 丁 100.00 (served 20 days: not ranked).
  Average of the ranked: (95.00 + 87.50 + 66.67) / 3 = 249.17 / 3 = 83.0566... = 83.06.
- 2025, yearly scheme 河长年度考核, published: 甲 80.00 rank 2 of 2, 乙 90.00 rank 1.
- 2026 Q4, draft (newer): 甲 50.00 rank 1. Never shown.
- 2026 Q3 of a community scheme whose subject id happens to equal 甲's id: not 甲's score.
"""

import datetime
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from reports.models import AssessmentAdjustment, AssessmentRound, AssessmentScheme, AssessmentScore
from rivers.models import ChiefRole

from . import factories
from .conftest import make_account

CRITERIA = [
    {"key": "patrol_rate", "weight": 60, "target": 90},
    {"key": "resolution_rate", "weight": 40, "target": 80},
]


def D(year, month=1, day=1):
    return datetime.date(year, month, day)


def part(key, value, points):
    return {"key": key, "value": value, "points": points}


class World:
    pass


def publish(round_: AssessmentRound) -> AssessmentRound:
    round_.status = "published"
    round_.published_at = timezone.now()
    round_.save()
    return round_


@pytest.fixture
def world(db) -> World:
    w = World()
    w.county = factories.CountyFactory(name="示例区", code="990000")
    w.street = factories.StreetFactory(parent=w.county, name="清水街道", code="990001")
    w.other_street = factories.StreetFactory(parent=w.county, name="别的街道", code="990002")
    community = factories.CommunityFactory(parent=w.street, name="东村", code="990001001")
    w.chiefs = {
        name: factories.ChiefFactory(
            name=name, role=ChiefRole.COMMUNITY_CHIEF, region=community, appointed_on=D(2020)
        )
        for name in ("甲", "乙", "丙", "丁")
    }
    w.quarterly = AssessmentScheme.objects.create(
        name="河长季度考核", subject="chief", period="quarter", criteria=CRITERIA
    )
    w.yearly = AssessmentScheme.objects.create(
        name="河长年度考核", subject="chief", period="year", criteria=CRITERIA
    )
    w.communities = AssessmentScheme.objects.create(
        name="社区季度考核", subject="community", period="quarter", criteria=CRITERIA
    )
    c = w.chiefs

    w.q3 = AssessmentRound.objects.create(scheme=w.quarterly, region=w.street, year=2026, period=3)
    score = AssessmentScore.objects.create
    score(
        round=w.q3,
        subject_id=c["甲"].pk,
        name="甲",
        served_days=92,
        breakdown=[part("patrol_rate", 100.0, 60.0), part("resolution_rate", 100.0, 40.0)],
        adjustment=Decimal("-5"),
        score=Decimal("95.00"),
        rank=1,
    )
    score(
        round=w.q3,
        subject_id=c["乙"].pk,
        name="乙",
        served_days=92,
        breakdown=[part("patrol_rate", 75.0, 50.0), part("resolution_rate", 75.0, 37.5)],
        score=Decimal("87.50"),
        rank=2,
    )
    score(
        round=w.q3,
        subject_id=c["丙"].pk,
        name="丙",
        served_days=92,
        breakdown=[part("patrol_rate", 40.0, 26.67), part("resolution_rate", None, 40.0)],
        score=Decimal("66.67"),
        rank=3,
    )
    score(
        round=w.q3,
        subject_id=c["丁"].pk,
        name="丁",
        served_days=20,
        breakdown=[part("patrol_rate", None, 60.0), part("resolution_rate", None, 40.0)],
        score=Decimal("100.00"),
        rank=None,
    )
    AssessmentAdjustment.objects.create(
        round=w.q3, subject_id=c["甲"].pk, points=Decimal("-5"), reason="巡河记录不全"
    )
    AssessmentAdjustment.objects.create(
        round=w.q3, subject_id=c["乙"].pk, points=Decimal("2"), reason="乙的加分理由"
    )
    publish(w.q3)

    w.year = AssessmentRound.objects.create(scheme=w.yearly, region=w.street, year=2025)
    score(
        round=w.year,
        subject_id=c["甲"].pk,
        name="甲",
        breakdown=[part("patrol_rate", 60.0, 40.0), part("resolution_rate", 80.0, 40.0)],
        score=Decimal("80.00"),
        rank=2,
    )
    score(
        round=w.year,
        subject_id=c["乙"].pk,
        name="乙",
        breakdown=[part("patrol_rate", 75.0, 50.0), part("resolution_rate", 80.0, 40.0)],
        score=Decimal("90.00"),
        rank=1,
    )
    publish(w.year)

    w.draft = AssessmentRound.objects.create(
        scheme=w.quarterly, region=w.street, year=2026, period=4
    )
    score(
        round=w.draft,
        subject_id=c["甲"].pk,
        name="甲",
        breakdown=[part("patrol_rate", 10.0, 6.67), part("resolution_rate", 50.0, 25.0)],
        score=Decimal("50.00"),
        rank=1,
    )

    w.community_round = AssessmentRound.objects.create(
        scheme=w.communities, region=w.other_street, year=2026, period=3
    )
    score(
        round=w.community_round,
        subject_id=c["甲"].pk,  # a community's id that equals 甲's: not 甲's score
        name="某社区",
        breakdown=[part("patrol_rate", 50.0, 33.33), part("resolution_rate", 50.0, 25.0)],
        score=Decimal("58.33"),
        rank=1,
    )
    publish(w.community_round)

    w.account = make_account(Role.CHIEF, community, chief=c["甲"])
    w.leader = make_account(Role.LEADER, w.street)
    w.county_leader = make_account(Role.LEADER, w.county)
    w.other_leader = make_account(Role.LEADER, w.other_street)
    w.office = make_account(Role.OFFICE, w.street)
    return w


class _Roles(HTMLParser):
    """Collects the text of each element carrying ``data-role="<role>"``, nested tags included."""

    def __init__(self, role: str):
        super().__init__()
        self.role, self.depth, self.found = role, 0, []

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
            if tag == "td":  # a table's cells, apart
                self.found[-1] += " "
        elif ("data-role", self.role) in attrs:
            self.depth = 1
            self.found.append("")

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.found[-1] += data


def lines_of(html: str, role: str) -> list[str]:
    """The text of the elements that carry ``data-role="role"``, spaces squeezed."""
    parser = _Roles(role)
    parser.feed(html)
    return [re.sub(r"\s+", " ", text).strip() for text in parser.found]


# --- /me/ ---------------------------------------------------------------------------------------


def test_a_chief_sees_only_their_own_published_scores_newest_first(client, world):
    client.force_login(world.account)
    response = client.get("/me/")
    assert response.status_code == 200
    html = response.content.decode()
    assert lines_of(html, "period") == ["2026年第三季度 · 河长季度考核", "2025年度 · 河长年度考核"]
    assert lines_of(html, "score") == ["95.00", "80.00"]
    assert lines_of(html, "rank") == ["第1名 / 共3人", "第2名 / 共2人"]
    assert lines_of(html, "part") == [
        "巡河率 100%：60.00 / 60 分",
        "问题整改率 100%：40.00 / 40 分",
        "巡河率 60%：40.00 / 60 分",
        "问题整改率 80%：40.00 / 40 分",
    ]
    assert lines_of(html, "adjustment") == ["扣分 -5：巡河记录不全"]
    # Nobody else's score or reason, no draft, no community round.
    for absent in ("87.50", "66.67", "乙的加分理由", "50.00", "第四季度", "58.33", "某社区"):
        assert absent not in html


def test_a_chief_left_out_of_the_ranking_sees_why_and_a_criterion_with_nothing_to_divide(
    client, world
):
    account = make_account(Role.CHIEF, world.chiefs["丁"].region, chief=world.chiefs["丁"])
    client.force_login(account)
    html = client.get("/me/").content.decode()
    assert lines_of(html, "score") == ["100.00"]
    assert lines_of(html, "rank") == ["本期任职不足30天，列出得分，不参加排名。"]
    assert lines_of(html, "part") == [
        "巡河率 无可计算（得满分）：60.00 / 60 分",
        "问题整改率 无可计算（得满分）：40.00 / 40 分",
    ]


def test_a_chief_without_a_published_score_sees_nothing_of_assessment(client, world):
    chief = factories.ChiefFactory(name="戊", region=world.chiefs["甲"].region)
    client.force_login(make_account(Role.CHIEF, chief.region, chief=chief))
    html = client.get("/me/").content.decode()
    assert 'id="my-assessment"' not in html
    assert "我的考核" not in html


def test_the_me_page_reads_the_scores_in_as_many_queries_for_many_rounds(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.account)
    with CaptureQueriesContext(connection) as two_rounds:
        assert client.get("/me/").status_code == 200
    for year in (2022, 2023, 2024):
        round_ = AssessmentRound.objects.create(scheme=world.yearly, region=world.street, year=year)
        AssessmentScore.objects.create(
            round=round_,
            subject_id=world.chiefs["甲"].pk,
            name="甲",
            breakdown=[part("patrol_rate", 90.0, 60.0)],
            score=Decimal("70.00"),
            rank=1,
        )
        AssessmentAdjustment.objects.create(
            round=round_, subject_id=world.chiefs["甲"].pk, points=Decimal("-1"), reason="迟报"
        )
        publish(round_)
    with django_assert_max_num_queries(len(two_rounds)):
        html = client.get("/me/").content.decode()
    assert len(lines_of(html, "score")) == 5
    assert lines_of(html, "adjustment").count("扣分 -1：迟报") == 3


# --- the dashboard ------------------------------------------------------------------------------


def test_the_dashboard_api_gives_the_latest_published_ranking_of_the_region(api, world):
    response = api.as_user(world.leader).get("/api/v1/dashboard/", {"region": world.street.pk})
    assert response.status_code == 200
    assert response.json()["assessment"] == {
        "round_id": world.q3.pk,
        "scheme": "河长季度考核",
        "year": 2026,
        "period": 3,
        "period_name": "2026年第三季度",
        "ranked": 3,
        "average": 83.06,
        "top": [
            {"name": "甲", "score": 95.0, "rank": 1},
            {"name": "乙", "score": 87.5, "rank": 2},
            {"name": "丙", "score": 66.67, "rank": 3},
        ],
        "bottom": [],
    }


def test_the_dashboard_page_shows_the_ranking_and_the_average(client, world):
    client.force_login(world.leader)
    html = client.get("/dashboard/", {"region": world.street.pk}).content.decode()
    assert "考核排名 · 河长季度考核 · 2026年第三季度" in html
    assert lines_of(html, "average") == ["83.06"]
    assert lines_of(html, "top") == ["1 甲 95.00", "2 乙 87.50", "3 丙 66.67"]
    assert lines_of(html, "bottom") == []
    # A leader reads the ranking; the round's page is the office's.
    assert f"/reports/assessment/{world.q3.pk}/" not in html
    assert f'data-round="{world.q3.pk}"' in html  # not the newer draft
    assert f'data-round="{world.draft.pk}"' not in html


def test_the_office_gets_a_link_to_the_round_page(client, world):
    client.force_login(world.office)
    html = client.get("/dashboard/", {"region": world.street.pk}).content.decode()
    assert f'href="/reports/assessment/{world.q3.pk}/"' in html


def test_a_region_without_a_published_round_of_its_own_has_no_ranking(api, client, world):
    # The county has none of its own (the street's round is not the county's); drafts never count.
    AssessmentRound.objects.filter(pk=world.q3.pk).update(status="draft")
    AssessmentRound.objects.filter(pk=world.year.pk).update(status="draft")
    for region in (world.county, world.street):
        response = api.as_user(world.county_leader).get("/api/v1/dashboard/", {"region": region.pk})
        assert response.json()["assessment"] is None
    client.force_login(world.county_leader)
    html = client.get("/dashboard/", {"region": world.street.pk}).content.decode()
    assert 'id="assessment-ranking"' not in html


def test_a_leader_sees_no_ranking_of_a_region_out_of_scope(api, world):
    other = api.as_user(world.other_leader)
    assert other.get("/api/v1/dashboard/", {"region": world.street.pk}).status_code == 400
    # Its own street's only round is the community scheme's.
    own = api.as_user(world.other_leader).get("/api/v1/dashboard/").json()["assessment"]
    assert own["scheme"] == "社区季度考核"
    assert own["top"] == [{"name": "某社区", "score": 58.33, "rank": 1}]


def big_round(world, n: int, first=Decimal(90), step=Decimal(1)) -> AssessmentRound:
    """``n`` ranked subjects 对象01.. scoring ``first``, ``first - step``, ... (ranks 1..n), for
    别的街道."""
    round_ = AssessmentRound.objects.create(
        scheme=world.quarterly, region=world.other_street, year=2026, period=3
    )
    AssessmentScore.objects.bulk_create(
        AssessmentScore(
            round=round_,
            subject_id=1000 + i,
            name=f"对象{i:02d}",
            score=first - (i - 1) * step,
            rank=i,
        )
        for i in range(1, n + 1)
    )
    return publish(round_)


def test_a_long_ranking_shows_the_first_ten_and_the_last_three(api, client, world):
    big_round(world, 15)  # scores 90 .. 76, average (90 + 76) / 2 = 83.00
    body = api.as_user(world.other_leader).get("/api/v1/dashboard/").json()["assessment"]
    assert body["ranked"] == 15
    assert body["average"] == 83.0
    assert [(r["name"], r["score"], r["rank"]) for r in body["top"]] == [
        ("对象01", 90.0, 1),
        ("对象02", 89.0, 2),
        ("对象03", 88.0, 3),
        ("对象04", 87.0, 4),
        ("对象05", 86.0, 5),
        ("对象06", 85.0, 6),
        ("对象07", 84.0, 7),
        ("对象08", 83.0, 8),
        ("对象09", 82.0, 9),
        ("对象10", 81.0, 10),
    ]
    assert body["bottom"] == [
        {"name": "对象13", "score": 78.0, "rank": 13},
        {"name": "对象14", "score": 77.0, "rank": 14},
        {"name": "对象15", "score": 76.0, "rank": 15},
    ]
    client.force_login(world.other_leader)
    html = client.get("/dashboard/").content.decode()
    assert len(lines_of(html, "top")) == 10
    assert lines_of(html, "bottom") == ["13 对象13 78.00", "14 对象14 77.00", "15 对象15 76.00"]


def test_thirteen_ranked_show_no_separate_bottom(api, world):
    big_round(world, 13)
    body = api.as_user(world.other_leader).get("/api/v1/dashboard/").json()["assessment"]
    assert [r["rank"] for r in body["top"]] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert body["bottom"] == []


def test_the_dashboard_reads_a_ranking_in_as_many_queries_whatever_its_size(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.other_leader)
    big_round(world, 14)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/dashboard/").status_code == 200
    AssessmentRound.objects.filter(region=world.other_street).delete()
    # 100 - (rank - 1) x 0.25: ... 25.75, 25.50, 25.25
    big_round(world, 300, first=Decimal(100), step=Decimal("0.25"))
    with django_assert_max_num_queries(len(small)):
        html = client.get("/dashboard/").content.decode()
    assert lines_of(html, "bottom") == [
        "298 对象298 25.75",
        "299 对象299 25.50",
        "300 对象300 25.25",
    ]
