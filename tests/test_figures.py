"""Every registered figure against a small world built by hand, with the expected numbers written
here from the world (never computed by the code under test).

The world: street 清水街道 with communities 东村 and 西村, the river 清水河 (a reach in each
community) and the flood channel 东沟 (a reach in 东村 with no chief). Rules, valid all along:
community chiefs weekly (1), street chiefs each dekad (1), cleaners daily (1).

People: 街长 (street chief), 甲 (东村's community chief), 乙 (西村's, relieved 30 June 2025) and
丙 (乙's successor from 1 July 2025), 洁 (a cleaner), 警 (a police chief of 清水派出所).

November 2025 (1 Nov is a Saturday). Its weeks, each counted in the month it ends in: 27 Oct-2
Nov, 3-9, 10-16, 17-23, 24-30. Its dekads: 1-10, 11-20, 21-30.
- 甲: valid patrols 28 Oct, 4, 11 and 18 Nov, an invalid one on 25 Nov (and one on 2 Dec, in
  December's first week): owes 5 weeks, counts 4 (nothing valid in 24-30 Nov): short.
- 丙: valid patrols 1, 3, 10, 12, 17 and 24 Nov: 6 patrols, owes 5 weeks, counts 5: not short.
- 街长: valid patrols 5 and 25 Nov: owes 3 dekads, counts 2 (nothing in 11-20 Nov): short.
- 洁: a round every day of November: 30 cleaning rounds, never patrols.
So November: patrols 3 + 6 + 2 = 11, invalid 1, cleaning rounds 30, patrolling chiefs 3,
required 5 + 5 + 3 = 13, counted 4 + 5 + 2 = 11, rate 11/13 = 0.8462, 2 chiefs short.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from activities.models import Campaign
from issues.models import IssueDeadline, IssueStatus
from patrols.models import PatrolRule
from reports.content import ReportSpec, compose
from reports.figures import FIGURES
from reports.models import ReportKind
from reports.statistics import region_statistics, report_details
from rivers.models import ChiefRole, RiverKind
from tests.report_text import plain_text

from . import factories

D = datetime.date
NOV = (D(2025, 11, 1), D(2025, 11, 30))
YEAR = (D(2025, 1, 1), D(2025, 12, 31))
H2 = (D(2025, 7, 1), D(2025, 12, 31))


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class World:
    pass


@pytest.fixture
def world(db) -> World:
    w = World()
    PatrolRule.objects.all().delete()
    since = D(2000, 1, 1)
    for role, period in (
        (ChiefRole.COMMUNITY_CHIEF, "week"),
        (ChiefRole.STREET_CHIEF, "dekad"),
        (ChiefRole.CLEANER, "day"),
    ):
        factories.PatrolRuleFactory(role=role, period=period, min_count=1, valid_from=since)

    county = factories.CountyFactory(name="示例区", code="990000")
    w.street = factories.StreetFactory(parent=county, name="清水街道", code="990001")
    w.east = factories.CommunityFactory(parent=w.street, name="东村", code="990001001")
    w.west = factories.CommunityFactory(parent=w.street, name="西村", code="990001002")
    river = factories.RiverFactory(region=w.street, name="清水河", kind=RiverKind.RIVER)
    channel = factories.RiverFactory(region=w.street, name="东沟", kind=RiverKind.FLOOD_CHANNEL)
    w.east_reach = factories.ReachFactory(river=river, region=w.east, name="清水河东村段")
    w.west_reach = factories.ReachFactory(river=river, region=w.west, name="西村段")
    w.channel_reach = factories.ReachFactory(river=channel, region=w.east, name="东沟东村段")

    long_ago = D(2020, 1, 1)
    w.street_chief = factories.ChiefFactory(
        name="街长", role=ChiefRole.STREET_CHIEF, region=w.street, appointed_on=long_ago
    )
    w.jia = factories.ChiefFactory(
        name="甲",
        role=ChiefRole.COMMUNITY_CHIEF,
        region=w.east,
        reaches=[w.east_reach],
        appointed_on=long_ago,
    )
    w.yi = factories.ChiefFactory(
        name="乙",
        role=ChiefRole.COMMUNITY_CHIEF,
        region=w.west,
        reaches=[w.west_reach],
        appointed_on=long_ago,
        relieved_on=D(2025, 6, 30),
    )
    w.bing = factories.ChiefFactory(
        name="丙",
        role=ChiefRole.COMMUNITY_CHIEF,
        region=w.west,
        reaches=[w.west_reach],
        appointed_on=D(2025, 7, 1),
    )
    w.cleaner = factories.ChiefFactory(
        name="洁",
        role=ChiefRole.CLEANER,
        region=w.east,
        reaches=[w.east_reach],
        appointed_on=long_ago,
    )
    w.police = factories.ChiefFactory(
        name="警",
        role=ChiefRole.POLICE_CHIEF,
        region=w.street,
        unit="清水派出所",
        appointed_on=long_ago,
    )

    def patrol(chief, reach, day, valid=True):
        factories.PatrolFactory(
            chief=chief,
            reach=reach,
            started_at=at(day),
            ended_at=at(day, 10),
            started_on=day,
            valid=valid,
        )

    for day in (D(2025, 10, 28), D(2025, 11, 4), D(2025, 11, 11), D(2025, 11, 18)):
        patrol(w.jia, w.east_reach, day)
    patrol(w.jia, w.east_reach, D(2025, 11, 25), valid=False)
    patrol(w.jia, w.east_reach, D(2025, 12, 2))
    for n in (1, 3, 10, 12, 17, 24):
        patrol(w.bing, w.west_reach, D(2025, 11, n))
    for n in (5, 25):
        patrol(w.street_chief, w.east_reach, D(2025, 11, n))
    for n in range(1, 31):
        patrol(w.cleaner, w.east_reach, D(2025, 11, n))
    # 乙 patrolled in June, while serving.
    patrol(w.yi, w.west_reach, D(2025, 6, 10))

    # Issues: found 30 June and closed 2 July; voided; escalated and still overdue; open.
    def issue(title, reported, **fields):
        made = factories.IssueFactory(
            title=title, reach=w.east_reach, reported_at=at(reported, 10), **fields
        )
        if made.deadline:
            IssueDeadline.objects.create(
                issue=made, deadline=made.deadline, set_at=at(reported, 11), action="assign"
            )
        return made

    w.june = issue(
        "六月垃圾",
        D(2025, 6, 30),
        status=IssueStatus.CLOSED,
        closed_at=at(D(2025, 7, 2), 15),
        deadline=D(2025, 7, 10),
    )
    w.voided = issue(
        "重复上报",
        D(2025, 11, 5),
        status=IssueStatus.VOIDED,
        void_reason="duplicate",
        voided_at=at(D(2025, 11, 6)),
    )
    w.late = issue(
        "陈年堆放", D(2025, 3, 1), status=IssueStatus.RECTIFYING, deadline=D(2025, 3, 31)
    )
    # Its first deadline, 10 March; the 督办 of 15 March set 31 March.
    IssueDeadline.objects.filter(issue=w.late).update(set_at=at(D(2025, 3, 15)))
    IssueDeadline.objects.create(
        issue=w.late, deadline=D(2025, 3, 10), set_at=at(D(2025, 3, 1), 11), action="assign"
    )
    w.fresh = issue(
        "新发现", D(2025, 11, 10), status=IssueStatus.ASSIGNED, deadline=D(2025, 12, 20)
    )
    w.extended = issue(
        "五月问题", D(2025, 5, 1), status=IssueStatus.RECTIFYING, deadline=D(2025, 12, 31)
    )
    IssueDeadline.objects.filter(issue=w.extended).update(set_at=at(D(2025, 5, 12)))
    IssueDeadline.objects.create(
        issue=w.extended, deadline=D(2025, 5, 10), set_at=at(D(2025, 5, 1), 11), action="assign"
    )

    # Cleanups: one routine, two of the 清四乱 campaign.
    factories.CleanupFactory(
        region=w.east,
        date=D(2025, 4, 10),
        campaign=Campaign.ROUTINE,
        points=10,
        garbage_m3=Decimal("20"),
        garbage_t=Decimal("5"),
        participants=30,
        volunteers=0,
    )
    factories.CleanupFactory(
        region=w.east,
        date=D(2025, 4, 20),
        campaign=Campaign.FOUR_DISORDERS,
        points=7,
        garbage_m3=Decimal("12.5"),
        garbage_t=Decimal("3"),
        participants=20,
        volunteers=8,
    )
    factories.CleanupFactory(
        region=w.west,
        date=D(2025, 8, 15),
        campaign=Campaign.FOUR_DISORDERS,
        points=5,
        garbage_m3=Decimal("10"),
        garbage_t=Decimal("2"),
        participants=10,
        volunteers=0,
    )
    factories.PublicityEventFactory(
        region=w.east, date=D(2025, 9, 1), venues=["community", "school"], place="东村广场"
    )
    return w


LATER = D(2026, 6, 1)  # a day after every period of the world has ended


def stats(w: World, period, today=LATER):
    return region_statistics(region=w.street, date_from=period[0], date_to=period[1], today=today)


def test_november_patrol_figures_count_chiefs_valid_patrols_by_whole_ended_periods(world):
    s = stats(world, NOV)
    assert s.as_of == D(2025, 11, 30)
    assert s.patrols == 11
    assert s.patrols_invalid == 1
    assert s.cleaning_rounds == 30
    assert s.patrolling_chiefs == 3
    assert s.patrols_required == Decimal(13)
    assert s.patrols_counted == 11
    assert s.patrol_rate == Decimal("0.8462")
    assert s.chiefs_short == 2


def test_a_running_period_counts_to_as_of_and_owes_only_ended_periods(world):
    # Made on Wednesday 26 November: weeks ending 2, 9, 16, 23 Nov and dekads ending 10 and
    # 20 Nov are owed; 甲 4/4, 丙 4/4, 街长 1/2 (nothing in 11-20 Nov).
    s = stats(world, NOV, today=D(2025, 11, 26))
    assert s.as_of == D(2025, 11, 26)
    assert s.patrols == 11  # 甲 3, 丙 6, 街长 2 (25 Nov)
    assert s.cleaning_rounds == 26
    assert s.patrols_required == Decimal(10)
    assert s.patrols_counted == 9
    assert s.chiefs_short == 1
    details = report_details(
        region=world.street, date_from=NOV[0], date_to=NOV[1], today=D(2025, 11, 26)
    )
    assert details.running
    assert [row["name"] for row in details.short_chiefs] == ["街长"]
    assert details.monthly[-1]["partial_to"] == 26


def test_posts_filled_count_a_replaced_post_once_and_persons_served_twice(world):
    s = stats(world, YEAR)
    assert s.chiefs["community_chief"] == 2  # 甲 and 丙 on 31 December
    assert s.chiefs_served["community_chief"] == 3  # 甲, 乙 and 丙
    assert s.chiefs["street_chief"] == 1
    assert s.chiefs["cleaner"] == 1
    assert s.reaches == 3
    assert s.reaches_without_chief == 1  # 东沟东村段
    # 乙 patrolled in June while serving: four chiefs patrolled in the year, not the cleaner.
    assert s.patrolling_chiefs == 4


def test_issue_figures_keep_voided_apart_and_overdue_time(world):
    year = stats(world, YEAR)
    # Found in 2025, voided excepted: 六月垃圾, 陈年堆放, 新发现, 五月问题.
    assert year.issues_found == 4
    assert year.issues_voided == 1
    assert year.issues_found_closed == 1
    assert year.issues_closed == 1
    # On 31 December: 陈年堆放 (31 Mar) and 新发现 (20 Dec) are past their deadlines.
    assert year.issues_overdue == 2
    # Any time in the year: those two, and 五月问题 (10 May, overdue 11 May before its 督办).
    assert year.issues_overdue_in_period == 3
    assert year.resolution_rate == Decimal("0.2500")

    h2 = stats(world, H2)
    # Reported 30 June, closed 2 July: not found in H2, but closed in it.
    assert h2.issues_found == 1  # 新发现
    assert h2.issues_closed == 1
    assert h2.issues_found_closed == 0

    november = stats(world, NOV)
    assert november.issues_found == 1
    assert november.issues_voided == 1
    assert november.issues_overdue == 1  # 陈年堆放 only; 五月问题 runs to 31 Dec
    may = stats(world, (D(2025, 5, 1), D(2025, 5, 31)))
    assert may.issues_overdue_in_period == 2  # 陈年堆放 and 五月问题
    assert may.issues_overdue == 1  # on 31 May 五月问题's deadline was 31 Dec


def test_cleanups_and_the_four_disorders_campaign_apart(world):
    s = stats(world, YEAR)
    assert s.cleanups == 3
    assert s.cleanup_points == 22
    assert s.garbage_m3 == Decimal("42.50")
    assert s.garbage_t == Decimal("10.00")
    assert s.cleanup_participants == 60
    assert s.cleanup_volunteers == 8
    assert s.four_disorders_cleanups == 2
    assert s.four_disorders_points == 12
    assert s.four_disorders_garbage_m3 == Decimal("22.50")
    assert s.four_disorders_garbage_t == Decimal("5.00")


def test_months_add_up_to_the_quarter(world):
    quarter = stats(world, (D(2025, 10, 1), D(2025, 12, 31)))
    months = [
        stats(world, (D(2025, m, 1), D(2025, m, d))) for m, d in ((10, 31), (11, 30), (12, 31))
    ]
    assert quarter.patrols_required == sum(m.patrols_required for m in months)
    assert quarter.patrols_counted == sum(m.patrols_counted for m in months)
    assert quarter.patrols == sum(m.patrols for m in months)


def _text(world, period, kind, year=2025, period_no=0, today=LATER, **spec):
    figures = stats(world, period, today=today)
    details = report_details(
        region=world.street, date_from=period[0], date_to=period[1], statistics=figures, today=today
    )
    content = compose(
        spec=ReportSpec(
            region_name="清水街道",
            region_level="street",
            kind=kind,
            year=year,
            period=period_no,
            document_date=D(2026, 1, 5),
            **spec,
        ),
        figures=figures,
        details=details,
    )
    return content, "\n".join(plain_text(content))


def test_the_report_says_only_what_the_records_show(world):
    content, text = _text(world, YEAR, ReportKind.ANNUAL)
    # A reach without a chief: no full coverage; no joint check recorded: no police sentence.
    assert "全覆盖" not in text
    assert "尚有1个河段暂无在任河长" in text
    assert "派出所" not in text and "畜禽" not in text
    # Venues recorded: community and school, not firms.
    assert "做到进社区、进学校" in text and "进企业" not in text
    # Volunteers recorded in a cleanup.
    assert "组织工作人员和志愿者" in text
    # The campaign's own figures, beside the totals.
    assert "共开展清理行动3次" in text
    assert "开展了河洪道“清四乱”专项行动2次，累计清理垃圾12处，清理垃圾22.5方" in text
    assert "截至12月底" in text
    assert content["issued_on"] == "2026年1月5日"
    assert content["issuer"] == "清水街道河长制办公室"


def test_the_report_of_a_running_period_says_as_of_the_day(world):
    _content, text = _text(
        world,
        NOV,
        ReportKind.QUARTERLY,
        period_no=4,
        today=D(2025, 11, 26),
        issuer="清水街道办事处",
    )
    assert "截至11月26日" in text and "截至11月底" not in text
    assert "各级河长累计有效巡河11次" in text
    assert "完成巡河3人" in text
    assert _content["issuer"] == "清水街道办事处"


def test_prose_names_issues_by_title_and_place_never_by_code(world):
    _content, text = _text(world, YEAR, ReportKind.ANNUAL)
    assert "东村清水河东村段“陈年堆放”" in text
    assert world.late.code not in text


def test_a_joint_check_with_the_police_chief_is_said_with_its_topics(world):
    inspection = factories.InspectionFactory(
        region=world.street, date=D(2025, 10, 9), topics=["livestock", "slaughterhouse"]
    )
    inspection.participants.set([world.police, world.street_chief])
    _content, text = _text(world, YEAR, ReportKind.ANNUAL)
    assert (
        "街道河长联合清水派出所河道警长对辖区河洪道进行排查，重点排查畜禽养殖业、屠宰行业。" in text
    )


def test_every_registered_figure_is_in_the_statistics(world):
    s = stats(world, NOV)
    for key in FIGURES:
        getattr(s, key)
    with pytest.raises(AttributeError):
        _ = s.patrol_rat  # a misspelt figure is an error, never a silent zero
