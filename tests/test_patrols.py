"""Patrols: periods, rules, tracks, filing rights, idempotent resend, compliance."""

import datetime
import uuid
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from accounts.models import Role
from patrols import selectors, tracks
from patrols.models import Patrol, PatrolRule
from patrols.periods import Period, period_bounds, period_key, period_start_sql
from patrols.rules import RuleBook
from rivers.models import Chief, ChiefRole

from . import factories
from .conftest import make_account

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = datetime.date
GPX = Path(__file__).parent / "data" / "patrol.gpx"


def at(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def walk(start: datetime.datetime, minutes: int = 30, metres_per_minute: float = 60) -> dict:
    """A straight walk north along a river, one fix a minute."""
    coordinates, times = [], []
    for i in range(minutes + 1):
        coordinates.append([113.65, 34.78 + i * metres_per_minute / 111_195])
        times.append((start + datetime.timedelta(minutes=i)).isoformat())
    return {"type": "LineString", "coordinates": coordinates, "times": times}


def make_patrol(chief, reach, day, minutes=30, valid=True, **extra) -> Patrol:
    start = at(day)
    return Patrol.objects.create(
        chief=chief,
        reach=reach,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=minutes),
        started_on=day,
        distance_km=Decimal("1.8"),
        valid=valid,
        **extra,
    )


# --- periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (D(2024, 3, 1), D(2024, 3, 1), D(2024, 3, 10)),
        (D(2024, 3, 10), D(2024, 3, 1), D(2024, 3, 10)),
        (D(2024, 3, 11), D(2024, 3, 11), D(2024, 3, 20)),
        (D(2024, 3, 20), D(2024, 3, 11), D(2024, 3, 20)),
        (D(2024, 3, 21), D(2024, 3, 21), D(2024, 3, 31)),
        (D(2024, 3, 31), D(2024, 3, 21), D(2024, 3, 31)),
        (D(2024, 4, 30), D(2024, 4, 21), D(2024, 4, 30)),
        (D(2024, 2, 21), D(2024, 2, 21), D(2024, 2, 29)),  # leap year
        (D(2024, 2, 29), D(2024, 2, 21), D(2024, 2, 29)),
        (D(2023, 2, 28), D(2023, 2, 21), D(2023, 2, 28)),  # other years
        (D(2100, 2, 25), D(2100, 2, 21), D(2100, 2, 28)),  # not a leap year either
    ],
)
def test_dekad_edges(day, start, end):
    assert period_bounds(Period.DEKAD, day) == (start, end)


def test_other_period_bounds():
    assert period_bounds(Period.WEEK, D(2024, 1, 3)) == (D(2024, 1, 1), D(2024, 1, 7))
    assert period_bounds(Period.WEEK, D(2023, 12, 31)) == (D(2023, 12, 25), D(2023, 12, 31))
    assert period_bounds(Period.MONTH, D(2023, 2, 14)) == (D(2023, 2, 1), D(2023, 2, 28))
    assert period_bounds(Period.QUARTER, D(2024, 8, 15)) == (D(2024, 7, 1), D(2024, 9, 30))
    assert period_bounds(Period.DAY, D(2024, 8, 15)) == (D(2024, 8, 15), D(2024, 8, 15))


@pytest.mark.django_db
def test_sql_periods_agree_with_python(street_a):
    chief, reach = street_a.chiefs[0], street_a.reaches[0]
    days = [D(2024, 1, 1) + datetime.timedelta(days=n) for n in range(0, 366, 1)]
    days += [D(2023, 2, 28), D(2023, 3, 1), D(2024, 12, 31), D(2025, 1, 1)]
    Patrol.objects.bulk_create(
        Patrol(chief=chief, reach=reach, started_at=at(day), ended_at=at(day, 10), started_on=day)
        for day in days
    )
    for period in Period.values:
        got = dict(
            Patrol.objects.annotate(key=period_start_sql(period, "started_on")).values_list(
                "started_on", "key"
            )
        )
        for day in days:
            assert got[day] == period_key(period_bounds(period, day)[0]), (period, day)


def test_a_period_is_named_by_its_first_days_number_on_postgresql_and_yyyymmdd_elsewhere():
    # Days since 2000-01-01: 25 years of 365 days and 7 leap days (2000 to 2024) to 2025-01-01.
    assert period_key(D(2000, 1, 1), "postgresql") == 0
    assert period_key(D(2025, 1, 1), "postgresql") == 9132
    assert period_key(D(2025, 3, 21), "postgresql") == 9132 + 31 + 28 + 20
    assert period_key(D(2025, 3, 21), "sqlite") == 20250321


@pytest.mark.django_db
def test_sql_names_each_period_of_a_day_by_its_first_days_number(street_a):
    chief, reach = street_a.chiefs[0], street_a.reaches[0]
    # Tuesday 25 March 2025 (day 9215 since 2000-01-01) and the last day of that month.
    for day in (D(2025, 3, 25), D(2025, 3, 31)):
        Patrol.objects.create(
            chief=chief, reach=reach, started_at=at(day), ended_at=at(day, 10), started_on=day
        )
    expected = {
        Period.DAY: {D(2025, 3, 25): 9215, D(2025, 3, 31): 9221},
        Period.WEEK: {D(2025, 3, 25): 9214, D(2025, 3, 31): 9221},  # Mondays 24 and 31 March
        Period.DEKAD: {D(2025, 3, 25): 9211, D(2025, 3, 31): 9211},  # 21 March
        Period.MONTH: {D(2025, 3, 25): 9191, D(2025, 3, 31): 9191},  # 1 March
        Period.QUARTER: {D(2025, 3, 25): 9132, D(2025, 3, 31): 9132},  # 1 January
    }
    for period, keys in expected.items():
        got = dict(
            Patrol.objects.annotate(key=period_start_sql(period, "started_on")).values_list(
                "started_on", "key"
            )
        )
        assert got == keys, period


# --- tracks -------------------------------------------------------------------------------------


def test_real_gpx_file_is_read_with_times_and_distance():
    points = tracks.from_gpx(BytesIO(GPX.read_bytes()))
    assert len(points) == 25
    assert points[0].time == datetime.datetime(2024, 5, 6, 1, 30, tzinfo=datetime.UTC)
    assert 1.15 < tracks.length_km(points) < 1.30


def test_a_jump_no_walker_could_make_is_dropped():
    start = at(D(2024, 5, 6))
    track = walk(start, minutes=20)
    clean_length = tracks.length_km(tracks.from_geojson(track))
    # One fix 5 km away, a second after its neighbour: GPS drift.
    track["coordinates"].insert(10, [113.70, 34.80])
    track["times"].insert(10, (start + datetime.timedelta(minutes=9, seconds=1)).isoformat())
    points = tracks.from_geojson(track)
    kept, dropped = tracks.drop_jumps(points, max_speed_kmh=25, max_gap_m=500)
    assert dropped == 1
    assert abs(tracks.length_km(kept) - clean_length) < 0.001
    assert tracks.length_km(points) > clean_length + 9


def test_simplified_track_keeps_the_ends_and_drops_collinear_points():
    points = tracks.from_geojson(walk(at(D(2024, 5, 6)), minutes=20))
    simple = tracks.simplify(points, tolerance_m=5)
    assert simple[0] == [points[0].lon, round(points[0].lat, 6)]
    assert len(simple) == 2


@pytest.mark.parametrize(
    "track",
    [
        {"type": "Point", "coordinates": [1, 2]},
        {"type": "LineString", "coordinates": [[113.6, "x"]]},
        {"type": "LineString", "coordinates": [[200, 34]]},
        {"type": "LineString", "coordinates": [[113.6, 34.7]], "times": ["yesterday"]},
        {"type": "LineString", "coordinates": [[113.6, 34.7]], "times": []},
        "not even an object",
    ],
)
def test_bad_tracks_are_refused_with_a_reason(track):
    with pytest.raises(tracks.TrackError):
        tracks.from_geojson(track)


# --- rules and validity --------------------------------------------------------------------------


@pytest.mark.django_db
def test_default_rules_come_from_the_seeds():
    rules = {r.role: (r.period, r.min_count) for r in PatrolRule.objects.all()}
    assert rules == {
        "general_chief": ("month", 1),
        "street_chief": ("dekad", 1),
        "community_chief": ("week", 1),
        "cleaner": ("day", 1),
    }
    assert {(r.min_minutes, r.min_km) for r in PatrolRule.objects.all()} == {(10, Decimal("0.30"))}


@pytest.mark.django_db
def test_rule_months_restrict_when_a_rule_is_in_force():
    PatrolRule.objects.filter(role=ChiefRole.COMMUNITY_CHIEF).update(months=list(range(3, 13)))
    book = RuleBook.load()
    assert book.rule_for(ChiefRole.COMMUNITY_CHIEF, D(2024, 2, 10)) is None
    assert book.rule_for(ChiefRole.COMMUNITY_CHIEF, D(2024, 3, 1)).period == "week"
    # January and February owe nothing; the week of 26 February - 3 March starts under no rule.
    owed = selectors.owed_periods(
        book,
        roles={ChiefRole.COMMUNITY_CHIEF},
        date_from=D(2024, 1, 1),
        as_of=D(2024, 3, 3),
        today=D(2025, 1, 1),
    )
    assert owed == []


def _owed(book, role, first, last):
    periods = selectors.owed_periods(
        book, roles={role}, date_from=first, as_of=last, today=D(2025, 1, 1)
    )
    return [(p.start, p.end, p.min_count) for p in periods]


def test_required_is_whole_periods_ending_in_the_range(db):
    """Only whole periods ending in the range are owed: no pro rata (it used to be 0.48 of a
    month for an appointment on 17 March, 4.43 weeks for March 2024)."""
    book = RuleBook.load()
    # Weekly rule over March 2024 (Fri 1 - Sun 31): the weeks ending 3, 10, 17, 24, 31 March,
    # the first with its February days.
    assert _owed(book, "community_chief", D(2024, 3, 1), D(2024, 3, 31)) == [
        (D(2024, 2, 26), D(2024, 3, 3), 1),
        (D(2024, 3, 4), D(2024, 3, 10), 1),
        (D(2024, 3, 11), D(2024, 3, 17), 1),
        (D(2024, 3, 18), D(2024, 3, 24), 1),
        (D(2024, 3, 25), D(2024, 3, 31), 1),
    ]
    # Dekad rule over a leap February: three dekads, the last of 9 days.
    assert [end for _s, end, _n in _owed(book, "street_chief", D(2024, 2, 1), D(2024, 2, 29))] == [
        D(2024, 2, 10),
        D(2024, 2, 20),
        D(2024, 2, 29),
    ]
    # A month is owed by a chief who served all of it: appointed on 17 March, none in March.
    chief = factories.ChiefFactory(role="general_chief", appointed_on=D(2024, 3, 17))
    [row] = selectors.compliance_of(
        chiefs=Chief.objects.filter(pk=chief.pk), date_from=D(2024, 3, 1), date_to=D(2024, 3, 31)
    )
    assert (row.required, row.rate, row.short) == (0, None, False)


@pytest.fixture
def county_office(county):
    """Patrol rules are the portal's policy: the county's office writes them."""
    return make_account(Role.OFFICE, county)


def test_overlapping_rule_months_are_refused(api, county_office):
    client = api.as_user(county_office)
    rule = {"role": "community_chief", "period": "month", "min_count": 2}
    assert (
        client.post("/api/v1/patrol-rules/", {**rule, "months": [1, 2]}, format="json").status_code
        == 201
    )
    response = client.post("/api/v1/patrol-rules/", {**rule, "months": [2, 3]}, format="json")
    assert response.status_code == 400
    assert "months" in response.json()
    # A second catch-all rule for the role would be just as ambiguous.
    response = client.post("/api/v1/patrol-rules/", rule, format="json")
    assert response.status_code == 400


def test_split_year_rules_can_be_made(api, county_office):
    client = api.as_user(county_office)
    rule = PatrolRule.objects.get(role="community_chief")
    assert (
        client.patch(
            f"/api/v1/patrol-rules/{rule.pk}/", {"months": list(range(3, 13))}, format="json"
        ).status_code
        == 200
    )
    response = client.post(
        "/api/v1/patrol-rules/",
        {"role": "community_chief", "period": "month", "min_count": 1, "months": [1, 2]},
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_chief_may_not_change_rules(api, chief_a1):
    rule = PatrolRule.objects.first()
    response = api.as_user(chief_a1).patch(
        f"/api/v1/patrol-rules/{rule.pk}/", {"min_count": 9}, format="json"
    )
    assert response.status_code == 403


# --- filing -------------------------------------------------------------------------------------


def _recent() -> datetime.date:
    """A day a chief may still file (PATROL_MAX_AGE_DAYS)."""
    return timezone.localdate() - datetime.timedelta(days=1)


def _payload(reach, day=None, minutes=30, **extra) -> dict:
    start = at(day or _recent())
    return {
        "uuid": str(uuid.uuid4()),
        "reach": reach.pk,
        "started_at": start.isoformat(),
        "ended_at": (start + datetime.timedelta(minutes=minutes)).isoformat(),
        "track": walk(start, minutes=minutes),
        "notes": "河面清洁",
        **extra,
    }


def test_chief_files_a_valid_patrol_for_itself(api, chief_a1, street_a):
    response = api.as_user(chief_a1).post(
        "/api/v1/patrols/", _payload(street_a.reaches[0]), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["chief"] == chief_a1.chief_id
    assert body["valid"] is True and body["invalid_reason"] == ""
    assert 1.75 < body["distance_km"] < 1.85
    assert body["started_on"] == _recent().isoformat()
    assert body["filed_late"] is False and body["late_reason"] == ""


def test_short_patrol_is_kept_but_invalid_with_the_reason(api, chief_a1, street_a):
    response = api.as_user(chief_a1).post(
        "/api/v1/patrols/", _payload(street_a.reaches[0], minutes=4), format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["valid"] is False
    assert "不足 10 分钟" in body["invalid_reason"] and "不足 0.30 公里" in body["invalid_reason"]


def test_the_same_uuid_twice_gives_one_patrol(api, chief_a1, street_a):
    client = api.as_user(chief_a1)
    payload = _payload(street_a.reaches[0], findings=[{"description": "岸边有垃圾"}])
    first = client.post("/api/v1/patrols/", payload, format="json")
    again = client.post("/api/v1/patrols/", payload, format="json")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Patrol.objects.count() == 1
    assert Patrol.objects.get().findings.count() == 1


def test_chief_cannot_file_for_another_chief(api, chief_a1, street_a):
    other = street_a.chiefs[1]
    response = api.as_user(chief_a1).post(
        "/api/v1/patrols/", _payload(street_a.reaches[0], chief=other.pk), format="json"
    )
    assert response.status_code in (400, 403, 404)
    assert response.status_code != 400 or "chief" in response.json()
    assert not Patrol.objects.exists()


def test_chief_cannot_file_for_another_chiefs_reach_in_its_street(api, street_a):
    # A street chief sees every reach of the street, but files only for its own.
    street_chief = factories.ChiefFactory(
        role=ChiefRole.STREET_CHIEF, region=street_a.street, reaches=[street_a.reaches[0]]
    )
    account = make_account(Role.CHIEF, street_a.street, chief=street_chief)
    response = api.as_user(account).post(
        "/api/v1/patrols/", _payload(street_a.reaches[1]), format="json"
    )
    assert response.status_code == 403
    assert not Patrol.objects.exists()


def test_chief_cannot_file_for_a_reach_outside_its_region(api, chief_a1, street_b):
    response = api.as_user(chief_a1).post(
        "/api/v1/patrols/", _payload(street_b.reaches[0]), format="json"
    )
    assert response.status_code in (400, 403, 404)
    assert not Patrol.objects.exists()


def test_gpx_upload_with_a_finding_photo(api, office_a, chief_a1, street_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    buffer = BytesIO()
    Image.new("RGB", (64, 48), "green").save(buffer, "JPEG")
    # The GPX file was recorded on 6 May 2024: the office enters it late, with a reason.
    response = api.as_user(office_a).post(
        "/api/v1/patrols/",
        {
            "uuid": str(uuid.uuid4()),
            "chief": chief_a1.chief_id,
            "late_reason": "手机故障，纸质记录补录",
            "reach": street_a.reaches[0].pk,
            "started_at": "2024-05-06T09:30:00+08:00",
            "ended_at": "2024-05-06T09:54:00+08:00",
            "gpx": SimpleUploadedFile("track.gpx", GPX.read_bytes()),
            "findings": '[{"description": "排口异味", "lat": 34.7830, "lon": 113.6513}]',
            "finding_0_photos": SimpleUploadedFile("x.jpg", buffer.getvalue(), "image/jpeg"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["valid"] is True and 1.15 < body["distance_km"] < 1.30
    assert len(body["findings"]) == 1 and len(body["findings"][0]["photos"]) == 1
    patrol = Patrol.objects.get()
    assert len(patrol.track_raw["coordinates"]) == 25 and len(patrol.track_raw["times"]) == 25


def test_a_file_that_is_not_an_image_is_refused(api, chief_a1, street_a):
    payload = _payload(street_a.reaches[0])
    response = api.as_user(chief_a1).post(
        "/api/v1/patrols/",
        {
            **{k: v for k, v in payload.items() if k != "track"},
            "findings": '[{"description": "x"}]',
            "finding_0_photos": SimpleUploadedFile("x.jpg", b"<html>not a photo</html>"),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "finding_0_photos" in response.json()
    assert not Patrol.objects.exists()


def test_patrol_ending_before_it_starts_is_refused(api, chief_a1, street_a):
    payload = _payload(street_a.reaches[0])
    payload["ended_at"], payload["started_at"] = payload["started_at"], payload["ended_at"]
    response = api.as_user(chief_a1).post("/api/v1/patrols/", payload, format="json")
    assert response.status_code == 400 and "ended_at" in response.json()


def test_chief_sees_only_its_community_patrols(api, chief_a1, street_a):
    make_patrol(street_a.chiefs[0], street_a.reaches[0], D(2024, 5, 6))
    other = make_patrol(street_a.chiefs[1], street_a.reaches[1], D(2024, 5, 6))
    client = api.as_user(chief_a1)
    rows = client.get("/api/v1/patrols/").json()["results"]
    assert len(rows) == 1
    assert client.get(f"/api/v1/patrols/{other.pk}/").status_code == 404


def test_raw_track_is_for_staff(api, chief_a1, office_a, street_a):
    patrol = make_patrol(
        street_a.chiefs[0],
        street_a.reaches[0],
        D(2024, 5, 6),
        track_raw={"type": "LineString", "coordinates": [[1, 2], [3, 4]]},
    )
    assert api.as_user(chief_a1).get(f"/api/v1/patrols/{patrol.pk}/raw-track/").status_code == 403
    response = api.as_user(office_a).get(f"/api/v1/patrols/{patrol.pk}/raw-track/")
    assert response.json()["coordinates"] == [[1, 2], [3, 4]]


def test_patrol_list_queries_do_not_grow(api, office_a, street_a):
    chief, reach = street_a.chiefs[0], street_a.reaches[0]
    client = api.as_user(office_a)

    def measure() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/patrols/?page_size=500").status_code == 200
        return len(ctx.captured_queries)

    for n in range(5):
        make_patrol(chief, reach, D(2024, 5, 1 + n)).findings.create(description="x")
    small = measure()
    for n in range(45):
        make_patrol(chief, reach, D(2024, 6, 1) + datetime.timedelta(days=n)).findings.create(
            description="x"
        )
    assert measure() == small


# --- compliance ---------------------------------------------------------------------------------


def _compliance(client, **params) -> dict[int, dict]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.get(f"/api/v1/patrol-compliance/?{query}&page_size=500")
    assert response.status_code == 200, response.content
    return {row["chief"]: row for row in response.json()["results"]}


def test_invalid_patrols_are_not_counted(api, office_a, street_a):
    chief, reach = street_a.chiefs[0], street_a.reaches[0]
    make_patrol(chief, reach, D(2024, 3, 4))  # week of 4 March
    make_patrol(chief, reach, D(2024, 3, 12), minutes=3, valid=False)  # week of 11 March
    rows = _compliance(api.as_user(office_a), date_from="2024-03-04", date_to="2024-03-17")
    assert rows[chief.pk]["required"] == 2
    assert rows[chief.pk]["done"] == 1
    assert rows[chief.pk]["rate"] == 0.5


def test_extra_patrols_in_one_week_do_not_make_up_for_another(api, office_a, street_a):
    chief, reach = street_a.chiefs[0], street_a.reaches[0]
    for day in (4, 5, 6):
        make_patrol(chief, reach, D(2024, 3, day))
    rows = _compliance(api.as_user(office_a), date_from="2024-03-04", date_to="2024-03-17")
    assert rows[chief.pk]["done"] == 3
    assert rows[chief.pk]["counted"] == 1
    assert rows[chief.pk]["rate"] == 0.5


def test_compliance_counts_whoever_served_and_pro_rata(api, office_a, street_a):
    from rivers.services import chief_replace

    old, reach = street_a.chiefs[0], street_a.reaches[0]
    new = chief_replace(chief=old, on=D(2024, 3, 18), name="接任", phone="13700001111")
    make_patrol(old, reach, D(2024, 3, 5))
    make_patrol(new, reach, D(2024, 3, 19))
    make_patrol(new, reach, D(2024, 3, 26))
    rows = _compliance(api.as_user(office_a), date_from="2024-03-04", date_to="2024-03-31")
    assert rows[old.pk]["required"] == 2 and rows[old.pk]["done"] == 1
    assert rows[new.pk]["required"] == 2 and rows[new.pk]["done"] == 2
    assert rows[new.pk]["rate"] == 1.0


def test_compliance_bad_dates_answer_400(api, office_a):
    client = api.as_user(office_a)
    assert client.get("/api/v1/patrol-compliance/").status_code == 400
    response = client.get("/api/v1/patrol-compliance/?date_from=2024-05-01&date_to=2024-04-01")
    assert response.status_code == 400 and "date_to" in response.json()


def test_rankings_are_for_office_and_leaders_only(api, chief_a1, office_a, street_a):
    make_patrol(street_a.chiefs[0], street_a.reaches[0], D(2024, 3, 5))
    url = "/api/v1/patrol-compliance/rankings/?date_from=2024-03-04&date_to=2024-03-10"
    assert api.as_user(chief_a1).get(url).status_code == 403
    body = api.as_user(office_a).get(url).json()
    assert [row["region_name"] for row in body["results"]] == [
        street_a.communities[0].name,
        street_a.communities[1].name,
    ]
    assert body["results"][0]["rate"] == 1.0 and body["results"][1]["short_chiefs"] == 1


def test_chief_compliance_shows_only_its_community(api, chief_a1, street_a):
    rows = _compliance(api.as_user(chief_a1), date_from="2024-03-04", date_to="2024-03-10")
    assert set(rows) == {chief_a1.chief_id}


def test_equal_rates_share_a_rank(street_a):
    from patrols.selectors import ComplianceRow, compliance_ranking

    communities = street_a.communities + [
        factories.CommunityFactory(parent=street_a.street) for _ in range(2)
    ]

    def row(community, counted):
        return ComplianceRow(
            chief_id=community.pk,
            name="x",
            role="community_chief",
            region_id=community.pk,
            region_name=community.name,
            street_id=street_a.street.pk,
            community_id=community.pk,
            required=Decimal(4),
            done=counted,
            counted=counted,
            rate=selectors._rate(counted, Decimal(4)),
        )

    ranking = compliance_ranking(
        [row(c, n) for c, n in zip(communities, (4, 3, 3, 1), strict=True)], level="community"
    )
    assert [r.rank for r in ranking] == [1, 2, 2, 4]


def test_compliance_queries_do_not_grow_with_chiefs(api, office_a, street_a):
    client = api.as_user(office_a)
    community, reach = street_a.communities[0], street_a.reaches[0]
    urls = [
        "/api/v1/patrol-compliance/?date_from=2024-03-01&date_to=2024-03-31&page_size=500",
        "/api/v1/patrol-compliance/rankings/?date_from=2024-03-01&date_to=2024-03-31",
    ]

    def grow(n: int) -> None:
        for _ in range(n):
            chief = factories.ChiefFactory(region=community, reaches=[reach])
            make_patrol(chief, reach, D(2024, 3, 5))

    def measure() -> list[int]:
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.append(len(ctx.captured_queries))
        return counts

    grow(5)
    small = measure()
    grow(45)
    assert measure() == small
