"""Editing a patrol rule, relieving a chief, and changing a cleanup in the admin each move the
dashboard and the report to the same figure in the same minute.

A small hand-built street (not the demo), its clock fixed on Wednesday 16 December 2026 so that
whole rule periods have ended in the current month whatever day the suite runs. Each change is
made as the office or an admin makes it: the Django admin's change forms (a POST to /admin/...),
or the API where the admin has no form for it (an effective-dated rule change). The rollups are
refreshed by the on-commit hooks the change triggers (Celery runs eagerly in tests); nothing
calls ``rollups.refresh`` by hand after the change. Then the dashboard API and
``region_statistics`` (what a report built now prints) must give the figure written here.

The world, with the default rules of the migrations (community chiefs weekly, at least once):
- chiefs 甲 (社区1) and 乙 (社区2), community chiefs appointed Monday 2 November 2026;
- 甲 patrols once in each week from 2 November, and twice (8 and 10 December) in the week of
  7-13 December; 乙 patrols in the weeks of 2, 9 and 16 November only;
- a cleaner with daily rounds, which are never patrols and owe nothing in the patrol rate;
- one cleanup on 20 November: 20 person-times, 1.5 tonnes.
Whole weeks ended by 16 December: 2-8, 9-15, 16-22, 23-29 November, 30 November-6 December,
7-13 December. So before any change: 甲 owes 6 and counts 6, 乙 owes 6 and counts 3: 9 / 12.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import Role
from activities.models import Cleanup
from patrols.models import PatrolRule
from reports import rollups
from reports.statistics import region_statistics
from rivers.models import Chief, ChiefRole

from . import factories
from .conftest import make_account
from .test_patrols import make_patrol

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = D(2026, 12, 16)
NOW = datetime.datetime(2026, 12, 16, 10, 30, tzinfo=SHANGHAI)
YEAR_FROM, YEAR_TO = D(2026, 1, 1), D(2026, 12, 31)


@pytest.fixture
def frozen(monkeypatch):
    """Every ``timezone.now()`` / ``timezone.localdate()`` of the portal reads this clock."""
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(datetime.UTC))
    assert timezone.localdate() == TODAY


@pytest.fixture
def world(frozen, county):
    street = factories.StreetFactory(parent=county, name="清水街道", code="410100700")
    c1 = factories.CommunityFactory(parent=street, name="清水社区1", code="410100700001")
    c2 = factories.CommunityFactory(parent=street, name="清水社区2", code="410100700002")
    river = factories.RiverFactory(region=street, name="清水河")
    r1 = factories.ReachFactory(river=river, region=c1, name="清水社区1段")
    r2 = factories.ReachFactory(river=river, region=c2, name="清水社区2段")
    appointed = D(2026, 11, 2)
    jia = factories.ChiefFactory(
        name="甲", region=c1, reaches=[r1], role=ChiefRole.COMMUNITY_CHIEF, appointed_on=appointed
    )
    yi = factories.ChiefFactory(
        name="乙", region=c2, reaches=[r2], role=ChiefRole.COMMUNITY_CHIEF, appointed_on=appointed
    )
    cleaner = factories.ChiefFactory(
        name="丙", region=c1, reaches=[r1], role=ChiefRole.CLEANER, appointed_on=appointed
    )
    for day in (3, 10, 17, 24):
        make_patrol(jia, r1, D(2026, 11, day))
    for day in (1, 8, 10):
        make_patrol(jia, r1, D(2026, 12, day))
    for day in (3, 10, 17):
        make_patrol(yi, r2, D(2026, 11, day))
    for day in range(2, 30):
        make_patrol(cleaner, r1, D(2026, 11, day))
    cleanup = factories.CleanupFactory(
        date=D(2026, 11, 20),
        title="清水河垃圾清理",
        region=c1,
        participants=20,
        garbage_t=Decimal("1.50"),
        garbage_m3=Decimal("4.00"),
    )
    # The state before the test's change, as the nightly rebuild leaves it.
    rollups.rebuild(first=D(2026, 1, 1), last=TODAY)
    admin = make_account(Role.ADMIN, county)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return {
        "street": street,
        "jia": jia,
        "yi": yi,
        "cleanup": cleanup,
        "admin": admin,
        "reaches": (r1, r2),
    }


def _dashboard(api, world) -> dict:
    response = api.as_user(world["admin"]).get(
        "/api/v1/dashboard/",
        {"region": world["street"].pk, "date_from": YEAR_FROM, "date_to": YEAR_TO},
    )
    assert response.status_code == 200, response.content
    return response.json()["figures"]


def _report(world):
    return region_statistics(region=world["street"], date_from=YEAR_FROM, date_to=YEAR_TO)


def assert_both(api, world, *, required, counted, rate, cleanups=1, garbage_t="1.5"):
    """The dashboard and a report built now give the same figures, those written here."""
    shown = _dashboard(api, world)
    stats = _report(world)
    assert Decimal(str(shown["patrols_required"])) == Decimal(required) == stats.patrols_required
    assert shown["patrols_counted"] == counted == stats.patrols_counted
    assert shown["patrol_rate"] is not None and stats.patrol_rate is not None
    assert Decimal(str(shown["patrol_rate"])) == Decimal(rate) == stats.patrol_rate
    assert shown["cleanups"] == cleanups == stats.cleanups
    assert Decimal(str(shown["garbage_t"])) == Decimal(garbage_t) == stats.garbage_t
    # Cleaners' rounds are never patrols, on both.
    assert shown["patrols"] == stats.patrols
    assert shown["cleaning_rounds"] == stats.cleaning_rounds == 28
    return shown, stats


def _admin_post(client, url: str, changes: dict) -> None:
    """Submit the admin's change (or add) form as a person would: every field as the page
    shows it, with ``changes`` typed over it."""
    page = client.get(url)
    assert page.status_code == 200, url
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            value = ""
        elif isinstance(value, list | tuple):
            value = [str(item) for item in value]
        data[name] = value
    data.update(changes)
    data["_save"] = "保存"
    response = client.post(url, data)
    if response.status_code != 302:
        errors = response.context["adminform"].form.errors if response.context else response
        pytest.fail(f"the admin refused {url}: {errors}")


def test_the_world_before_any_change(api, world):
    assert_both(api, world, required="12", counted=9, rate="0.7500")


@pytest.mark.parametrize("how", ["api", "admin"])
def test_a_rule_change_from_this_month_moves_both_at_once(
    api, client, world, how, django_capture_on_commit_callbacks
):
    """The office raises community chiefs' weekly minimum from 1 to 3, from 1 December.

    The week of 30 November-6 December is then cut by the change (no whole period: it owes
    nothing, and 甲's patrol of 1 December counts nowhere); the week of 7-13 December owes 3.
    甲: 4 November weeks + 3 = 7 owed, 4 + 2 counted; 乙: 7 owed, 3 counted. 9 / 14. November's
    figures (4 weeks each) do not change."""
    rule = PatrolRule.objects.get(role=ChiefRole.COMMUNITY_CHIEF, valid_to__isnull=True)
    with django_capture_on_commit_callbacks(execute=True):
        if how == "api":
            response = api.as_user(world["admin"]).patch(
                f"/api/v1/patrol-rules/{rule.pk}/",
                {"min_count": 3, "effective_from": "2026-12-01"},
                format="json",
            )
            assert response.status_code == 200, response.content
        else:
            # The admin's form takes the date the change takes effect from, as the API does.
            client.force_login(world["admin"])
            _admin_post(
                client,
                f"/admin/patrols/patrolrule/{rule.pk}/change/",
                {"min_count": "3", "effective_from": "2026-12-01"},
            )
    assert_both(api, world, required="14", counted=9, rate="0.6429")
    # November, as printed before the change, stands.
    november = region_statistics(
        region=world["street"], date_from=D(2026, 11, 1), date_to=D(2026, 11, 30)
    )
    assert (november.patrols_required, november.patrols_counted) == (Decimal(8), 7)


def test_relieving_a_chief_in_the_admin_moves_both_at_once(
    api, client, world, django_capture_on_commit_callbacks
):
    """乙 is relieved on 9 December: the week of 7-13 December is no longer served in full and
    owes nothing. 乙: 5 owed, 3 counted; 甲 unchanged, 6 / 6. 9 / 11."""
    client.force_login(world["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        _admin_post(
            client,
            f"/admin/rivers/chief/{world['yi'].pk}/change/",
            {"relieved_on": "2026-12-09"},
        )
    assert Chief.objects.get(pk=world["yi"].pk).relieved_on == D(2026, 12, 9)
    _shown, stats = assert_both(api, world, required="11", counted=9, rate="0.8182")
    # The report's roster: one community chief serving on as_of, two who served in the year.
    assert stats.chiefs[ChiefRole.COMMUNITY_CHIEF] == 1
    assert stats.chiefs_served[ChiefRole.COMMUNITY_CHIEF] == 2


def test_changing_a_cleanup_in_the_admin_moves_both_at_once(
    api, client, world, django_capture_on_commit_callbacks
):
    """The cleanup is corrected in the admin: 35 person-times (not 20), 2.25 tonnes (not 1.5),
    and its date moved from 20 November to 2 December: the November cell must empty and the
    December one fill, on the dashboard as in the report."""
    client.force_login(world["admin"])
    cleanup = world["cleanup"]
    with django_capture_on_commit_callbacks(execute=True):
        _admin_post(
            client,
            f"/admin/activities/cleanup/{cleanup.pk}/change/",
            {"participants": "35", "garbage_t": "2.25", "date": "2026-12-02"},
        )
    cleanup = Cleanup.objects.get(pk=cleanup.pk)
    assert (cleanup.participants, cleanup.garbage_t) == (35, Decimal("2.25"))
    _shown, stats = assert_both(
        api, world, required="12", counted=9, rate="0.7500", cleanups=1, garbage_t="2.25"
    )
    assert stats.cleanup_participants == 35
    # Month by month: nothing left in November, all of it in December.
    for first, last, n, tonnes in (
        (D(2026, 11, 1), D(2026, 11, 30), 0, "0"),
        (D(2026, 12, 1), D(2026, 12, 31), 1, "2.25"),
    ):
        response = api.as_user(world["admin"]).get(
            "/api/v1/dashboard/",
            {"region": world["street"].pk, "date_from": first, "date_to": last},
        )
        figures = response.json()["figures"]
        month = region_statistics(region=world["street"], date_from=first, date_to=last)
        assert figures["cleanups"] == month.cleanups == n
        assert Decimal(str(figures["garbage_t"])) == month.garbage_t == Decimal(tonnes)


def test_an_admin_edit_of_a_rule_never_rewrites_a_past_month(
    api, client, world, django_capture_on_commit_callbacks
):
    rule = PatrolRule.objects.get(role=ChiefRole.COMMUNITY_CHIEF, valid_to__isnull=True)
    client.force_login(world["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        _admin_post(client, f"/admin/patrols/patrolrule/{rule.pk}/change/", {"min_count": "3"})
    november = region_statistics(
        region=world["street"], date_from=D(2026, 11, 1), date_to=D(2026, 11, 30)
    )
    assert (november.patrols_required, november.patrols_counted) == (Decimal(8), 7)


def test_the_admin_refuses_a_rule_change_in_a_month_already_past(client, world):
    rule = PatrolRule.objects.get(role=ChiefRole.COMMUNITY_CHIEF, valid_to__isnull=True)
    client.force_login(world["admin"])
    url = f"/admin/patrols/patrolrule/{rule.pk}/change/"
    page = client.get(url)
    data = {
        name: ""
        if page.context["adminform"].form[name].value() is None
        else page.context["adminform"].form[name].value()
        for name in page.context["adminform"].form.fields
    }
    data.update(min_count="3", effective_from="2026-10-01", _save="保存")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "已过去月份的巡河要求不能更改" in response.content.decode()
    rule.refresh_from_db()
    assert rule.min_count == 1 and rule.valid_to is None
    assert PatrolRule.objects.filter(role=ChiefRole.COMMUNITY_CHIEF).count() == 1
