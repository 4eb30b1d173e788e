"""The leaders' dashboard: rollups kept by the write services, the selector, its API and page."""

import datetime
import io
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from accounts.models import Role
from activities import services as activity_services
from issues import services as issue_services
from issues.models import Issue, IssuePhoto, IssueStatus, PhotoStage
from patrols import services as patrol_services
from reports import rollups
from reports.dashboard import dashboard, dashboard_map, period_bounds
from reports.models import (
    ChiefMonth,
    IssueMonth,
    RegionMonth,
    TreeClosedMonth,
    TreeIssueMonth,
    TreeMonth,
)
from reports.rollups import month_end
from reports.statistics import region_statistics
from rivers.models import ChiefRole

from . import factories
from .conftest import make_account

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = (THIS_MONTH - datetime.timedelta(days=1)).replace(day=1)
TWO_AGO = (LAST_MONTH - datetime.timedelta(days=1)).replace(day=1)


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def walk(start: datetime.datetime, minutes: int = 30) -> dict:
    """A straight walk of 1.8 km along the river, one fix a minute."""
    coordinates = [[113.65, 34.78 + i * 60 / 111_195] for i in range(minutes + 1)]
    times = [(start + datetime.timedelta(minutes=i)).isoformat() for i in range(minutes + 1)]
    return {"type": "LineString", "coordinates": coordinates, "times": times}


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "JPEG")
    return SimpleUploadedFile("after.jpg", buffer.getvalue(), "image/jpeg")


def file_patrol(user, chief, reach, day: datetime.date, minutes: int = 30):
    start = at(day)
    patrol, _ = patrol_services.patrol_submit(
        user=user,
        uuid=uuid.uuid4(),
        chief=chief,
        reach=reach,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=minutes),
        track=walk(start, minutes),
        late_reason="按纸质巡河记录补录",  # earlier this month: older than a chief may file
    )
    return patrol


def report(user, reach, day: datetime.date, category: str = "dumping", lat=None, lon=None):
    return issue_services.issue_report(
        user=user,
        title="河道内有垃圾",
        category=category,
        source="patrol",
        reach=reach,
        reported_at=at(day),
        lat=lat,
        lon=lon,
    )


def close(office, chief_user, issue: Issue) -> None:
    issue_services.issue_act(
        issue_id=issue.pk,
        user=office,
        action="assign",
        assignee={"chief": chief_user.chief},
        deadline=TODAY + datetime.timedelta(days=10),
    )
    issue_services.issue_act(issue_id=issue.pk, user=chief_user, action="start")
    issue_services.issue_act(issue_id=issue.pk, user=chief_user, action="submit")
    IssuePhoto.objects.create(issue=issue, stage=PhotoStage.AFTER, image=jpeg())
    issue_services.issue_act(issue_id=issue.pk, user=office, action="accept")


@pytest.fixture
def written(street_a, street_b, office_a, office_b, django_capture_on_commit_callbacks):
    """Two months of street A's work written through the services, each in its own commit (as
    requests would), with the rollup refresh run by the on-commit hooks; and street B's."""
    reach1, reach2 = street_a.reaches
    chief1, chief2 = street_a.chiefs
    chief_user = make_account(Role.CHIEF, chief1.region, chief=chief1)
    for month in (TWO_AGO, LAST_MONTH):
        for day in (2, 9, 16, 23):
            with django_capture_on_commit_callbacks(execute=True):
                file_patrol(office_a, chief1, reach1, month.replace(day=day))
        with django_capture_on_commit_callbacks(execute=True):
            file_patrol(office_a, chief2, reach2, month.replace(day=3))
            file_patrol(office_a, chief2, reach2, month.replace(day=4), minutes=3)  # invalid
    with django_capture_on_commit_callbacks(execute=True):
        file_patrol(office_b, street_b.chiefs[0], street_b.reaches[0], LAST_MONTH.replace(day=5))

    issues = []
    for month, category in ((TWO_AGO, "dumping"), (TWO_AGO, "garbage"), (LAST_MONTH, "dumping")):
        with django_capture_on_commit_callbacks(execute=True):
            issues.append(
                report(
                    office_a,
                    reach1,
                    month.replace(day=6),
                    category,
                    Decimal("34.78"),
                    Decimal("113.65"),
                )
            )
    with django_capture_on_commit_callbacks(execute=True):
        close(office_a, chief_user, issues[0])
    with django_capture_on_commit_callbacks(execute=True):
        # Assigned with a deadline already past: open and overdue.
        issue_services.issue_act(
            issue_id=issues[1].pk,
            user=office_a,
            action="assign",
            assignee={"region": street_a.communities[0]},
            deadline=TWO_AGO.replace(day=20),
        )
    with django_capture_on_commit_callbacks(execute=True):
        report(office_b, street_b.reaches[0], LAST_MONTH.replace(day=7))

    with django_capture_on_commit_callbacks(execute=True):
        cleanup = activity_services.cleanup_create(
            user=office_a,
            date=TWO_AGO.replace(day=12),
            title="清四乱",
            region=street_a.communities[0],
            garbage_t=Decimal("12.50"),
        )
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.cleanup_create(
            user=office_a,
            date=LAST_MONTH.replace(day=12),
            title="河道保洁",
            region=street_a.communities[1],
            garbage_t=Decimal("3.25"),
        )
    with django_capture_on_commit_callbacks(execute=True):
        # Moved to another month: both months' cells must follow.
        activity_services.cleanup_update(
            instance=cleanup, user=office_a, date=LAST_MONTH.replace(day=2)
        )
    return street_a


def figures_of_rollups(user, region, first, last) -> dict:
    return dashboard(user=user, region=region, date_from=first, date_to=last).figures


@pytest.mark.parametrize("months", [1, 3])
def test_rollups_written_by_the_services_equal_the_live_statistics(written, office_a, months):
    # Last month alone; and the two months before this one with this month (the close).
    first = LAST_MONTH if months == 1 else TWO_AGO
    last = month_end(LAST_MONTH if months == 1 else THIS_MONTH)
    if months == 3:
        # Nothing was filed this month: the nightly rebuild opens the month's rows of chiefs
        # who owe patrols without having filed any.
        rollups.rebuild(first=THIS_MONTH, last=THIS_MONTH)
    for region in (written.street, written.communities[0], written.communities[1]):
        live = region_statistics(region=region, date_from=first, date_to=last)
        mine = figures_of_rollups(office_a, region, first, last)
        assert mine["patrols"] == live.patrols
        assert mine["patrols_invalid"] == live.patrols_invalid
        assert mine["cleaning_rounds"] == live.cleaning_rounds
        assert mine["issues_found"] == live.issues_found
        assert mine["issues_found_closed"] == live.issues_found_closed
        assert mine["issues_closed"] == live.issues_closed
        assert mine["resolution_rate"] == live.resolution_rate
        assert mine["cleanups"] == live.cleanups
        assert mine["garbage_t"] == live.garbage_t
        assert mine["issues_overdue"] == live.issues_overdue
        assert mine["patrols_counted"] == live.patrols_counted
        # Whole periods, each counted in the month it ends in: the months add up exactly.
        assert mine["patrols_required"] == live.patrols_required
        assert mine["patrol_rate"] == live.patrol_rate
    street = figures_of_rollups(office_a, written.street, first, last)
    # Valid patrols only (chief 1 four a month, chief 2 one); the 3-minute one apart.
    assert street["patrols"] == (5 if months == 1 else 10)
    assert street["patrols_invalid"] == (1 if months == 1 else 2)
    assert street["issues_found"] == (1 if months == 1 else 3)
    assert street["issues_closed"] == (0 if months == 1 else 1)
    assert street["issues_overdue"] == 1
    assert street["garbage_t"] == Decimal("15.75")


def test_one_month_patrol_rate_is_compliance_of_that_month(written, office_a):
    last = month_end(LAST_MONTH)
    live = region_statistics(region=written.street, date_from=LAST_MONTH, date_to=last)
    mine = figures_of_rollups(office_a, written.street, LAST_MONTH, last)
    assert mine["patrol_rate"] == live.patrol_rate
    assert mine["patrols_required"] == live.patrols_required
    assert live.patrols_counted > 0


def test_a_rebuild_gives_the_same_rows_and_a_second_rebuild_changes_nothing(written):
    def snapshot():
        return (
            sorted(
                RegionMonth.objects.values_list(
                    "region_id",
                    "month",
                    "patrols",
                    "patrols_invalid",
                    "cleaning_rounds",
                    "issues_found",
                    "cleanups",
                    "garbage_t",
                )
            ),
            sorted(
                IssueMonth.objects.values_list(
                    "region_id", "month", "category", "status", "closed_month", "issues"
                ),
                key=str,
            ),
            sorted(
                ChiefMonth.objects.values_list("chief_id", "month", "required", "done", "counted")
            ),
            sorted(
                TreeMonth.objects.values_list(
                    "region_id",
                    "month",
                    "patrols",
                    "issues_found",
                    "garbage_t",
                    "required",
                    "counted",
                )
            ),
            sorted(
                TreeIssueMonth.objects.values_list(
                    "region_id", "month", "category", "status", "issues"
                )
            ),
            sorted(
                TreeClosedMonth.objects.values_list("region_id", "month", "closed_month", "issues")
            ),
        )

    kept_by_hooks = snapshot()
    assert kept_by_hooks[0] and kept_by_hooks[1] and kept_by_hooks[2]
    # The hooks refresh only touched cells; compare their months with a full rebuild's.
    rollups.rebuild(first=TWO_AGO, last=LAST_MONTH)
    rebuilt = snapshot()
    in_months = lambda rows: [r for r in rows if TWO_AGO <= r[1] <= LAST_MONTH]  # noqa: E731
    assert [in_months(rows) for rows in kept_by_hooks] == [in_months(rows) for rows in rebuilt]
    rollups.rebuild(first=TWO_AGO, last=LAST_MONTH)
    assert snapshot() == rebuilt
    # And refreshing a cell twice leaves it as it was.
    rollups.refresh(region_months=[(written.communities[0].pk, LAST_MONTH)] * 2)
    assert snapshot() == rebuilt


def test_rebuild_command_rebuilds_every_month_with_records(written, capsys):
    RegionMonth.objects.all().delete()
    ChiefMonth.objects.all().delete()
    call_command("rebuild_rollups")
    assert "Rebuilt" in capsys.readouterr().out
    assert RegionMonth.objects.filter(month=TWO_AGO).exists()
    assert ChiefMonth.objects.filter(month=LAST_MONTH).exists()


def test_a_deleted_cleanup_leaves_the_rollups(
    written, office_a, django_capture_on_commit_callbacks
):
    from activities.models import Cleanup

    cleanup = Cleanup.objects.get(title="河道保洁")
    with django_capture_on_commit_callbacks(execute=True):
        activity_services.activity_delete(instance=cleanup, user=office_a)
    row = RegionMonth.objects.filter(region=written.communities[1], month=LAST_MONTH).first()
    assert row is None or row.cleanups == 0


def test_period_choices_are_whole_months():
    today = datetime.date(2025, 5, 17)
    assert period_bounds("month", today=today) == (
        datetime.date(2025, 5, 1),
        datetime.date(2025, 5, 31),
    )
    assert period_bounds("quarter", today=today) == (
        datetime.date(2025, 4, 1),
        datetime.date(2025, 6, 30),
    )
    assert period_bounds("last_year", today=today) == (
        datetime.date(2024, 1, 1),
        datetime.date(2024, 12, 31),
    )
    assert period_bounds(
        "custom", today=today, first=datetime.date(2024, 11, 9), last=datetime.date(2025, 2, 3)
    ) == (datetime.date(2024, 11, 1), datetime.date(2025, 2, 28))


# --- the API ------------------------------------------------------------------------------------


def test_dashboard_api_answers_the_selector_figures_and_series(api, office_a, written):
    leader = make_account(Role.LEADER, written.street)
    response = api.as_user(leader).get(
        "/api/v1/dashboard/", {"date_from": TWO_AGO, "date_to": LAST_MONTH}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["date_from"] == TWO_AGO.isoformat()
    figures = body["figures"]
    assert figures["patrols"] == 10  # valid ones; the two 3-minute patrols apart
    assert figures["patrols_invalid"] == 2
    assert figures["issues_found"] == 3
    assert figures["issues_closed"] == 0  # closed this month, after the period
    assert figures["issues_found_closed"] == 0
    assert figures["issues_open"] == 2
    assert figures["issues_overdue"] == 1
    assert [m["patrols"] for m in body["series"]["months"]] == [5, 5]
    assert {row["key"]: row["n"] for row in body["series"]["by_category"]} == {
        "dumping": 2,
        "garbage": 1,
    }
    by_status = {row["key"]: row["n"] for row in body["series"]["by_status"]}
    assert by_status[IssueStatus.CLOSED] == 1 and by_status[IssueStatus.ASSIGNED] == 1
    ranked = [row["region_id"] for row in body["series"]["patrol_ranking"]]
    assert sorted(ranked) == sorted(c.pk for c in written.communities)
    overdue = body["overdue"]
    assert len(overdue) == 1
    assert overdue[0]["url"] == f"/issues/{overdue[0]['id']}/"


@pytest.mark.parametrize("embedded", [False, True], ids=["postgresql", "orm"])
def test_the_rollup_sums_are_the_hand_count_by_plain_sql_and_by_the_orm(
    written, office_a, monkeypatch, embedded
):
    # The selector reads its subtree rollups and open issues in plain SQL on PostgreSQL and
    # through the ORM on the quick start's SQLite (no arrays there): both give the hand count.
    import reports.dashboard as module

    if embedded:
        monkeypatch.setattr(module, "_tree_sums", module._tree_sums_orm)
        monkeypatch.setattr(module, "_open_issues", module._open_issues_orm)
    leader = make_account(Role.LEADER, written.street)
    ended = dashboard(user=leader, region=written.street, date_from=TWO_AGO, date_to=LAST_MONTH)
    assert ended.figures["patrols"] == 10
    assert ended.figures["patrols_invalid"] == 2
    assert ended.figures["issues_found"] == 3
    assert ended.figures["issues_closed"] == 0  # closed this month, after the period
    assert ended.figures["issues_found_closed"] == 0
    assert ended.figures["cleanups"] == 2  # the first one moved into last month
    assert ended.figures["garbage_t"] == Decimal("15.75")
    assert [m["patrols"] for m in ended.series["months"]] == [5, 5]
    assert {row["key"]: row["n"] for row in ended.series["by_category"]} == {
        "dumping": 2,
        "garbage": 1,
    }
    by_status = {row["key"]: row["n"] for row in ended.series["by_status"]}
    assert by_status[IssueStatus.CLOSED] == 1 and by_status[IssueStatus.ASSIGNED] == 1
    assert by_status[IssueStatus.REPORTED] == 1
    # Open now: the one assigned (overdue since two months ago, on reach 1) and the one reported
    # last month without a deadline.
    assert ended.figures["issues_open"] == 2
    assert [
        (row["region"], row["reach"], row["status"], row["deadline"]) for row in ended.overdue
    ] == [("街道1社区1", "街道1河 街道1社区1段", "assigned", TWO_AGO.replace(day=20))]
    # With this month: the first issue, found two months ago, was closed in it.
    running = dashboard(user=leader, region=written.street, date_from=TWO_AGO, date_to=TODAY)
    assert running.figures["issues_closed"] == 1
    assert running.figures["issues_found_closed"] == 1
    closed_by_community = {
        row["region_id"]: row["closed"] for row in running.series["resolution_ranking"]
    }
    # All three issues were found on reach 1, in the street's first community.
    assert closed_by_community == {written.communities[0].pk: 1, written.communities[1].pk: 0}


def test_dashboard_api_refuses_a_region_outside_and_chiefs(api, office_b, written):
    client = api.as_user(office_b)
    outside = client.get("/api/v1/dashboard/", {"region": written.street.pk})
    assert outside.status_code == 400
    assert "region" in outside.json()
    assert client.get("/api/v1/dashboard/map/", {"region": written.street.pk}).status_code == 400
    backwards = client.get("/api/v1/dashboard/", {"date_from": LAST_MONTH, "date_to": TWO_AGO})
    assert backwards.status_code == 400
    chief = make_account(Role.CHIEF, written.chiefs[1].region, chief=written.chiefs[1])
    assert api.as_user(chief).get("/api/v1/dashboard/").status_code == 403
    assert api.as_user(chief).get("/api/v1/dashboard/map/").status_code == 403


def test_dashboard_of_a_region_the_account_cannot_see_is_empty(office_b, written, street_b):
    county = figures_of_rollups(office_b, street_b.street.parent, TWO_AGO, LAST_MONTH)
    assert county["patrols"] == 0 and county["issues_found"] == 0
    assert county["issues_open"] == 0 and county["patrol_rate"] is None
    own = figures_of_rollups(office_b, street_b.street, TWO_AGO, LAST_MONTH)
    assert own["patrols"] == 1 and own["issues_found"] == 1


def test_map_is_geojson_of_the_region_only(api, office_a, written, street_b):
    written.reaches[0].geometry = {
        "type": "LineString",
        "coordinates": [[113.65, 34.78], [113.66, 34.79]],
    }
    written.reaches[0].save()
    street_b.reaches[0].geometry = {
        "type": "LineString",
        "coordinates": [[113.7, 34.7], [113.71, 34.71]],
    }
    street_b.reaches[0].save()
    response = api.as_user(office_a).get("/api/v1/dashboard/map/")
    assert response.status_code == 200
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    layers = {}
    for feature in collection["features"]:
        layers.setdefault(feature["properties"]["layer"], []).append(feature)
    assert [f["id"] for f in layers["reaches"]] == [f"reach-{written.reaches[0].pk}"]
    assert layers["reaches"][0]["geometry"]["type"] == "LineString"
    # Open issues only (the closed one is gone), coloured by status.
    assert len(layers["issues"]) == 2
    assert {f["properties"]["status"] for f in layers["issues"]} == {"reported", "assigned"}
    assert all(f["properties"]["colour"].startswith("#") for f in layers["issues"])
    assert len(layers["outfalls"]) == 2 and len(layers["signs"]) == 2
    assert all(f["geometry"]["type"] == "Point" for f in layers["signs"])


def test_map_converts_to_gcj02_when_the_tiles_want_it(office_a, written, settings):
    settings.MAP_TILE_CRS = "gcj02"
    sign = written.reaches[0].signs.first()
    sign.lat, sign.lon = Decimal("39.911954"), Decimal("116.377817")
    sign.save()
    collection = dashboard_map(user=office_a, region=written.street)
    point = next(f for f in collection["features"] if f["id"] == f"sign-{sign.pk}")
    assert point["geometry"]["coordinates"] == [116.384047, 39.913345]
    plain = dashboard_map(user=office_a, region=written.street, crs="wgs84")
    point = next(f for f in plain["features"] if f["id"] == f"sign-{sign.pk}")
    assert point["geometry"]["coordinates"] == [116.377817, 39.911954]


def test_reach_geometry_is_read_and_written_through_the_api_and_validated(api, office_a, street_a):
    client = api.as_user(office_a)
    reach = street_a.reaches[0]
    line = {"type": "LineString", "coordinates": [[113.65, 34.78], [113.66, 34.79]]}
    response = client.patch(f"/api/v1/reaches/{reach.pk}/", {"geometry": line}, format="json")
    assert response.status_code == 200, response.content
    assert client.get(f"/api/v1/reaches/{reach.pk}/").json()["geometry"] == line
    for bad in (
        {"type": "LineString", "coordinates": [[113.65, 34.78]]},
        {"type": "Point", "coordinates": [113.65, 34.78]},
        {"type": "LineString", "coordinates": [[213.65, 34.78], [113.66, 34.79]]},
        {"type": "LineString", "coordinates": [[113.65, 94.78], [113.66, 34.79]]},
        {"type": "LineString", "coordinates": [[113.65, "x"], [113.66, 34.79]]},
    ):
        response = client.patch(f"/api/v1/reaches/{reach.pk}/", {"geometry": bad}, format="json")
        assert response.status_code == 400, bad
        assert "geometry" in response.json()


# --- the page -----------------------------------------------------------------------------------


def test_page_shows_figures_charts_overdue_and_map_for_a_leader(client, written):
    leader = make_account(Role.LEADER, written.street)
    client.force_login(leader)
    response = client.get(
        "/dashboard/",
        {
            "period": "custom",
            "month_from": TWO_AGO.strftime("%Y-%m"),
            "month_to": LAST_MONTH.strftime("%Y-%m"),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="patrols">10<' in html
    assert 'id="dashboard-charts"' in html and 'id="dashboard-map-config"' in html
    assert html.count('data-chart="') == 5
    overdue = Issue.objects.get(status=IssueStatus.ASSIGNED)
    assert f'href="/issues/{overdue.pk}/"' in html
    assert "<script>" not in html  # no inline scripts: data only, in json_script blocks
    assert "vendor/echarts/echarts.min.js" in html and "vendor/leaflet/leaflet.js" in html


def test_page_refuses_chiefs_and_hides_other_regions(client, written, street_b, office_b):
    chief = make_account(Role.CHIEF, written.chiefs[1].region, chief=written.chiefs[1])
    client.force_login(chief)
    assert client.get("/dashboard/").status_code == 403
    client.force_login(office_b)
    assert client.get("/dashboard/", {"region": written.street.pk}).status_code == 404
    assert client.get("/dashboard/", {"region": street_b.street.pk}).status_code == 200


def test_page_shows_custom_period_errors_inline(client, office_a, written):
    client.force_login(office_a)
    response = client.get(
        "/dashboard/", {"period": "custom", "month_from": "2025-05", "month_to": "2025-01"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "截止月份不能早于起始月份。" in html


@pytest.fixture
def lots_of_data(written, street_b):
    """Many more rows of every kind in street A's communities (bulk, then rolled up)."""
    from patrols.models import Patrol

    reach1, reach2 = written.reaches
    chiefs = [
        factories.ChiefFactory(region=written.communities[i % 2], role=ChiefRole.COMMUNITY_CHIEF)
        for i in range(30)
    ]
    patrols = []
    for n, chief in enumerate(chiefs):
        for day in range(1, 28, 3):
            start = at(LAST_MONTH.replace(day=day))
            patrols.append(
                Patrol(
                    chief=chief,
                    reach=reach1 if n % 2 == 0 else reach2,
                    started_at=start,
                    ended_at=start + datetime.timedelta(minutes=40),
                    started_on=start.date(),
                    valid=True,
                )
            )
    Patrol.objects.bulk_create(patrols)
    for n in range(60):
        row = report(None, reach1 if n % 2 else reach2, TWO_AGO.replace(day=1 + n % 27))
        Issue.objects.filter(pk=row.pk).update(
            status=IssueStatus.RECTIFYING, deadline=TWO_AGO.replace(day=28), lat=34.7, lon=113.6
        )
    rollups.rebuild(first=TWO_AGO, last=LAST_MONTH)
    return written


def test_page_and_api_answer_in_few_queries_with_lots_of_data(
    client, api, lots_of_data, django_assert_max_num_queries
):
    leader = make_account(Role.LEADER, lots_of_data.street)
    client.force_login(leader)
    # 15, one for the latest published assessment round (none here) and one for the monitoring
    # points' period means.
    with django_assert_max_num_queries(17):
        response = client.get("/dashboard/", {"period": "year"})
    assert response.status_code == 200
    api_client = api.as_user(leader)
    with django_assert_max_num_queries(17):
        response = api_client.get(
            "/api/v1/dashboard/", {"date_from": TWO_AGO, "date_to": LAST_MONTH}
        )
    assert response.status_code == 200
    assert response.json()["figures"]["issues_overdue"] == 61
    assert len(response.json()["overdue"]) == 20
    # 15, and two for the monitoring points with their latest reading.
    with django_assert_max_num_queries(17):
        response = api_client.get("/api/v1/dashboard/map/")
    assert response.status_code == 200
