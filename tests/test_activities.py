"""Activities (publicity, cleanups, meetings, inspections) and asset checks (sign updates, outfall
and facility checks) through the API: writes, scope, roles, validation, filters, issue tickets."""

import datetime
import io
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from openpyxl import load_workbook

from accounts.models import Region, Role
from activities.models import (
    Cleanup,
    FacilityCheck,
    Inspection,
    Meeting,
    OutfallCheck,
    PublicityEvent,
    SignUpdate,
)
from demo.street import build_demo, demo_counts
from issues.models import Issue, IssueSource, IssueStatus
from issues.services import issue_replay, issue_report
from rivers.models import FacilityKind, OutfallKind, Sign

from . import factories
from .conftest import make_account

D = datetime.date
URL = "/api/v1/{}/"


def _payloads(street) -> dict[str, tuple[type, dict, dict]]:
    """Per endpoint: the model, a valid new row and a change to it."""
    reach = street.reaches[0]
    return {
        "publicity-events": (
            PublicityEvent,
            {
                "date": "2024-05-12",
                "title": "河长制进社区宣传",
                "place": "滨河公园",
                "channel": "offline",
                "units": 6,
                "participants": 120,
                "banners": 3,
                "slogans": 20,
                "leaflets": 300,
            },
            {"leaflets": 350},
        ),
        "cleanups": (
            Cleanup,
            {
                "date": "2024-04-20",
                "title": "清四乱专项清理",
                "campaign": "four_disorders",
                "reaches": [reach.pk],
                "points": 5,
                "garbage_t": "12.50",
                "garbage_m3": "30.00",
                "participants": 60,
                "vehicles": 4,
                "net_m": "120.0",
                "warning_signs": 3,
                "banners": 2,
            },
            {"garbage_t": 13.5},
        ),
        "meetings": (
            Meeting,
            {"date": "2024-03-01", "kind": "training", "title": "河长制业务培训", "attendees": 40},
            {"attendees": 42},
        ),
        "inspections": (
            Inspection,
            {
                "date": "2024-06-18",
                "title": "人大代表巡河督查",
                "inspector": "congress",
                "problems_found": 3,
            },
            {"problems_found": 4},
        ),
        "sign-updates": (
            SignUpdate,
            {"sign": reach.signs.first().pk, "date": "2024-07-08", "notes": "更新河长电话"},
            {"notes": "更新河长姓名和电话"},
        ),
        "outfall-checks": (
            OutfallCheck,
            {"outfall": reach.outfalls.first().pk, "date": "2024-05-20", "result": "normal"},
            {"notes": "排口无异味"},
        ),
        "facility-checks": (
            FacilityCheck,
            {"facility": reach.facilities.first().pk, "date": "2024-07-15", "result": "normal"},
            {"notes": "桥面完好"},
        ),
    }


ENDPOINTS = [
    "publicity-events",
    "cleanups",
    "meetings",
    "inspections",
    "sign-updates",
    "outfall-checks",
    "facility-checks",
]
DATED_ACTIVITIES = ["publicity-events", "cleanups", "meetings", "inspections"]


MAY_DAY = D(2024, 5, 1)


def _make(name: str, street, day: D = MAY_DAY):
    """One row of ``name`` belonging to ``street`` (its first community's reach for assets)."""
    reach = street.reaches[0]
    return {
        "publicity-events": lambda: factories.PublicityEventFactory(region=street.street, date=day),
        "cleanups": lambda: factories.CleanupFactory(
            region=street.street, date=day, reaches=[reach]
        ),
        "meetings": lambda: factories.MeetingFactory(region=street.street, date=day),
        "inspections": lambda: factories.InspectionFactory(region=street.street, date=day),
        "sign-updates": lambda: factories.SignUpdateFactory(sign=reach.signs.first(), date=day),
        "outfall-checks": lambda: factories.OutfallCheckFactory(
            outfall=reach.outfalls.first(), date=day
        ),
        "facility-checks": lambda: factories.FacilityCheckFactory(
            facility=reach.facilities.first(), date=day
        ),
    }[name]()


# --- Writes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENDPOINTS)
def test_office_creates_reads_changes_and_deletes_each_kind(api, street_a, office_a, name):
    model, payload, change = _payloads(street_a)[name]
    client = api.as_user(office_a)

    created = client.post(URL.format(name), payload, format="json")
    assert created.status_code == 201, created.content
    row = model.objects.get(pk=created.json()["id"])
    assert row.created_by == office_a
    assert created.json()["created_by"] == office_a.username
    if hasattr(row, "region"):
        # No region given: the office's own.
        assert row.region == street_a.street

    detail = f"{URL.format(name)}{row.pk}/"
    assert client.get(detail).json()["date"] == payload["date"]
    changed = client.patch(detail, change, format="json")
    assert changed.status_code == 200, changed.content
    for key, value in change.items():
        assert changed.json()[key] == value

    assert client.delete(detail).status_code == 204
    assert not model.objects.filter(pk=row.pk).exists()


def test_cleanup_lists_its_reaches_by_name(api, street_a, office_a):
    reaches = street_a.reaches
    cleanup = factories.CleanupFactory(region=street_a.street, reaches=reaches)
    data = api.as_user(office_a).get(f"/api/v1/cleanups/{cleanup.pk}/").json()
    assert sorted(data["reaches"]) == sorted(r.pk for r in reaches)
    assert sorted(data["reach_names"]) == sorted(str(r) for r in reaches)


def test_an_activity_may_belong_to_a_community_of_the_office(api, street_a, office_a):
    community = street_a.communities[1]
    response = api.as_user(office_a).post(
        "/api/v1/meetings/",
        {"date": "2024-03-02", "title": "社区河长例会", "region": community.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["region_name"] == community.name


# --- Scope and roles -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENDPOINTS)
def test_other_streets_rows_are_not_found_and_not_listed(api, street_a, street_b, office_a, name):
    own = _make(name, street_a)
    other = _make(name, street_b)
    client = api.as_user(office_a)
    listed = [row["id"] for row in client.get(URL.format(name)).json()["results"]]
    assert listed == [own.pk]
    detail = f"{URL.format(name)}{other.pk}/"
    assert client.get(detail).status_code == 404
    assert client.patch(detail, {"notes": "x"}, format="json").status_code == 404
    assert client.delete(detail).status_code == 404
    assert type(other).objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_leader_reads_but_may_not_write(api, street_a, name):
    leader = make_account(Role.LEADER, street_a.street)
    row = _make(name, street_a)
    _model, payload, change = _payloads(street_a)[name]
    client = api.as_user(leader)
    assert client.get(URL.format(name)).json()["count"] == 1
    assert client.post(URL.format(name), payload, format="json").status_code == 403
    detail = f"{URL.format(name)}{row.pk}/"
    assert client.patch(detail, change, format="json").status_code == 403
    assert client.delete(detail).status_code == 403


def test_a_chief_reads_its_communitys_rows_only_and_writes_none(api, street_a, chief_a1):
    own_community = street_a.communities[0]
    factories.PublicityEventFactory(region=street_a.street, title="街道活动")
    mine = factories.PublicityEventFactory(region=own_community, title="社区活动")
    client = api.as_user(chief_a1)
    listed = client.get("/api/v1/publicity-events/").json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    check = factories.OutfallCheckFactory(outfall=street_a.reaches[1].outfalls.first())
    assert client.get(f"/api/v1/outfall-checks/{check.pk}/").status_code == 404
    _model, payload, _change = _payloads(street_a)["cleanups"]
    assert client.post("/api/v1/cleanups/", payload, format="json").status_code == 403


def test_lists_need_a_login(api, street_a):
    assert api.get("/api/v1/cleanups/").status_code == 401


# --- Validation ----------------------------------------------------------------------------------


def test_negative_tonnes_are_refused_with_a_field_message(api, street_a, office_a):
    _model, payload, _change = _payloads(street_a)["cleanups"]
    response = api.as_user(office_a).post(
        "/api/v1/cleanups/", {**payload, "garbage_t": "-1"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["garbage_t"]
    assert not Cleanup.objects.exists()


def test_a_reach_outside_the_cleanups_region_is_refused(api, street_a, office_a):
    _model, payload, _change = _payloads(street_a)["cleanups"]
    community, other_reach = street_a.communities[0], street_a.reaches[1]
    response = api.as_user(office_a).post(
        "/api/v1/cleanups/",
        {**payload, "region": community.pk, "reaches": [other_reach.pk]},
        format="json",
    )
    assert response.status_code == 400
    assert str(other_reach) in response.json()["reaches"][0]
    cleanup = factories.CleanupFactory(region=community, reaches=[street_a.reaches[0]])
    response = api.as_user(office_a).patch(
        f"/api/v1/cleanups/{cleanup.pk}/", {"reaches": [other_reach.pk]}, format="json"
    )
    assert response.status_code == 400
    assert list(cleanup.reaches.all()) == [street_a.reaches[0]]


def test_a_reach_or_region_of_another_street_is_refused(api, street_a, street_b, office_a):
    _model, payload, _change = _payloads(street_a)["cleanups"]
    client = api.as_user(office_a)
    response = client.post(
        "/api/v1/cleanups/", {**payload, "reaches": [street_b.reaches[0].pk]}, format="json"
    )
    assert response.status_code == 400
    assert "reaches" in response.json()
    response = client.post(
        "/api/v1/cleanups/", {**payload, "region": street_b.street.pk}, format="json"
    )
    assert response.status_code == 400
    assert "region" in response.json()
    response = client.post(
        "/api/v1/sign-updates/",
        {"sign": street_b.reaches[0].signs.first().pk, "date": "2024-07-01"},
        format="json",
    )
    assert response.status_code == 400
    assert "sign" in response.json()
    assert not Cleanup.objects.exists() and not SignUpdate.objects.exists()


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_date_in_the_future_is_refused(api, street_a, office_a, name):
    model, payload, _change = _payloads(street_a)[name]
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    response = api.as_user(office_a).post(
        URL.format(name), {**payload, "date": tomorrow.isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["date"]
    assert not model.objects.exists()


def test_an_unknown_choice_is_refused(api, street_a, office_a):
    _model, payload, _change = _payloads(street_a)["inspections"]
    response = api.as_user(office_a).post(
        "/api/v1/inspections/", {**payload, "inspector": "mayor"}, format="json"
    )
    assert response.status_code == 400
    assert "inspector" in response.json()


# --- Filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENDPOINTS)
def test_date_filters_include_both_ends(api, street_a, office_a, name):
    days = [D(2024, 4, 30), D(2024, 5, 1), D(2024, 5, 31), D(2024, 6, 1)]
    rows = [_make(name, street_a, day) for day in days]
    response = api.as_user(office_a).get(
        URL.format(name), {"date_from": "2024-05-01", "date_to": "2024-05-31"}
    )
    assert sorted(row["id"] for row in response.json()["results"]) == sorted(
        row.pk for row in rows[1:3]
    )


@pytest.mark.parametrize("name", ENDPOINTS)
def test_region_filter_takes_the_region_and_below(api, street_a, office_a, county, name):
    admin = make_account(Role.ADMIN, county)
    _make(name, street_a)
    client = api.as_user(admin)
    assert client.get(URL.format(name), {"region": street_a.street.pk}).json()["count"] == 1
    assert client.get(URL.format(name), {"region": county.pk}).json()["count"] == 1
    other = factories.StreetFactory(parent=county)
    assert client.get(URL.format(name), {"region": other.pk}).json()["count"] == 0


def test_a_community_filter_keeps_only_its_rows(api, street_a, office_a):
    first, second = street_a.communities
    factories.CleanupFactory(region=first)
    factories.CleanupFactory(region=second)
    factories.OutfallCheckFactory(outfall=street_a.reaches[1].outfalls.first())
    client = api.as_user(office_a)
    assert client.get("/api/v1/cleanups/", {"region": first.pk}).json()["count"] == 1
    assert client.get("/api/v1/outfall-checks/", {"region": first.pk}).json()["count"] == 0
    assert client.get("/api/v1/outfall-checks/", {"region": second.pk}).json()["count"] == 1


def test_search_and_choice_filters(api, street_a, office_a):
    street = street_a.street
    factories.PublicityEventFactory(region=street, place="滨河公园", channel="offline")
    factories.PublicityEventFactory(region=street, place="实验小学", channel="online")
    factories.CleanupFactory(region=street, campaign="flood_season", notes="汛前清障")
    factories.CleanupFactory(region=street, campaign="routine")
    factories.MeetingFactory(region=street, kind="training")
    factories.InspectionFactory(region=street, inspector="discipline")
    factories.InspectionFactory(region=street, inspector="congress")
    client = api.as_user(office_a)

    def count(name, **params):
        return client.get(URL.format(name), params).json()["count"]

    assert count("publicity-events", search="小学") == 1
    assert count("publicity-events", channel="online") == 1
    assert count("cleanups", campaign="flood_season") == 1
    assert count("cleanups", search="清障") == 1
    assert count("cleanups", reach=street_a.reaches[0].pk) == 0
    assert count("meetings", kind="training") == 1
    assert count("meetings", kind="work_meeting") == 0
    assert count("inspections", inspector="discipline") == 1


def test_check_filters_by_kind_result_and_asset(api, street_a, office_a):
    reach = street_a.reaches[0]
    industrial = factories.OutfallFactory(reach=reach, kind=OutfallKind.INDUSTRIAL)
    ford = factories.FacilityFactory(reach=reach, kind=FacilityKind.FORD)
    factories.OutfallCheckFactory(outfall=reach.outfalls.first())
    factories.OutfallCheckFactory(outfall=industrial, result="problem")
    factories.FacilityCheckFactory(facility=reach.facilities.first())
    factories.FacilityCheckFactory(facility=ford)
    client = api.as_user(office_a)

    def ids(name, **params):
        return [row["id"] for row in client.get(URL.format(name), params).json()["results"]]

    assert len(ids("outfall-checks", outfall_kind="industrial")) == 1
    assert len(ids("outfall-checks", result="problem")) == 1
    assert len(ids("outfall-checks", outfall=industrial.pk)) == 1
    assert len(ids("outfall-checks", has_issue="true")) == 0
    assert len(ids("facility-checks", facility_kind="ford")) == 1
    assert len(ids("facility-checks", facility=ford.pk)) == 1
    assert len(ids("facility-checks", reach=reach.pk)) == 2
    row = client.get("/api/v1/facility-checks/", {"facility_kind": "ford"}).json()["results"][0]
    assert row["facility_kind"] == "ford"
    assert row["facility_name"] == ford.name


# --- Sign updates --------------------------------------------------------------------------------


def test_a_sign_update_moves_the_signs_date_forward_only(api, street_a, office_a):
    sign = street_a.reaches[0].signs.first()
    sign.updated_on = D(2024, 3, 1)
    sign.save()
    client = api.as_user(office_a)

    later = client.post(
        "/api/v1/sign-updates/", {"sign": sign.pk, "date": "2024-07-08"}, format="json"
    )
    assert later.status_code == 201, later.content
    sign.refresh_from_db()
    assert sign.updated_on == D(2024, 7, 8)

    earlier = client.post(
        "/api/v1/sign-updates/", {"sign": sign.pk, "date": "2024-05-01"}, format="json"
    )
    assert earlier.status_code == 201
    sign.refresh_from_db()
    assert sign.updated_on == D(2024, 7, 8)

    # Removing the latest record leaves the sign at the latest one remaining.
    assert client.delete(f"/api/v1/sign-updates/{later.json()['id']}/").status_code == 204
    sign.refresh_from_db()
    assert sign.updated_on == D(2024, 5, 1)

    moved = client.patch(
        f"/api/v1/sign-updates/{earlier.json()['id']}/", {"date": "2024-08-02"}, format="json"
    )
    assert moved.status_code == 200
    assert Sign.objects.get(pk=sign.pk).updated_on == D(2024, 8, 2)


# --- Checks that open issues ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "asset_field", "kind"),
    [("outfall-checks", "outfall", "outfalls"), ("facility-checks", "facility", "facilities")],
)
def test_a_problem_check_opens_an_issue_linked_to_it(
    api, street_a, office_a, name, asset_field, kind
):
    asset = getattr(street_a.reaches[0], kind).first()
    response = api.as_user(office_a).post(
        URL.format(name),
        {
            asset_field: asset.pk,
            "date": "2024-07-20",
            "result": "problem",
            "notes": "涵洞内垃圾堆积、淤泥堵塞",
            "open_issue": True,
            "issue_category": "flood_obstruction",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    issue = Issue.objects.get(pk=data["issue"])
    assert data["issue_code"] == issue.code
    assert "open_issue" not in data
    assert issue.source == IssueSource.OFFICE
    assert issue.category == "flood_obstruction"
    assert issue.reach == asset.reach and issue.region == asset.reach.region
    assert (issue.lat, issue.lon) == (asset.lat, asset.lon)
    assert asset.name in issue.title
    assert issue.description == "涵洞内垃圾堆积、淤泥堵塞"
    assert issue.reported_at.date() == D(2024, 7, 20)
    assert issue.created_by == office_a
    assert issue_replay(issue=issue) == issue.status == IssueStatus.REPORTED

    check = api.as_user(office_a).get(f"{URL.format(name)}{data['id']}/")
    assert check.json()["issue"] == issue.pk
    # The ticket is the record of the problem: the check stays as long as it does.
    detail = f"{URL.format(name)}{data['id']}/"
    assert api.as_user(office_a).delete(detail).status_code == 409
    response = api.as_user(office_a).patch(detail, {"result": "normal"}, format="json")
    assert response.status_code == 400
    assert response.json()["result"]


def test_a_problem_check_without_open_issue_opens_none(api, street_a, office_a):
    outfall = street_a.reaches[0].outfalls.first()
    response = api.as_user(office_a).post(
        "/api/v1/outfall-checks/",
        {"outfall": outfall.pk, "date": "2024-07-20", "result": "problem", "notes": "已当场整改"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["issue"] is None
    assert not Issue.objects.exists()

    # Opening it later, once, on an update; a second request opens no other.
    detail = f"/api/v1/outfall-checks/{response.json()['id']}/"
    first = api.as_user(office_a).patch(detail, {"open_issue": True}, format="json")
    assert first.status_code == 200, first.content
    again = api.as_user(office_a).patch(detail, {"open_issue": True}, format="json")
    assert again.json()["issue"] == first.json()["issue"] is not None
    issue = Issue.objects.get()
    assert issue.category == "other"


def test_a_normal_check_cannot_open_an_issue(api, street_a, office_a):
    facility = street_a.reaches[0].facilities.first()
    response = api.as_user(office_a).post(
        "/api/v1/facility-checks/",
        {"facility": facility.pk, "date": "2024-07-20", "result": "normal", "open_issue": True},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["open_issue"]
    assert not FacilityCheck.objects.exists() and not Issue.objects.exists()


def test_a_check_of_another_streets_asset_is_refused(api, street_a, street_b, office_a):
    outfall = street_b.reaches[0].outfalls.first()
    response = api.as_user(office_a).post(
        "/api/v1/outfall-checks/",
        {"outfall": outfall.pk, "date": "2024-07-20", "result": "problem", "open_issue": True},
        format="json",
    )
    assert response.status_code == 400
    assert "outfall" in response.json()
    assert not Issue.objects.exists()


# --- Export and cost -----------------------------------------------------------------------------


def test_a_list_exports_as_an_xlsx_ledger_with_chinese_headers(api, street_a, office_a):
    factories.CleanupFactory(
        region=street_a.street, campaign="four_disorders", reaches=street_a.reaches
    )
    response = api.as_user(office_a).get("/api/v1/cleanups/", {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.values)
    headers = rows[1]  # below the title row
    assert "清理垃圾（吨）" in headers and "行动类别" in headers
    assert len(rows) == 3
    row = dict(zip(headers, rows[2], strict=True))
    assert row["行动类别"] == "清四乱专项行动"
    assert Decimal(str(row["清理垃圾（吨）"])) == Decimal("2.5")


@pytest.mark.parametrize("name", ENDPOINTS)
def test_list_queries_stay_bounded(api, street_a, office_a, django_assert_max_num_queries, name):
    for i in range(15):
        row = _make(name, street_a, D(2024, 1, 1) + datetime.timedelta(days=i))
        if name == "outfall-checks" and i % 3 == 0:
            row.issue = _issue(street_a, office_a)
            row.result = "problem"
            row.save()
    client = api.as_user(office_a)
    with django_assert_max_num_queries(8):
        response = client.get(URL.format(name), {"page_size": 100})
    assert response.json()["count"] == 15


def _issue(street, user) -> Issue:
    return issue_report(
        user=user,
        title="排口异味",
        category="outfall",
        source="office",
        reach=street.reaches[0],
    )


# --- The demo builder ----------------------------------------------------------------------------

DEMO_TODAY = D(2026, 11, 22)


def _fingerprint() -> dict[str, list]:
    return {
        "publicity": sorted(
            PublicityEvent.objects.values_list("date", "title", "place", "leaflets")
        ),
        "cleanups": sorted(
            Cleanup.objects.values_list("date", "campaign", "region__name", "garbage_t")
        ),
        "inspections": sorted(Inspection.objects.values_list("date", "inspector")),
        "signs": sorted(SignUpdate.objects.values_list("sign__code", "date")),
        "outfalls": sorted(OutfallCheck.objects.values_list("outfall__name", "date", "result")),
        "facilities": sorted(FacilityCheck.objects.values_list("facility__name", "date")),
    }


def test_the_demo_year_of_activities_is_the_same_for_the_same_seed_and_day(
    db, monkeypatch, tmp_path
):
    """(tests/test_demo_activities.py checks the year itself.)"""
    monkeypatch.setattr("demo.street.build_patrols", lambda **kwargs: 0)
    prints = []
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        for _ in range(2):
            with transaction.atomic():
                result = build_demo(today=DEMO_TODAY)
                assert result.created
                prints.append(_fingerprint())
                transaction.set_rollback(True)
    assert prints[0] == prints[1]
    assert all(prints[0].values())


def test_seed_demo_prints_the_activity_counts(db, monkeypatch, settings, tmp_path):
    assert not Region.objects.exists()
    monkeypatch.setattr("demo.street.build_patrols", lambda **kwargs: 0)
    settings.MEDIA_ROOT = str(tmp_path)
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    counts = demo_counts(Region.objects.get(parent__isnull=True))
    assert f"宣传活动：{counts['publicity_events']}" in out.getvalue()
    assert f"排污口排查记录：{counts['outfall_checks']}" in out.getvalue()
    assert "工作活动和排查记录" in out.getvalue()
