"""`manage.py seed_demo`: the demo organisation, its logins, re-runs and --scale."""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command

from accounts.models import Region, RegionLevel, Role, User
from demo.street import DEMO_ACCOUNTS, DEMO_COUNTY_CODE, build_demo, demo_counts
from rivers.models import (
    Chief,
    ChiefRole,
    Facility,
    FacilityKind,
    Outfall,
    OutfallKind,
    Reach,
    River,
    RiverKind,
    Sign,
)

TODAY = datetime.date(2026, 11, 22)


@pytest.fixture
def no_patrols(monkeypatch):
    """The roster without its year of patrols (tests/test_demo_patrols.py covers those): the
    patrols take seconds per street, the roster a fraction of one."""
    monkeypatch.setattr("demo.street.build_patrols", lambda **kwargs: 0)


@pytest.fixture
def demo(db, no_patrols):
    return build_demo(today=TODAY)


def _street(county: Region) -> Region:
    return Region.objects.get(parent=county, level=RegionLevel.STREET)


def test_demo_has_one_street_with_eight_communities_and_twelve_rivers(demo):
    street = _street(demo.county)
    assert demo.county.code == DEMO_COUNTY_CODE
    assert street.name == "东风街道"
    assert Region.objects.filter(parent=street, level=RegionLevel.COMMUNITY).count() == 8
    rivers = River.objects.filter(region=street)
    assert rivers.count() == 12
    assert {"贾鲁河", "东风渠", "金水河", "熊儿河", "七里河", "魏河", "索须河"} <= set(
        rivers.values_list("name", flat=True)
    )
    assert set(rivers.values_list("kind", flat=True)) == {
        RiverKind.RIVER,
        RiverKind.FLOOD_CHANNEL,
        RiverKind.DITCH,
    }


def test_every_community_has_reaches_and_rivers_are_as_long_as_their_stretches(demo):
    street = _street(demo.county)
    for community in street.children.all():
        assert community.reaches.exists(), community.name
    for river in River.objects.filter(region=street):
        reaches = list(river.reaches.all())
        assert reaches
        assert all(reach.region.parent_id == street.pk for reach in reaches)
        # A boundary stretch has a left and a right reach of the same length, counted once.
        both = sum(r.length_km for r in reaches if r.bank == "both")
        left = sum(r.length_km for r in reaches if r.bank == "left")
        assert river.length_km == both + left
        assert left == sum(r.length_km for r in reaches if r.bank == "right")
    banks = set(Reach.objects.in_region(street).values_list("bank", flat=True))
    assert banks == {"left", "right", "both"}


def test_roster_has_every_role_at_every_level(demo):
    street = _street(demo.county)
    serving = Chief.objects.in_region(demo.county).serving_on(TODAY)
    assert set(serving.values_list("role", flat=True)) == set(ChiefRole.values)

    general = serving.filter(role=ChiefRole.GENERAL_CHIEF)
    assert 1 <= general.count() <= 2
    assert all(chief.region == street for chief in general)

    for chief in serving.filter(role=ChiefRole.STREET_CHIEF):
        assert chief.region == street
        rivers = {reach.river_id for reach in chief.reaches.all()}
        assert 1 <= len(rivers) <= 3, chief.title

    for community in street.children.all():
        chiefs = serving.filter(role=ChiefRole.COMMUNITY_CHIEF, region=community)
        assert chiefs.count() == 1, community.name
        assert set(chiefs.get().reaches.all()) == set(community.reaches.all())

    assert serving.filter(role=ChiefRole.PUBLIC_SUPERVISOR).count() == 1
    assert serving.filter(role=ChiefRole.CLEANER).count() >= 3
    police = serving.get(role=ChiefRole.POLICE_CHIEF)
    assert police.unit == "东风路派出所"


def test_chiefs_answer_only_for_reaches_in_their_region(demo):
    for chief in Chief.objects.in_region(demo.county).prefetch_related("reaches__region"):
        subtree = set(Region.objects.subtree(chief.region).values_list("pk", flat=True))
        assert all(reach.region_id in subtree for reach in chief.reaches.all()), chief


def test_one_chief_was_replaced_mid_year_and_the_successor_took_the_reaches(demo):
    relieved = Chief.objects.in_region(demo.county).filter(relieved_on__isnull=False)
    assert relieved.count() == 1
    predecessor = relieved.get()
    successor = Chief.objects.get(
        region=predecessor.region, role=predecessor.role, appointed_on__gt=predecessor.appointed_on
    )
    assert successor.relieved_on is None
    assert successor.appointed_on == datetime.date(2026, 7, 1)
    assert predecessor.relieved_on == datetime.date(2026, 6, 30)
    assert predecessor.appointed_on.year in (2021, 2022, 2023)
    assert set(successor.reaches.all()) == set(predecessor.reaches.all())
    assert successor.reaches.exists()


def test_every_row_passes_model_validation(demo):
    for model in (Region, River, Reach, Chief, Sign, Outfall, Facility):
        rows = list(model.objects.all())
        assert rows, model
        for row in rows:
            row.full_clean()


def test_assets_are_placed_around_zhengzhou(demo):
    signs = Sign.objects.in_region(demo.county)
    outfalls = Outfall.objects.in_region(demo.county)
    facilities = Facility.objects.in_region(demo.county)
    assert signs.count() >= Reach.objects.in_region(demo.county).count()
    assert signs.filter(code="DF-GSP-001").exists()
    assert 15 <= outfalls.count() <= 20
    assert set(outfalls.values_list("kind", flat=True)) == set(OutfallKind.values)
    kinds = {kind: facilities.filter(kind=kind).count() for kind in FacilityKind.values}
    assert kinds == {"footbridge": 6, "ford": 4, "culvert": 5, "sewage_plant": 2}
    for row in [*signs, *outfalls, *facilities]:
        assert Decimal("34.7") <= row.lat <= Decimal("34.9"), row
        assert Decimal("113.5") <= row.lon <= Decimal("113.8"), row
        assert row.lat.as_tuple().exponent == -6
    for sign in signs:
        assert TODAY - datetime.timedelta(days=366) <= sign.updated_on <= TODAY


def test_one_account_per_role_and_the_demo_passwords_work(demo):
    users = {user.username: user for user in User.objects.all()}
    assert {account.username for account in DEMO_ACCOUNTS} == set(users)
    assert {user.role for user in users.values()} == set(Role.values)
    for username, password, description in DEMO_ACCOUNTS:
        user = users[username]
        assert description
        assert user.is_active
        assert user.check_password(password), username
        validate_password(password, user=user)
    admin = users["admin"]
    assert admin.role == Role.ADMIN
    assert admin.is_staff and admin.is_superuser
    assert admin.region == demo.county
    for username in ("office", "leader"):
        assert users[username].region == _street(demo.county)


def test_chief_account_is_linked_to_a_serving_community_chief(demo):
    account = User.objects.get(username="chief")
    assert account.role == Role.CHIEF
    assert account.chief is not None
    assert account.chief.role == ChiefRole.COMMUNITY_CHIEF
    assert account.chief.relieved_on is None
    assert account.region == account.chief.region
    assert account.chief.reaches.exists()


def test_running_twice_adds_nothing_and_reprints_the_logins(db):
    first = io.StringIO()
    call_command("seed_demo", stdout=first)
    county = Region.objects.get(code=DEMO_COUNTY_CODE)
    before = demo_counts(county)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert demo_counts(county) == before
    assert before["streets"] == 1
    assert before["rivers"] == 12
    assert before["accounts"] == 4
    # The year of patrols comes with the street, once.
    assert before["patrols"] > 2500
    assert before["findings"] > 0
    assert f"巡河记录：{before['patrols']}" in first.getvalue()
    assert f"巡河记录：{before['patrols']}" in out.getvalue()
    for username, password, _description in DEMO_ACCOUNTS:
        assert username in out.getvalue()
        assert password in out.getvalue()


def test_an_existing_account_is_left_alone_and_reported(db, no_patrols):
    User.objects.create_user("admin", password="someone-elses-password")
    result = build_demo(today=TODAY)
    admin = next(item for item in result.accounts if item.account.username == "admin")
    assert not admin.created
    assert not admin.password_works
    assert User.objects.get(username="admin").check_password("someone-elses-password")


def test_scale_three_gives_three_streets_with_the_same_shape(db, no_patrols):
    out = io.StringIO()
    call_command("seed_demo", scale=3, stdout=out)
    county = Region.objects.get(code=DEMO_COUNTY_CODE)
    counts = demo_counts(county)
    assert counts["streets"] == 3
    assert counts["communities"] == 24
    assert counts["rivers"] == 36
    streets = list(Region.objects.filter(parent=county).order_by("code"))
    per_street = [demo_counts_in(street) for street in streets]
    for street_counts in per_street:
        # Each street draws its own one or two signs per reach.
        assert street_counts.pop("signs") >= street_counts["reaches"]
    assert per_street[1] == per_street[2]
    first = per_street[0]
    # The first street alone has the replaced chief's successor.
    assert first["chiefs"] == per_street[1]["chiefs"] + 1
    for key in ("rivers", "reaches", "outfalls", "facilities"):
        assert first[key] == per_street[1][key] == counts[key] // 3, key
    assert len({street.name for street in streets}) == 3
    assert counts["accounts"] == 4
    assert "街道：3" in out.getvalue()


def test_a_larger_scale_adds_only_the_missing_streets(db, no_patrols):
    build_demo(today=TODAY)
    county = Region.objects.get(code=DEMO_COUNTY_CODE)
    first = demo_counts_in(_street(county))
    result = build_demo(scale=2, today=TODAY)
    assert [plan.number for plan in result.new_streets] == [2]
    assert result.counts["streets"] == 2
    assert demo_counts_in(Region.objects.get(code=f"{DEMO_COUNTY_CODE}001")) == first


def test_scale_out_of_range_is_refused(db):
    with pytest.raises(CommandError):
        call_command("seed_demo", scale=0)
    assert not Region.objects.filter(code=DEMO_COUNTY_CODE).exists()


def demo_counts_in(street: Region) -> dict[str, int]:
    return {
        "rivers": River.objects.filter(region=street).count(),
        "reaches": Reach.objects.in_region(street).count(),
        "chiefs": Chief.objects.in_region(street).count(),
        "signs": Sign.objects.in_region(street).count(),
        "outfalls": Outfall.objects.in_region(street).count(),
        "facilities": Facility.objects.in_region(street).count(),
    }
