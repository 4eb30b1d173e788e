"""The monitoring-points/ and water-readings/ API: scoping, who may write, the grade computed on
read from the values (worked out by hand from GB 3838-2002's Table 1), filters and bad input."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Role
from rivers.models import MonitoringPoint, RiverKind, WaterReading

from . import factories
from .conftest import make_account

POINTS = "/api/v1/monitoring-points/"
READINGS = "/api/v1/water-readings/"


@pytest.fixture
def point_a(street_a):
    reach = street_a.reaches[0]
    return factories.MonitoringPointFactory(
        name="东桥断面", code="DM-A1", reach=reach, river=reach.river, target_grade="III"
    )


@pytest.fixture
def point_b(street_b):
    reach = street_b.reaches[0]
    return factories.MonitoringPointFactory(code="DM-B1", reach=reach, river=reach.river)


def test_a_reading_answers_its_grade_deciding_parameters_target_and_multiples(
    api, office_a, point_a
):
    factories.WaterReadingFactory(
        point=point_a,
        sampled_on=datetime.date(2026, 5, 10),
        do=Decimal("4.2"),  # IV (>= 3, < 5)
        codmn=Decimal("5.1"),  # III
        nh3n=Decimal("1.65"),  # V (> 1.5, <= 2.0)
        tp=Decimal("0.36"),  # V (> 0.3, <= 0.4)
    )
    response = api.as_user(office_a).get(READINGS)
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["point"] == point_a.pk
    assert row["sampled_on"] == "2026-05-10"
    assert row["values"]["nh3n"] == 1.65
    assert row["values"]["tn"] is None
    assert row["grade"] == "V"
    assert row["deciding"] == ["nh3n", "tp"]
    assert row["meets_target"] is False
    # target III: NH3-N 1.65/1.0 - 1 = 0.65; TP 0.36/0.2 - 1 = 0.80; DO gets none
    assert row["exceedances"] == {"nh3n": 0.65, "tp": 0.8}


def test_correcting_a_points_target_regrades_its_readings(api, office_a, point_a):
    factories.WaterReadingFactory(point=point_a, nh3n=Decimal("0.8"))  # III
    client = api.as_user(office_a)
    assert client.get(READINGS).json()["results"][0]["meets_target"] is True
    response = client.patch(f"{POINTS}{point_a.pk}/", {"target_grade": "II"}, format="json")
    assert response.status_code == 200
    row = client.get(READINGS).json()["results"][0]
    # target II: NH3-N limit 0.5; 0.8/0.5 - 1 = 0.60
    assert (row["meets_target"], row["exceedances"]) == (False, {"nh3n": 0.6})


def test_an_office_creates_a_point_and_a_lake_river_makes_a_lake_point(api, office_a, street_a):
    lake = factories.RiverFactory(region=street_a.street, kind=RiverKind.LAKE, name="东湖")
    response = api.as_user(office_a).post(
        POINTS,
        {
            "name": "湖心",
            "code": "DM-LAKE",
            "river": lake.pk,
            "lat": "34.7",
            "lon": "113.6",
            "level": "county",
            "target_grade": "III",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["water_body"] == "lake"
    assert response.json()["reach"] is None


def test_a_point_on_a_reach_of_another_river_is_refused(api, office_a, street_a):
    other = factories.RiverFactory(region=street_a.street)
    response = api.as_user(office_a).post(
        POINTS,
        {
            "name": "错段",
            "code": "DM-X",
            "river": other.pk,
            "reach": street_a.reaches[0].pk,
            "lat": "34.7",
            "lon": "113.6",
            "level": "county",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "reach" in response.json()


def test_an_office_records_a_reading_for_a_lake_point(api, office_a, street_a):
    lake = factories.RiverFactory(region=street_a.street, kind=RiverKind.LAKE)
    point = factories.MonitoringPointFactory(
        reach=None, river=lake, water_body="lake", target_grade="III"
    )
    response = api.as_user(office_a).post(
        READINGS,
        {"point": point.pk, "sampled_on": "2026-06-01", "values": {"tp": "0.08", "tn": "0.9"}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    # lake TP 0.08: IV (0.05 < 0.08 <= 0.1); TN 0.9: III; target III TP limit 0.05 -> 0.60
    assert (body["grade"], body["deciding"], body["exceedances"]) == ("IV", ["tp"], {"tp": 0.6})
    reading = WaterReading.objects.get()
    assert (reading.tp, reading.tn, reading.do) == (Decimal("0.08"), Decimal("0.9"), None)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"do": "25"}, "do"),  # over 20 mg/L
        ({"nh3n": "-0.1"}, "nh3n"),
        ({"tp": "abc"}, "tp"),
    ],
)
def test_a_reading_outside_the_physical_range_is_refused(api, office_a, point_a, values, field):
    response = api.as_user(office_a).post(
        READINGS, {"point": point_a.pk, "sampled_on": "2026-06-01", "values": values}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["values"]
    assert not WaterReading.objects.exists()


def test_a_reading_with_no_value_is_refused(api, office_a, point_a):
    response = api.as_user(office_a).post(
        READINGS, {"point": point_a.pk, "sampled_on": "2026-06-01", "values": {}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["values"] == ["至少填写一项监测值。"]


def test_a_second_reading_on_the_same_day_is_refused(api, office_a, point_a):
    factories.WaterReadingFactory(point=point_a, sampled_on=datetime.date(2026, 6, 1), do=7)
    response = api.as_user(office_a).post(
        READINGS,
        {"point": point_a.pk, "sampled_on": "2026-06-01", "values": {"do": "6"}},
        format="json",
    )
    assert response.status_code == 400
    assert "sampled_on" in response.json()


def test_chiefs_and_leaders_read_but_do_not_write(api, street_a, chief_a1, point_a):
    leader = make_account(Role.LEADER, street_a.street)
    for user in (chief_a1, leader):
        client = api.as_user(user)
        assert client.get(POINTS).status_code == 200
        response = client.post(
            READINGS,
            {"point": point_a.pk, "sampled_on": "2026-06-01", "values": {"do": "6"}},
            format="json",
        )
        assert response.status_code == 403


def test_points_and_readings_outside_the_region_are_not_found(
    api, office_a, point_a, point_b, street_b
):
    theirs = factories.WaterReadingFactory(point=point_b, do=Decimal("6"))
    factories.WaterReadingFactory(point=point_a, do=Decimal("6"))
    client = api.as_user(office_a)
    assert [p["code"] for p in client.get(POINTS).json()["results"]] == ["DM-A1"]
    assert client.get(f"{POINTS}{point_b.pk}/").status_code == 404
    assert client.get(f"{READINGS}{theirs.pk}/").status_code == 404
    assert client.get(READINGS).json()["count"] == 1
    response = client.post(
        READINGS,
        {"point": point_b.pk, "sampled_on": "2026-06-01", "values": {"do": "6"}},
        format="json",
    )
    assert response.status_code == 400
    assert "point" in response.json()


def test_a_point_on_no_reach_belongs_to_the_region_managing_its_river(api, street_a, street_b):
    point = factories.MonitoringPointFactory(reach=None, river=street_a.reaches[0].river)
    community_a = make_account(Role.OFFICE, street_a.communities[0])
    assert api.as_user(make_account(Role.OFFICE, street_a.street)).get(POINTS).json()["count"] == 1
    # a community office sees the points on its reaches, not those of the river as a whole
    assert api.as_user(community_a).get(POINTS).json()["count"] == 0
    assert MonitoringPoint.objects.in_region(street_b.street).filter(pk=point.pk).count() == 0


def test_readings_filter_by_point_river_and_dates(api, office_a, street_a, point_a):
    other = factories.MonitoringPointFactory(reach=street_a.reaches[1], code="DM-A2")
    other_river = factories.MonitoringPointFactory(
        reach=None, river=factories.RiverFactory(region=street_a.street), code="DM-A3"
    )
    for day in (1, 15, 28):
        factories.WaterReadingFactory(
            point=point_a, sampled_on=datetime.date(2026, 2, day), do=Decimal("6")
        )
    factories.WaterReadingFactory(point=other, sampled_on=datetime.date(2026, 2, 15), do=6)
    factories.WaterReadingFactory(point=other_river, sampled_on=datetime.date(2026, 2, 15), do=6)
    client = api.as_user(office_a)

    def count(query: str) -> int:
        return client.get(f"{READINGS}?{query}").json()["count"]

    assert count(f"point={point_a.pk}") == 3
    assert count(f"river={point_a.river_id}") == 4
    assert count("date_from=2026-02-15&date_to=2026-02-27") == 3
    assert count(f"point={point_a.pk}&date_from=2026-02-02") == 2


def test_the_reading_list_takes_a_bounded_number_of_queries(
    api, office_a, street_a, django_assert_max_num_queries
):
    for i, reach in enumerate(street_a.reaches):
        point = factories.MonitoringPointFactory(reach=reach, code=f"DM-Q{i}")
        for day in range(1, 6):
            factories.WaterReadingFactory(
                point=point, sampled_on=datetime.date(2026, 3, day), do=Decimal("6")
            )
    client = api.as_user(office_a)
    with django_assert_max_num_queries(6):
        assert client.get(READINGS).json()["count"] == 10
    with django_assert_max_num_queries(6):
        assert client.get(POINTS).json()["count"] == 2


def test_the_physical_range_is_explained_in_chinese(api, office_a, point_a):
    response = api.as_user(office_a).post(
        READINGS,
        {"point": point_a.pk, "sampled_on": "2026-06-01", "values": {"do": "25", "tp": "-1"}},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert response.json() == {
        "values": {
            "do": ["超出溶解氧的合理范围（0～20 mg/L），请检查数值和单位。"],
            "tp": ["不能为负数。"],
        }
    }


def test_a_point_with_readings_is_kept_and_one_without_is_deleted(api, office_a, point_a, street_a):
    factories.WaterReadingFactory(point=point_a, do=Decimal("6"))
    empty = factories.MonitoringPointFactory(reach=street_a.reaches[1], code="DM-EMPTY")
    client = api.as_user(office_a)
    assert client.delete(f"{POINTS}{point_a.pk}/").status_code == 409
    assert WaterReading.objects.filter(point=point_a).count() == 1
    assert client.delete(f"{POINTS}{empty.pk}/").status_code == 204
    assert not MonitoringPoint.objects.filter(pk=empty.pk).exists()
