"""Compliance (巡河率) by whole ended periods: a period is owed in full in the range holding its
last day, only by a chief who served all of it under one rule; a period still running, or cut by
an appointment, a relief or a rule change, owes nothing. Every figure below is counted by hand
from the world each test builds (calendars of 2025: 1 November is a Saturday, 1 December a
Monday, 1 July a Tuesday, 1 August a Friday)."""

import datetime
from decimal import Decimal

import pytest

from patrols import selectors, services
from patrols.models import PatrolRule
from patrols.rules import RuleBook
from rivers.models import Chief, ChiefRole
from rivers.services import chief_replace

from . import factories
from .test_patrols import make_patrol

D = datetime.date


@pytest.fixture
def world(db):
    """One community with a reach; community chiefs patrol once a week, street chiefs once a
    dekad (the seeded rules, in force since 2000)."""
    county = factories.CountyFactory(name="测试县", code="419900")
    street = factories.StreetFactory(parent=county, name="测试街道", code="419900001")
    community = factories.CommunityFactory(parent=street, name="测试社区", code="419900001001")
    river = factories.RiverFactory(region=street, name="测试河")
    reach = factories.ReachFactory(river=river, region=community, name="测试段")
    assert PatrolRule.objects.get(role=ChiefRole.COMMUNITY_CHIEF).period == "week"
    assert PatrolRule.objects.get(role=ChiefRole.STREET_CHIEF).period == "dekad"
    return {"street": street, "community": community, "reach": reach}


SINCE_2023 = D(2023, 1, 1)


def chief(world, *, role=ChiefRole.COMMUNITY_CHIEF, appointed_on=SINCE_2023, **extra) -> Chief:
    region = world["community"] if role == ChiefRole.COMMUNITY_CHIEF else world["street"]
    return factories.ChiefFactory(
        region=region, reaches=[world["reach"]], role=role, appointed_on=appointed_on, **extra
    )


def row(person: Chief, first: datetime.date, last: datetime.date, **kwargs):
    [found] = selectors.compliance_of(
        chiefs=Chief.objects.filter(pk=person.pk), date_from=first, date_to=last, **kwargs
    )
    return found


def figures(r) -> tuple:
    return (r.required, r.counted, r.done, r.rate, r.short)


NOVEMBER = (D(2025, 11, 1), D(2025, 11, 30))
OCTOBER = (D(2025, 10, 1), D(2025, 10, 31))
DECEMBER = (D(2025, 12, 1), D(2025, 12, 31))


@pytest.fixture
def weekly(world):
    """A chief with one patrol in the week of 27 October - 2 November (on 28 October) and one
    in each of the four whole November weeks, and one in the week of 1-7 December."""
    person = chief(world)
    for day in (D(2025, 10, 28), D(2025, 11, 4), D(2025, 11, 11), D(2025, 11, 18)):
        make_patrol(person, world["reach"], day)
    make_patrol(person, world["reach"], D(2025, 11, 25))
    make_patrol(person, world["reach"], D(2025, 12, 3))
    return person


def test_a_week_counts_in_full_in_the_month_it_ends_in(weekly):
    # November owes the weeks ending 2, 9, 16, 23 and 30 November; the one of 2 November is
    # met by its October patrol. Done counts November's own days: 4.
    assert figures(row(weekly, *NOVEMBER)) == (5, 5, 4, Decimal(1), False)
    # October owes the weeks ending 5, 12, 19 and 26 October: none met.
    assert figures(row(weekly, *OCTOBER)) == (4, 0, 1, Decimal(0), True)
    # The week of 1-7 December is December's: with the weeks ending 14, 21 and 28 December (the
    # week ending 4 January is January's), 4 owed and 1 met.
    assert figures(row(weekly, *DECEMBER)) == (4, 1, 1, Decimal("0.25"), True)


def test_the_quarter_is_the_sum_of_its_months(world, weekly):
    dekads = chief(world, role=ChiefRole.STREET_CHIEF)
    for day in (D(2025, 10, 3), D(2025, 10, 30), D(2025, 11, 15), D(2025, 12, 21)):
        make_patrol(dekads, world["reach"], day)
    for person in (weekly, dekads):
        months = [row(person, *month) for month in (OCTOBER, NOVEMBER, DECEMBER)]
        quarter = row(person, D(2025, 10, 1), D(2025, 12, 31))
        assert quarter.required == sum(m.required for m in months)
        assert quarter.counted == sum(m.counted for m in months)
        assert quarter.done == sum(m.done for m in months)
    # By hand: weekly 4 + 5 + 4 = 13 weeks owed, 0 + 5 + 1 met; dekads 9 owed, 4 met.
    assert figures(row(weekly, D(2025, 10, 1), D(2025, 12, 31))) == (
        13,
        6,
        6,
        Decimal("0.4615"),
        True,
    )
    assert figures(row(dekads, D(2025, 10, 1), D(2025, 12, 31))) == (
        9,
        4,
        4,
        Decimal("0.4444"),
        True,
    )


def test_a_dekad_rule(world):
    person = chief(world, role=ChiefRole.STREET_CHIEF)
    make_patrol(person, world["reach"], D(2025, 2, 5))
    make_patrol(person, world["reach"], D(2025, 2, 6))  # the same dekad: counted once
    make_patrol(person, world["reach"], D(2025, 2, 25))  # the last dekad, 21-28 February
    assert figures(row(person, D(2025, 2, 1), D(2025, 2, 28))) == (
        3,
        2,
        3,
        Decimal("0.6667"),
        True,
    )


def test_as_of_in_the_middle_of_a_week_owes_nothing_for_that_week(weekly):
    # Up to Wednesday 12 November: the weeks ending 2 and 9 November only.
    r = row(weekly, *NOVEMBER, as_of=D(2025, 11, 12))
    assert figures(r) == (2, 2, 2, Decimal(1), False)


def test_a_period_ending_today_has_not_ended(db):
    book = RuleBook.load()
    owed = selectors.owed_periods(
        book,
        roles={ChiefRole.COMMUNITY_CHIEF},
        date_from=NOVEMBER[0],
        as_of=NOVEMBER[1],
        today=D(2025, 11, 30),
    )
    assert [p.end for p in owed] == [
        D(2025, 11, 2),
        D(2025, 11, 9),
        D(2025, 11, 16),
        D(2025, 11, 23),
    ]


def test_a_chief_appointed_on_a_wednesday_owes_nothing_that_week(world):
    person = chief(world, appointed_on=D(2025, 11, 5))
    make_patrol(person, world["reach"], D(2025, 11, 6))
    make_patrol(person, world["reach"], D(2025, 11, 12))
    # The weeks ending 16, 23 and 30 November; the patrol of the 6th is done but owes nothing.
    assert figures(row(person, *NOVEMBER)) == (3, 1, 2, Decimal("0.3333"), True)


def test_a_replacement_on_1_july(world):
    old = chief(world, name="前任", appointed_on=D(2024, 1, 1))
    new = chief_replace(chief=old, on=D(2025, 7, 1), name="接任", phone="13700001111")
    old.refresh_from_db()
    assert (old.relieved_on, new.appointed_on) == (D(2025, 6, 30), D(2025, 7, 1))
    for day in (D(2025, 6, 24), D(2025, 6, 30)):
        make_patrol(old, world["reach"], day)
    for day in (D(2025, 7, 2), D(2025, 7, 9), D(2025, 7, 16), D(2025, 7, 23)):
        make_patrol(new, world["reach"], day)
    # June: the predecessor owes the weeks ending 1, 8, 15, 22 and 29 June, meets one.
    assert figures(row(old, D(2025, 6, 1), D(2025, 6, 30))) == (
        5,
        1,
        2,
        Decimal("0.2"),
        True,
    )
    # July: the week of 30 June - 6 July is cut by the replacement and owed by neither; the
    # successor owes the weeks ending 13, 20 and 27 July (the week of 28 July ends in August).
    july = selectors.compliance_of(
        chiefs=Chief.objects.filter(pk__in=[old.pk, new.pk]),
        date_from=D(2025, 7, 1),
        date_to=D(2025, 7, 31),
    )
    assert [r.name for r in july] == ["接任"]  # the predecessor did not serve in July
    assert figures(july[0]) == (3, 3, 4, Decimal(1), False)


def test_a_rule_edit_from_1_august_leaves_july_unchanged(world, admin_user):
    person = chief(world)
    for day in (D(2025, 7, 8), D(2025, 7, 15), D(2025, 8, 5), D(2025, 8, 6), D(2025, 8, 12)):
        make_patrol(person, world["reach"], day)
    july = (D(2025, 7, 1), D(2025, 7, 31))
    august = (D(2025, 8, 1), D(2025, 8, 31))
    # Weekly, once: July owes the weeks ending 6, 13, 20, 27 July; meets 2.
    before = figures(row(person, *july))
    assert before == (4, 2, 2, Decimal("0.5"), True)
    rule = PatrolRule.objects.get(role=ChiefRole.COMMUNITY_CHIEF)
    new = services.patrol_rule_change(
        rule=rule,
        user=admin_user,
        effective_from=D(2025, 8, 1),
        today=D(2025, 7, 20),
        min_count=2,
    )
    rule.refresh_from_db()
    assert (rule.valid_to, new.valid_from, new.min_count) == (D(2025, 7, 31), D(2025, 8, 1), 2)
    assert figures(row(person, *july)) == before
    # August: the week of 28 July - 3 August is cut by the change and owed by no rule; then the
    # weeks ending 10, 17, 24 and 31 August, twice each: 8 owed, 2 + 1 met.
    assert figures(row(person, *august)) == (8, 3, 3, Decimal("0.375"), True)


def test_roles_restrict_the_rows(world, weekly):
    cleaner = chief(world, role=ChiefRole.CLEANER)
    make_patrol(cleaner, world["reach"], D(2025, 11, 3))
    from rivers.models import PATROLLING_ROLES

    everyone = selectors.compliance_of(
        chiefs=Chief.objects.all(), date_from=NOVEMBER[0], date_to=NOVEMBER[1]
    )
    assert {r.chief_id for r in everyone} == {weekly.pk, cleaner.pk}
    patrolling = selectors.compliance_of(
        chiefs=Chief.objects.all(),
        date_from=NOVEMBER[0],
        date_to=NOVEMBER[1],
        roles=PATROLLING_ROLES,
    )
    assert {r.chief_id for r in patrolling} == {weekly.pk}
    # The cleaner's daily rule: the 30 days of November, one met.
    [cleaning] = [r for r in everyone if r.chief_id == cleaner.pk]
    assert (cleaning.required, cleaning.counted) == (30, 1)


def test_patrols_on_days_not_served_are_not_counted(world):
    """Rows filed before the service refused them (or imported) stay out of the figures."""
    person = chief(world, appointed_on=D(2025, 11, 3))
    make_patrol(person, world["reach"], D(2025, 11, 1))  # before the appointment
    make_patrol(person, world["reach"], D(2025, 11, 4))
    assert figures(row(person, *NOVEMBER)) == (4, 1, 1, Decimal("0.25"), True)
