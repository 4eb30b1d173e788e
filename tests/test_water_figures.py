"""The water-quality figures (points meeting their target, by the period's means), the report's
clause that states them, the dashboard's figures and its map of graded points.

The world, by hand (GB 3838-2002 Table 1, rivers; every point on the street's one reach):

清河桥 (target III), 2025: four readings; one of them alone (June, NH3-N 1.2) is class IV, but
  the means are DO 26.0/4 = 6.5 (II), CODMn 18/4 = 4.5 (III), NH3-N 3.2/4 = 0.8 (III),
  TP 0.52/4 = 0.13 (III): III, meets. 2024: June DO 6.0, NH3-N 0.8: III, meets. 2026-01-10:
  NH3-N 3.0 (worse than V): its latest reading, outside 2025.
沙河闸 (target III), 2025: CODMn (8+6)/2 = 7 (IV), NH3-N (1.3+1.1)/2 = 1.2 (IV), TP
  (0.25+0.21)/2 = 0.23 (IV): IV, misses. 2024: NH3-N 0.9, TP 0.15: III, meets. Latest: October
  2025 (CODMn 6 III, NH3-N 1.1 IV, TP 0.21 IV): IV.
柳河口 (target IV), 2025: NH3-N (2.6+1.8)/2 = 2.2 (worse than V), TP (0.5+0.3)/2 = 0.4 (V):
  worse than V, misses. No reading in 2024. Latest: November (NH3-N 1.8 V, TP 0.3 IV): V.
新断面 (target III): no reading at all. 邻街断面: another street's, with readings: never counted.

So 2025: 3 points, 1 meeting target (33.3%), 1 worse than V; 2024: 2 points, 2 meeting
(100%): "较上年下降66.7个百分点". Q2 2025: 清河桥 June alone IV, 沙河闸 April IV, 柳河口 May
(NH3-N 2.6, TP 0.5) worse than V: 3 points, none meeting; Q2 2024: 清河桥 alone, meeting.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import documents
from reports.content import ReportSpec, compose
from reports.figures import Scope, point_periods
from reports.models import Report, ReportKind, Rounding
from reports.statistics import region_statistics, report_details
from tests.report_text import plain_text

from . import factories
from .conftest import make_account
from .test_report_seed import docx_paragraphs, pdf_text

D = datetime.date

SENTENCE_2025 = (
    "辖区3个监测断面中1个达到目标水质（达标率33.3%），较上年下降66.7个百分点；劣Ⅴ类断面1个。"
)


def _reading(point, day, **values):
    return factories.WaterReadingFactory(
        point=point, sampled_on=day, **{k: Decimal(v) for k, v in values.items()}
    )


@pytest.fixture
def water(county):
    street = factories.StreetFactory(parent=county, name="清河街道")
    community = factories.CommunityFactory(parent=street, name="东关社区")
    river = factories.RiverFactory(region=street, name="清河")
    reach = factories.ReachFactory(river=river, region=community, name="东关社区段")

    def point(name, code, target, lat):
        return factories.MonitoringPointFactory(
            name=name, code=code, reach=reach, river=river, target_grade=target, lat=lat
        )

    bridge = point("清河桥", "DM001", "III", Decimal("34.751000"))
    sluice = point("沙河闸", "DM002", "III", Decimal("34.752000"))
    mouth = point("柳河口", "DM003", "IV", Decimal("34.753000"))
    new = point("新断面", "DM004", "III", Decimal("34.754000"))

    _reading(bridge, D(2025, 3, 10), do="7.0", codmn="4.0", nh3n="0.6", tp="0.10")
    _reading(bridge, D(2025, 6, 10), do="6.0", codmn="5.0", nh3n="1.2", tp="0.16")
    _reading(bridge, D(2025, 9, 10), do="6.6", codmn="4.6", nh3n="0.9", tp="0.14")
    _reading(bridge, D(2025, 12, 10), do="6.4", codmn="4.4", nh3n="0.5", tp="0.12")
    _reading(bridge, D(2024, 6, 12), do="6.0", nh3n="0.8")
    _reading(bridge, D(2026, 1, 10), nh3n="3.0")
    _reading(sluice, D(2025, 4, 8), codmn="8.0", nh3n="1.3", tp="0.25")
    _reading(sluice, D(2025, 10, 8), codmn="6.0", nh3n="1.1", tp="0.21")
    _reading(sluice, D(2024, 7, 8), nh3n="0.9", tp="0.15")
    _reading(mouth, D(2025, 5, 6), nh3n="2.6", tp="0.5")
    _reading(mouth, D(2025, 11, 6), nh3n="1.8", tp="0.3")

    other_street = factories.StreetFactory(parent=county, name="邻街道")
    other = factories.MonitoringPointFactory(
        name="邻街断面",
        code="DM099",
        reach=factories.ReachFactory(
            river=factories.RiverFactory(region=other_street),
            region=factories.CommunityFactory(parent=other_street),
        ),
    )
    _reading(other, D(2025, 5, 6), nh3n="5.0")
    _reading(other, D(2024, 5, 6), nh3n="5.0")

    class World:
        pass

    world = World()
    world.street, world.county = street, county
    world.bridge, world.sluice, world.mouth, world.new, world.other = (
        bridge,
        sluice,
        mouth,
        new,
        other,
    )
    world.office = make_account("office", street)
    return world


def _scope(world, first, last):
    return Scope.of(region=world.street, date_from=first, date_to=last)


def _text(world, kind, year, period=0):
    from reports.statistics import period_bounds

    first, last = period_bounds(kind=kind, year=year, period=period)
    statistics = region_statistics(region=world.street, date_from=first, date_to=last)
    details = report_details(
        region=world.street, date_from=first, date_to=last, statistics=statistics
    )
    spec = ReportSpec(
        region_name=world.street.name,
        region_level=world.street.level,
        kind=kind,
        year=year,
        period=period,
        document_date=D(2026, 1, 5),
    )
    return "\n".join(plain_text(compose(spec=spec, figures=statistics, details=details)))


# --- the period's grade ---------------------------------------------------------------------------


def test_a_points_grade_for_the_period_is_the_grade_of_its_means(water):
    periods = {p.code: p for p in point_periods(_scope(water, D(2025, 1, 1), D(2025, 12, 31)))}
    assert set(periods) == {"DM001", "DM002", "DM003"}  # none without readings, none next door
    bridge = periods["DM001"]
    assert bridge.readings == 4
    assert bridge.last_sampled == D(2025, 12, 10)
    assert {p: Decimal(v).quantize(Decimal("0.0001")) for p, v in bridge.means.items()} == {
        "do": Decimal("6.5000"),
        "codmn": Decimal("4.5000"),
        "nh3n": Decimal("0.8000"),
        "tp": Decimal("0.1300"),
    }
    # June's reading alone is IV; the year's means are III.
    assert bridge.grade == "III" and bridge.meets_target is True
    assert periods["DM002"].grade == "IV" and periods["DM002"].meets_target is False
    assert periods["DM003"].grade == "worse_than_V" and periods["DM003"].meets_target is False


def test_stats_counts_the_points_meeting_target_and_the_year_before(water, api):
    client = api.as_user(water.office)
    year = client.get(
        "/api/v1/stats/",
        {"region": water.street.pk, "date_from": "2025-01-01", "date_to": "2025-12-31"},
    ).json()
    assert (
        year["monitoring_points"],
        year["points_meeting_target"],
        year["points_worse_than_v"],
        year["target_rate"],
    ) == (3, 1, 1, 0.3333)
    before = client.get(
        "/api/v1/stats/",
        {"region": water.street.pk, "date_from": "2024-01-01", "date_to": "2024-12-31"},
    ).json()
    assert (
        before["monitoring_points"],
        before["points_meeting_target"],
        before["points_worse_than_v"],
        before["target_rate"],
    ) == (2, 2, 0, 1.0)
    # No reading in 2023: no point, no rate.
    none = client.get(
        "/api/v1/stats/",
        {"region": water.street.pk, "date_from": "2023-01-01", "date_to": "2023-12-31"},
    ).json()
    assert none["monitoring_points"] == 0 and none["target_rate"] is None


def test_the_records_of_a_water_figure_are_its_points(water, api):
    client = api.as_user(water.office)
    query = {"region": water.street.pk, "date_from": "2025-01-01", "date_to": "2025-12-31"}
    meeting = client.get("/api/v1/stats/records/", {"figure": "points_meeting_target", **query})
    assert meeting.status_code == 200
    body = meeting.json()
    assert body["count"] == 1
    assert [row["id"] for row in body["results"]] == [water.bridge.pk]
    assert body["results"][0]["label"] == "清河桥：Ⅲ类（目标Ⅲ类，4次监测的均值）"
    assert body["results"][0]["url"] == f"/water/points/{water.bridge.pk}/"
    rate = client.get("/api/v1/stats/records/", {"figure": "target_rate", **query}).json()
    assert (rate["numerator"], rate["denominator"], rate["count"]) == (1, 3, 3)


def test_the_records_page_lists_the_points_of_a_water_figure(water, client):
    client.force_login(water.office)
    page = client.get(
        "/reports/records/",
        {
            "figure": "points_worse_than_v",
            "region": water.street.pk,
            "date_from": "2025-01-01",
            "date_to": "2025-12-31",
        },
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "柳河口：劣Ⅴ类（目标Ⅳ类，2次监测的均值）" in html
    assert "清河桥" not in html and "沙河闸" not in html


# --- the report ---------------------------------------------------------------------------------


def _numbers(sentence: str) -> dict[str, str]:
    found = re.search(
        r"辖区(\d+)个监测断面中(\d+)个达到目标水质（达标率([\d.]+)%）.*?劣Ⅴ类断面(\d+)个", sentence
    )
    assert found, sentence
    points, meeting, rate, worse = found.groups()
    return {"points": points, "meeting": meeting, "rate": rate, "worse": worse}


def test_the_annual_report_states_the_share_of_points_meeting_target_as_stats_does(
    water, api, tmp_path
):
    report = Report.objects.create(
        region=water.street, kind=ReportKind.ANNUAL, year=2025, period=0, rounding=Rounding.EXACT
    )
    built = documents.build_documents(report=report, on_progress=lambda _: None)
    text = pdf_text(built.pdf, tmp_path)
    assert SENTENCE_2025 in text
    assert SENTENCE_2025 in docx_paragraphs(built.docx)
    # It closes the part on river works, as the seeds' summaries would.
    part = built.data["sections"]["sections"][0]["parts"][3]
    assert part["heading"] == "（四）开展河道整治，提升治理水平"
    assert part["paragraphs"][-1] == SENTENCE_2025
    # The snapshot keeps the figures and the year before.
    assert built.data["figures"]["monitoring_points"] == 3
    assert built.data["details"]["water_year_before"]["target_rate"] == 1.0

    # Done-when: the report's numbers are stats/'s for the same region and period.
    stats = (
        api.as_user(water.office)
        .get(
            "/api/v1/stats/",
            {"region": water.street.pk, "date_from": "2025-01-01", "date_to": "2025-12-31"},
        )
        .json()
    )
    said = _numbers(SENTENCE_2025)
    assert said == {
        "points": str(stats["monitoring_points"]),
        "meeting": str(stats["points_meeting_target"]),
        "rate": f"{Decimal(str(stats['target_rate'])) * 100:.1f}",
        "worse": str(stats["points_worse_than_v"]),
    }


def test_a_quarter_compares_with_the_same_quarter_a_year_before(water):
    text = _text(water, ReportKind.QUARTERLY, 2025, 2)
    assert (
        "辖区3个监测断面中0个达到目标水质（达标率0%），较上年同期下降100个百分点；劣Ⅴ类断面1个。"
        in text
    )


def test_without_a_year_before_or_a_point_worse_than_v_those_clauses_are_left_out(water):
    text = _text(water, ReportKind.ANNUAL, 2024)
    assert "辖区2个监测断面中2个达到目标水质（达标率100%）。" in text
    assert "较上年" not in text and "劣Ⅴ类" not in text


def test_a_rate_equal_to_the_year_before_is_level(water):
    # 2024's sluice reading is copied into 2023 and 2024's bridge too: 2 of 2 both years.
    _reading(water.bridge, D(2023, 6, 12), do="6.0", nh3n="0.8")
    _reading(water.sluice, D(2023, 7, 8), nh3n="0.9", tp="0.15")
    assert "（达标率100%），较上年持平。" in _text(water, ReportKind.ANNUAL, 2024)


def test_without_readings_the_report_says_nothing_of_water_quality(water):
    text = _text(water, ReportKind.ANNUAL, 2023)
    assert "监测断面" not in text and "水质" not in text and "达标率" not in text


# --- the dashboard ------------------------------------------------------------------------------


def test_the_dashboard_figures_are_the_stats_figures(water, api):
    client = api.as_user(make_account("leader", water.street))
    dashboard = client.get(
        "/api/v1/dashboard/",
        {"region": water.street.pk, "date_from": "2025-01-01", "date_to": "2025-12-31"},
    ).json()["figures"]
    assert (
        dashboard["monitoring_points"],
        dashboard["points_meeting_target"],
        dashboard["points_worse_than_v"],
        dashboard["target_rate"],
    ) == (3, 1, 1, 0.3333)


def test_the_dashboard_map_colours_each_point_by_its_latest_grade(water, api):
    client = api.as_user(make_account("leader", water.street))
    collection = client.get("/api/v1/dashboard/map/", {"region": water.street.pk}).json()
    points = {
        f["properties"]["name"]: f["properties"]
        for f in collection["features"]
        if f["properties"]["layer"] == "points"
    }
    assert set(points) == {"清河桥", "沙河闸", "柳河口", "新断面"}  # the region's alone
    seen = {
        name: (p["grade"], p["colour"], p["sampled_on"], p["meets_target"])
        for name, p in points.items()
    }
    assert seen == {
        "清河桥": ("worse_than_V", "#c92a2a", "2026-01-10", False),
        "沙河闸": ("IV", "#f5d90a", "2025-10-08", False),
        "柳河口": ("V", "#f08c00", "2025-11-06", False),
        "新断面": (None, "#e9ecef", None, None),
    }
    assert points["柳河口"]["grade_label"] == "Ⅴ类"
    assert points["柳河口"]["status_label"] == "中度污染"
    assert points["柳河口"]["target_label"] == "Ⅳ类"
    assert points["沙河闸"]["url"] == f"/water/points/{water.sluice.pk}/"
    assert collection["capped"]["points"] is False


def test_the_dashboard_reads_many_points_in_as_many_queries_as_few(water, client, api):
    leader = make_account("leader", water.street)
    client.force_login(leader)
    year = {"region": water.street.pk, "date_from": "2025-01-01", "date_to": "2025-12-31"}
    reads = {
        "map": lambda: api.as_user(leader).get(
            "/api/v1/dashboard/map/", {"region": year["region"]}
        ),
        "figures": lambda: api.as_user(leader).get("/api/v1/dashboard/", year),
        "page": lambda: client.get(
            "/dashboard/", {"region": year["region"], "period": "last_year"}
        ),
    }

    def queries() -> dict[str, int]:
        counted = {}
        for name, read in reads.items():
            read()  # the session and caches warm, as on a second look
            with CaptureQueriesContext(connection) as context:
                assert read().status_code == 200
            counted[name] = len(context)
        return counted

    few = queries()
    reach = water.bridge.reach
    for _n in range(30):
        point = factories.MonitoringPointFactory(reach=reach, river=reach.river)
        _reading(point, D(2025, 3, 1), nh3n="0.4")
        _reading(point, D(2025, 9, 1), nh3n="1.6")
    assert queries() == few
    # The map: 15 reads of its other layers, 2 for the points and their latest readings.
    assert few["map"] <= 17
    answer = reads["map"]().json()
    assert len([f for f in answer["features"] if f["id"].startswith("point-")]) == 34
    # The 30 new points: NH3-N (0.4 + 1.6) / 2 = 1.0, III, meeting their target III.
    figures = reads["figures"]().json()["figures"]
    assert (figures["monitoring_points"], figures["points_meeting_target"]) == (33, 31)


def test_the_dashboard_page_has_the_grade_legend_and_figure(water, client):
    client.force_login(make_account("leader", water.street))
    html = client.get("/dashboard/", {"region": water.street.pk, "period": "last_year"})
    html = html.content.decode()
    assert 'data-layer="points"' in html
    for grade in ("I", "II", "III", "IV", "V", "worse_than_V"):
        assert f'class="grade-dot grade-{grade}"' in html
    assert "重度污染" in html
    assert "/water/grades.css" in html


def test_the_grade_colours_are_served_from_the_one_table(client):
    answer = client.get("/water/grades.css")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/css")
    css = answer.content.decode()
    assert ".grade-I { background: #cdeffd;" in css
    assert ".grade-III { background: #2e9e4f;" in css
    assert ".grade-worse_than_V { background: #c92a2a;" in css
    assert ".grade-none { background: #e9ecef;" in css
