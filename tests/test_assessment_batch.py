"""A round computed in one batch (every criterion over all the subjects at once) gives the
breakdown written here from a world built by hand, with chiefs who served part of the quarter
and community subjects. Never computed by the code under test.

The world: street 河湾街道 with communities 上村 and 下村; one rule, valid all along: community
chiefs patrol twice a month. The third quarter of 2025 (1 July - 30 September), 92 days.

Chiefs (community chiefs):
- 甲 (上村, since 2020): patrols 2 in July, 1 in August, 2 in September: counted 2 + 1 + 2 = 5 of
  6 owed = 83.33 %. Issues handed to 甲: found 5 Jul, closed 10 Jul (deadline 15 Jul); found
  25 Sep, open; found 8 Jul and voided (never counted). Resolution: found 2, closed 1 = 50 %;
  on time: closed in the quarter 1, by its deadline 1 = 100 %.
- 乙 (上村, appointed 1 August: served 61 days): owes August and September: 3 patrols in August
  (2 count), none in September: 2 of 4 = 50 %. Issues handed to 乙: found 20 Jul (before 乙's
  days), closed 5 Aug after its deadline (1 Aug); found 10 Aug, closed 12 Aug by its deadline
  (20 Aug). Resolution over 乙's days: found 1 (10 Aug), closed 1 = 100 %; on time: closed in
  乙's days 2 (5 Aug late, 12 Aug on time) = 50 %.
- 丙 (下村, since 2020, relieved 20 August: served 51 days): owes July only (August is cut by the
  relief): 1 patrol in July, 2 in August before the relief (owed nothing): 1 of 2 = 50 %. Issues
  handed to 丙: found 15 Aug, closed 25 Aug (after 丙's last day; deadline 30 Aug); found 1 Sep
  (after it). Resolution: found 1, closed by 20 Aug 0 = 0 %; on time: none closed in 丙's days:
  no value (full points).
- An issue of 下村 handed to the community, not a chief: found 3 Jul, closed 4 Jul, no deadline.

Communities (the whole quarter; their chiefs and the issues of their region):
- 上村: patrols 5 + 2 = 7 of 6 + 4 = 10 = 70 %; issues found 4 (5 Jul, 25 Sep, 20 Jul, 10 Aug),
  closed by 30 Sep 3 = 75 %; closed in the quarter 3 (10 Jul, 5 Aug, 12 Aug), on time 2 = 66.67 %.
- 下村: patrols 1 of 2 = 50 %; issues found 3 (15 Aug, 1 Sep, 3 Jul), closed 2 = 66.67 %; closed
  in the quarter 2 (25 Aug by 30 Aug, 4 Jul with no deadline), on time 2 = 100 %.

Scheme: patrol_rate 50 (target 90), resolution_rate 30 (target 80), on_time_rate 20 (target 80).
Points = weight x min(1, value / target), value as stated (two decimals), rounded half up:
- 甲: 50 x 83.33/90 = 46.294.. = 46.29; 30 x 50/80 = 18.75; 20 x 1 = 20.00.
- 乙: 50 x 50/90 = 27.777.. = 27.78; 30.00; 20 x 50/80 = 12.50.
- 丙: 27.78; 0.00; no value: 20.00.
- 上村: 50 x 70/90 = 38.888.. = 38.89; 30 x 75/80 = 28.125 = 28.13; 20 x 66.67/80 = 16.6675 = 16.67.
- 下村: 27.78; 30 x 66.67/80 = 25.00125 = 25.00; 20.00.
"""

import datetime

import pytest
from django.utils import timezone

from patrols.models import PatrolRule
from patrols.selectors import compliance_of
from reports.assessment import CRITERIA, breakdowns_of, period_bounds, subjects_of
from rivers.models import PATROLLING_ROLES, Chief, ChiefRole

from . import factories

D = datetime.date
SCHEME = [
    {"key": "patrol_rate", "weight": 50, "target": 90},
    {"key": "resolution_rate", "weight": 30, "target": 80},
    {"key": "on_time_rate", "weight": 20, "target": 80},
]


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def row(key, value, points):
    return {"key": key, "value": value, "points": points}


@pytest.fixture
def bay(db):
    PatrolRule.objects.all().delete()
    factories.PatrolRuleFactory(
        role=ChiefRole.COMMUNITY_CHIEF, period="month", min_count=2, valid_from=D(2000, 1, 1)
    )
    county = factories.CountyFactory(name="示例区", code="980000")
    street = factories.StreetFactory(parent=county, name="河湾街道", code="980001")
    river = factories.RiverFactory(region=street, name="湾河")
    upper = factories.CommunityFactory(parent=street, name="上村", code="980001001")
    lower = factories.CommunityFactory(parent=street, name="下村", code="980001002")
    upper_reach = factories.ReachFactory(river=river, region=upper, name="上村段")
    lower_reach = factories.ReachFactory(river=river, region=lower, name="下村段")

    def chief(name, reach, appointed, relieved=None):
        return factories.ChiefFactory(
            name=name,
            role=ChiefRole.COMMUNITY_CHIEF,
            region=reach.region,
            reaches=[reach],
            appointed_on=appointed,
            relieved_on=relieved,
        )

    chiefs = {
        "甲": chief("甲", upper_reach, D(2020, 1, 1)),
        "乙": chief("乙", upper_reach, D(2025, 8, 1)),
        "丙": chief("丙", lower_reach, D(2020, 1, 1), D(2025, 8, 20)),
    }
    patrols = {
        "甲": [D(2025, 7, 3), D(2025, 7, 17), D(2025, 8, 7), D(2025, 9, 4), D(2025, 9, 18)],
        "乙": [D(2025, 8, 4), D(2025, 8, 11), D(2025, 8, 18)],
        "丙": [D(2025, 7, 9), D(2025, 8, 5), D(2025, 8, 12)],
    }
    for name, days in patrols.items():
        for day in days:
            factories.PatrolFactory(
                chief=chiefs[name],
                reach=chiefs[name].reaches.get(),
                started_at=at(day),
                ended_at=at(day, 10),
                started_on=day,
            )

    def issue(reach, reported, *, chief=None, closed=None, deadline=None, status=None):
        factories.IssueFactory(
            reach=reach,
            assignee_chief=chiefs[chief] if chief else None,
            assignee_region=None if chief else reach.region,
            reported_at=at(reported),
            closed_at=at(closed, 15) if closed else None,
            status=status or ("closed" if closed else "assigned"),
            deadline=deadline,
        )

    issue(upper_reach, D(2025, 7, 5), chief="甲", closed=D(2025, 7, 10), deadline=D(2025, 7, 15))
    issue(upper_reach, D(2025, 9, 25), chief="甲", deadline=D(2025, 10, 5))
    issue(upper_reach, D(2025, 7, 8), chief="甲", status="voided")
    issue(upper_reach, D(2025, 7, 20), chief="乙", closed=D(2025, 8, 5), deadline=D(2025, 8, 1))
    issue(upper_reach, D(2025, 8, 10), chief="乙", closed=D(2025, 8, 12), deadline=D(2025, 8, 20))
    issue(lower_reach, D(2025, 8, 15), chief="丙", closed=D(2025, 8, 25), deadline=D(2025, 8, 30))
    issue(lower_reach, D(2025, 9, 1), chief="丙", deadline=D(2025, 9, 11))
    issue(lower_reach, D(2025, 7, 3), closed=D(2025, 7, 4))
    return {"street": street, "chiefs": chiefs, "upper": upper, "lower": lower}


def test_a_chief_round_in_one_batch_scores_each_over_the_days_served(bay):
    first, last = period_bounds(2025, 3)
    subjects = subjects_of(subject="chief", region=bay["street"], date_from=first, date_to=last)
    assert {s.name: s.served_days for s in subjects} == {"甲": 92, "乙": 61, "丙": 51}
    breakdowns = {s.name: b for s, b in zip(subjects, _in_order(subjects, SCHEME), strict=True)}
    assert breakdowns == {
        "甲": [
            row("patrol_rate", 83.33, 46.29),
            row("resolution_rate", 50.00, 18.75),
            row("on_time_rate", 100.00, 20.00),
        ],
        "乙": [
            row("patrol_rate", 50.00, 27.78),
            row("resolution_rate", 100.00, 30.00),
            row("on_time_rate", 50.00, 12.50),
        ],
        "丙": [
            row("patrol_rate", 50.00, 27.78),
            row("resolution_rate", 0.00, 0.00),
            row("on_time_rate", None, 20.00),
        ],
    }


def test_a_community_round_in_one_batch_counts_its_chiefs_and_region(bay):
    first, last = period_bounds(2025, 3)
    subjects = subjects_of(subject="community", region=bay["street"], date_from=first, date_to=last)
    breakdowns = {s.name: b for s, b in zip(subjects, _in_order(subjects, SCHEME), strict=True)}
    assert breakdowns == {
        "上村": [
            row("patrol_rate", 70.00, 38.89),
            row("resolution_rate", 75.00, 28.13),
            row("on_time_rate", 66.67, 16.67),
        ],
        "下村": [
            row("patrol_rate", 50.00, 27.78),
            row("resolution_rate", 66.67, 25.00),
            row("on_time_rate", 100.00, 20.00),
        ],
    }


def test_the_batch_patrol_rate_equals_compliance_over_each_chiefs_own_days(bay):
    """The one compliance_of call over the quarter gives each chief what a call over the days it
    served gives (the first version's definition): 乙 from 1 August, 丙 to 20 August."""
    first, last = period_bounds(2025, 3)
    subjects = subjects_of(subject="chief", region=bay["street"], date_from=first, date_to=last)
    batch = CRITERIA["patrol_rate"].values(subjects)
    for subject in subjects:
        (own,) = compliance_of(
            chiefs=Chief.objects.filter(pk=subject.id),
            date_from=subject.date_from,
            date_to=subject.date_to,
            roles=PATROLLING_ROLES,
        )
        assert (own.counted, own.required) == {
            "甲": (5, 6),
            "乙": (2, 4),
            "丙": (1, 2),
        }[subject.name]
        assert batch[subject.id] == CRITERIA["patrol_rate"].value(subject)
    assert {s.name: str(batch[s.id]) for s in subjects} == {
        "甲": "83.33",
        "乙": "50.00",
        "丙": "50.00",
    }


def test_a_round_costs_the_same_queries_however_many_subjects(bay, django_assert_num_queries):
    """Each criterion reads all the subjects at once: a round of 3 chiefs and one of 2
    communities send the same few statements (the patrol rate's rule book, roster and
    aggregate; one grouped query per issue criterion; the regions' subtrees)."""
    first, last = period_bounds(2025, 3)
    chiefs = subjects_of(subject="chief", region=bay["street"], date_from=first, date_to=last)
    with django_assert_num_queries(5):
        breakdowns_of(SCHEME, chiefs)
    communities = subjects_of(
        subject="community", region=bay["street"], date_from=first, date_to=last
    )
    with django_assert_num_queries(8):
        breakdowns_of(SCHEME, communities)


def _in_order(subjects, criteria):
    breakdowns = breakdowns_of(criteria, subjects)
    return [breakdowns[s.id] for s in subjects]
