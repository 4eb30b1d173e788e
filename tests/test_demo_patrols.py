"""`seed_demo`'s year of patrols: mostly valid walks along the reaches, some cut short, a few
chiefs behind their rule, all inside each chief's appointment."""

import datetime
import random
from collections import Counter
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import transaction

from accounts.models import Region
from demo.patrols import FINDINGS, LAGGARDS, street_patrols, year_window
from demo.street import COMMUNITY_NAMES, DEMO_SEED, STREET_CHIEFS, build_demo, demo_counts
from patrols import tracks
from patrols.models import Finding, Patrol
from patrols.rules import RuleBook
from patrols.selectors import compliance_of
from patrols.services import patrol_assess
from rivers.models import Chief, ChiefRole, Facility, Outfall, Sign

TODAY = datetime.date(2026, 11, 22)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker):
    """One demo street with its year of patrols, built once for the module and rolled back
    after it; each test runs in a savepoint inside."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo(today=TODAY)
        transaction.set_rollback(True)


@pytest.fixture
def demo(year, db):
    return year


def _rng(seed) -> random.Random:
    return random.Random(seed)  # noqa: S311 - a repeatable sample, as the demo is


def _patrols(demo) -> list[Patrol]:
    return list(Patrol.objects.in_region(demo.county).select_related("chief", "reach"))


def test_a_year_of_patrols_by_every_chief_under_a_rule(demo):
    patrols = _patrols(demo)
    assert 2500 <= len(patrols) <= 6000
    days = [p.started_on for p in patrols]
    first = year_window(TODAY)
    assert first == datetime.date(2025, 11, 23)
    assert min(days) >= first
    assert max(days) <= TODAY
    # The whole year, every month of it.
    assert min(days) <= first + datetime.timedelta(days=3)
    assert max(days) >= TODAY - datetime.timedelta(days=3)
    assert len({(d.year, d.month) for d in days}) in (12, 13)

    ruled = RuleBook.load().roles
    chiefs = Chief.objects.in_region(demo.county)
    walkers = {p.chief_id for p in patrols}
    assert walkers == set(chiefs.filter(role__in=ruled).values_list("pk", flat=True))
    by_role = Counter(p.chief.role for p in patrols)
    assert set(by_role) == ruled
    # Cleaners go out most days, chiefs by their weeks, dekads and months.
    assert by_role[ChiefRole.CLEANER] > by_role[ChiefRole.COMMUNITY_CHIEF]
    assert by_role[ChiefRole.COMMUNITY_CHIEF] > by_role[ChiefRole.STREET_CHIEF]
    assert by_role[ChiefRole.STREET_CHIEF] > by_role[ChiefRole.GENERAL_CHIEF] >= 20


def test_every_patrol_is_dated_locally_and_inside_its_chiefs_appointment(demo):
    for patrol in _patrols(demo):
        chief = patrol.chief
        assert patrol.started_on == patrol.started_at.astimezone(SHANGHAI).date(), patrol.pk
        assert chief.appointed_on <= patrol.started_on, patrol.pk
        assert chief.relieved_on is None or patrol.started_on <= chief.relieved_on, patrol.pk
        assert patrol.started_at < patrol.ended_at
        assert patrol.created_at == patrol.ended_at  # filed as the walk ended


def test_the_replaced_chief_and_the_successor_split_the_year(demo):
    predecessor = Chief.objects.in_region(demo.county).get(relieved_on__isnull=False)
    successor = Chief.objects.get(
        region=predecessor.region, role=predecessor.role, appointed_on__gt=predecessor.appointed_on
    )
    before = Patrol.objects.filter(chief=predecessor)
    after = Patrol.objects.filter(chief=successor)
    assert before.exists() and after.exists()
    assert max(before.values_list("started_on", flat=True)) <= predecessor.relieved_on
    assert min(after.values_list("started_on", flat=True)) >= successor.appointed_on


def test_patrols_walk_reaches_in_the_chiefs_charge(demo):
    street = Region.objects.get(parent=demo.county)
    charge = {
        chief.pk: {reach.pk for reach in chief.reaches.all()}
        for chief in Chief.objects.in_region(demo.county).prefetch_related("reaches")
    }
    for patrol in _patrols(demo):
        if patrol.chief.role == ChiefRole.GENERAL_CHIEF:
            # The general chiefs answer for the whole street.
            assert patrol.reach.region.parent_id == street.pk
        else:
            assert patrol.reach_id in charge[patrol.chief_id], patrol.pk


def test_most_patrols_count_and_the_short_ones_say_why(demo):
    patrols = _patrols(demo)
    invalid = [p for p in patrols if not p.valid]
    share = len(invalid) / len(patrols)
    assert 0.02 <= share <= 0.08
    assert all(p.invalid_reason == "" for p in patrols if p.valid)
    reasons = {p.invalid_reason for p in invalid}
    assert any("分钟" in reason for reason in reasons)
    assert any("公里" in reason for reason in reasons)
    # The reason is the filing service's own verdict on the recorded walk.
    rule_book = RuleBook.load()
    for patrol in invalid:
        assessment = patrol_assess(
            chief=patrol.chief,
            started_at=patrol.started_at,
            ended_at=patrol.ended_at,
            distance_km=float(patrol.distance_km),
            rule_book=rule_book,
        )
        assert not assessment.valid
        assert assessment.invalid_reason == patrol.invalid_reason


def test_tracks_are_timed_walks_near_the_reach(demo):
    assets: dict[int, list[tuple[float, float]]] = {}
    for model in (Sign, Outfall, Facility):
        for reach_id, lat, lon in model.objects.values_list("reach_id", "lat", "lon"):
            assets.setdefault(reach_id, []).append((float(lat), float(lon)))
    patrols = _patrols(demo)
    sample = _rng(1).sample(patrols, 300)
    for patrol in sample:
        raw = tracks.from_geojson(patrol.track_raw)
        assert len(raw) >= 3
        assert raw[0].time == patrol.started_at
        assert raw[-1].time == patrol.ended_at
        kept, dropped = tracks.drop_jumps(
            raw,
            max_speed_kmh=settings.PATROL_MAX_SPEED_KMH,
            max_gap_m=settings.PATROL_MAX_GAP_M,
        )
        assert dropped == patrol.points_dropped
        assert patrol.distance_km == Decimal(str(round(tracks.length_km(kept), 3)))
        assert patrol.track["type"] == "LineString"
        assert 2 <= len(patrol.track["coordinates"]) <= len(kept)
        anchors = [tracks.TrackPoint(lon=lon, lat=lat) for lat, lon in assets[patrol.reach_id]]
        for point in kept:
            assert min(tracks.haversine_m(point, a) for a in anchors) < 2500, patrol.pk
    valid = [p for p in patrols if p.valid]
    minutes = sorted((p.ended_at - p.started_at).total_seconds() / 60 for p in valid)
    assert minutes[0] >= 10
    assert minutes[-1] <= 90
    assert sum(1 for p in patrols if p.points_dropped) > len(patrols) / 50  # GPS jumps


def test_some_patrols_record_findings_with_a_position(demo):
    findings = list(Finding.objects.in_region(demo.county).select_related("patrol"))
    assert 30 <= len(findings) <= 400
    descriptions = {description for description, _place in FINDINGS}
    assert {f.description for f in findings} <= descriptions
    assert len({f.description for f in findings}) >= 5
    for finding in findings:
        assert finding.patrol.valid
        assert Decimal("34.6") <= finding.lat <= Decimal("35.0")
        assert Decimal("113.4") <= finding.lon <= Decimal("113.9")
        finding.full_clean()
    for patrol in _rng(2).sample(_patrols(demo), 50):
        patrol.full_clean()


def test_most_chiefs_keep_their_rule_and_the_named_few_do_not(demo):
    rows = compliance_of(
        chiefs=Chief.objects.in_region(demo.county), date_from=year_window(TODAY), date_to=TODAY
    )
    assert len(rows) == Chief.objects.filter(role__in=RuleBook.load().roles).count()
    behind = [row for row in rows if row.rate < Decimal("0.8")]
    assert len(behind) >= 2
    posts = {post for _role, post, _miss in LAGGARDS}
    assert posts <= {title for title, _rivers in STREET_CHIEFS} | set(COMMUNITY_NAMES)
    laggards = set()
    for chief in Chief.objects.in_region(demo.county).select_related("region"):
        if any(
            chief.role == role and post in (chief.title, chief.region.name)
            for role, post, _m in LAGGARDS
        ):
            laggards.add(chief.pk)
    assert {row.chief_id for row in behind} == laggards
    for row in behind:
        assert row.rate < Decimal("0.7")
    others = [row for row in rows if row.chief_id not in laggards]
    keeping = [row for row in others if row.rate >= Decimal("0.9")]
    assert len(keeping) >= 0.85 * len(others)


def test_the_patrols_come_from_the_streets_own_generator(demo):
    """The same street, the same day, the same patrols: one generator per street."""
    plan = demo.new_streets[0]
    again, _findings = street_patrols(
        plan,
        today=TODAY,
        rng=_rng(f"{DEMO_SEED}-patrols-{plan.number}"),
        rule_book=RuleBook.load(),
    )
    stored = Patrol.objects.in_region(demo.county).order_by("uuid")
    assert sorted(p.uuid for p in again) == list(stored.values_list("uuid", flat=True))
    assert {(p.chief_id, p.started_at, p.distance_km, p.valid) for p in again} == set(
        stored.values_list("chief_id", "started_at", "distance_km", "valid")
    )


def test_running_again_adds_no_patrols_and_a_new_street_gets_its_own(demo):
    before = demo_counts(demo.county)
    first_street = set(Patrol.objects.values_list("pk", flat=True))
    assert build_demo(today=TODAY).counts == before
    result = build_demo(scale=2, today=TODAY)
    (plan,) = result.new_streets
    added = Patrol.objects.exclude(pk__in=first_street)
    assert added.count() > 2500
    assert set(added.values_list("reach__region__parent", flat=True)) == {plan.street.pk}
    assert Patrol.objects.filter(pk__in=first_street).count() == before["patrols"]
    assert result.counts["findings"] > before["findings"]
