"""`seed_demo`'s water quality: five monitoring sections on three of the first street's rivers,
a year of monthly readings up to last month and quarterly ones the year before, written by the
office through the services; two points meet their target all year, one gets worse, one is 劣V.
The grades are GB 3838-2002's (``rivers.water_quality.assess``), stated here by hand."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from audit.models import AuditEntry
from demo.street import build_demo
from rivers.models import MonitoringLevel, MonitoringPoint, WaterReading
from rivers.water_quality import assess

TODAY = datetime.date(2026, 11, 22)
THIS_YEAR = datetime.date(2025, 11, 10)  # the first of the twelve monthly readings


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo street without its year of patrols, issues and activities (their own tests
    cover those), built once for the module and rolled back after."""
    skipped = ("build_patrols", "build_issues", "build_activities", "build_assessment")
    mp = pytest.MonkeyPatch()
    for name in skipped:
        mp.setattr(f"demo.street.{name}", lambda **kwargs: 0)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            yield build_demo(today=TODAY)
            transaction.set_rollback(True)
    finally:
        mp.undo()


@pytest.fixture
def demo(seeded, db):
    return seeded


def grades(code: str, *, since: datetime.date = THIS_YEAR) -> list[str]:
    """The point's grades by its readings since ``since``, oldest first."""
    point = MonitoringPoint.objects.get(code=code)
    readings = point.readings.filter(sampled_on__gte=since).order_by("sampled_on")
    return [assess(r.values, target=point.target_grade).grade for r in readings]


def test_five_points_on_three_of_the_streets_rivers(demo):
    points = {
        p.code: (p.name, p.river.name, p.level, p.target_grade)
        for p in MonitoringPoint.objects.select_related("river")
    }
    assert points == {
        "DF-SZ-01": ("贾鲁河庙李桥断面", "贾鲁河", MonitoringLevel.BOUNDARY, "III"),
        "DF-SZ-02": ("贾鲁河张家村桥断面", "贾鲁河", MonitoringLevel.COUNTY, "IV"),
        "DF-SZ-03": ("东风渠东风桥断面", "东风渠", MonitoringLevel.CITY, "IV"),
        "DF-SZ-04": ("东风渠关虎屯桥断面", "东风渠", MonitoringLevel.BOUNDARY, "IV"),
        "DF-SZ-05": ("金水河丰庆路桥断面", "金水河", MonitoringLevel.COUNTY, "III"),
    }
    for point in MonitoringPoint.objects.select_related("river", "reach"):
        assert point.river.region.name == "东风街道"
        # On the demo's map of urban Zhengzhou, and on its reach's river.
        assert Decimal("34.6") < point.lat < Decimal("34.95"), point.name
        assert Decimal("113.45") < point.lon < Decimal("113.85"), point.name
        if point.reach is not None:
            assert point.reach.river_id == point.river_id
    # The sections in a community lie on its reach; the boundary ones belong to the street.
    on_reach = dict(MonitoringPoint.objects.values_list("code", "reach__name"))
    assert on_reach == {
        "DF-SZ-01": None,
        "DF-SZ-02": "张家村社区段",
        "DF-SZ-03": "东风社区段",
        "DF-SZ-04": None,
        "DF-SZ-05": "丰庆路社区段",
    }


def test_a_year_of_monthly_readings_up_to_last_month_and_quarterly_ones_before(demo):
    readings = WaterReading.objects.filter(point__code="DF-SZ-03")
    days = sorted(readings.values_list("sampled_on", flat=True))
    D = datetime.date
    assert days == [
        D(2024, 11, 10),
        D(2025, 2, 10),
        D(2025, 5, 10),
        D(2025, 8, 10),
        *(D(2025, 11, 10), D(2025, 12, 10)),
        *(D(2026, month, 10) for month in range(1, 11)),
    ]
    assert WaterReading.objects.count() == 5 * 16
    # Written by the office through the services: each point and reading audited.
    audited = AuditEntry.objects.filter(object_type="rivers.waterreading", user__username="office")
    assert audited.count() == 80
    assert demo.counts["monitoring_points"] == 5
    assert demo.counts["water_readings"] == 80


def test_one_point_is_worse_than_class_v(demo):
    latest = WaterReading.objects.filter(point__code="DF-SZ-04").order_by("-sampled_on").first()
    assert latest.sampled_on == datetime.date(2026, 10, 10)
    # October: ammonia 2.4 mg/L, total phosphorus 0.5 mg/L, both beyond class V.
    assert (latest.nh3n, latest.tp) == (Decimal("2.400"), Decimal("0.500"))
    assert latest.assessment.grade == "worse_than_V"
    assert latest.assessment.deciding == ["nh3n", "tp"]
    assert set(grades("DF-SZ-04")) == {"worse_than_V"}


def test_one_point_gets_worse_over_the_year(demo):
    year = grades("DF-SZ-02")
    # Ammonia rising from 0.40 mg/L to 1.85: class II in November, V by October.
    assert (year[0], year[-1]) == ("II", "V")
    # It met its target (IV) the year before and all year until the last two months.
    assert grades("DF-SZ-02", since=datetime.date(2000, 1, 1))[:4] == ["II", "II", "III", "III"]
    assert year[-3:] == ["IV", "V", "V"]


def test_two_points_meet_their_target_all_year_and_one_only_outside_summer(demo):
    meeting = {
        point.code
        for point in MonitoringPoint.objects.all()
        if all(
            reading.assessment.meets_target
            for reading in point.readings.filter(sampled_on__gte=THIS_YEAR)
        )
    }
    assert meeting == {"DF-SZ-01", "DF-SZ-03"}
    assert grades("DF-SZ-01") == ["III"] * 12
    # 金水河: total phosphorus 0.204 mg/L (class IV, over its target III) in July and August.
    assert grades("DF-SZ-05") == ["III"] * 8 + ["IV", "IV", "III", "III"]
