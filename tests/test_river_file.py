"""The river file (一河一档): the page ``/rivers/<pk>/file/``, the API ``rivers/{id}/file/`` and
its PDF through the document pipeline hold the river's literal parts, from a world built by hand.

The year Y is last year (whole, so every day of it has passed); the world:

    清水河 QS-R01, 河流, 6.500 km, managed by 清水街道; reaches
      东村段 (东村, 左岸, 2.500 km) and 西村段 (西村, 两岸, 4.000 km)
    chiefs: 张三 street chief on both reaches since Y-5; on 东村段 李四 community chief
      Y-5-01-01 .. Y-06-30 (past), 王五 community chief since Y-07-01, 赵六 cleaner
    sign QS-GSP-001 on 东村段; outfall 东村雨水排口 (雨水排口); facility 西村便民桥 (便民桥)
    patrols on the river in Y: 李四 2 in March (valid, in post), 张三 1 in May, 王五 1 in August,
      王五 1 invalid in September, 赵六 1 cleaning round in April; and 张三 1 in Y-1 (last year's)
      -> patrols 4: March 2, May 1, August 1; by chief 李四 2, 张三 1, 王五 1; cleaning 1
    issues: A open, reported Y-03-05, deadline Y-03-20 (overdue); B reported Y-04-01, closed
      Y-04-10; C reported Y-1, closed Y-01-15; D open, reported Y-1-11-01, no deadline; E voided in
      Y; F on another river
      -> found 2 (A, B), of them closed 1 (B), closed in the year 2 (B, C); open A (overdue), D
    monitoring points (river, target Ⅲ), graded by hand from GB 3838-2002 Table 1:
      QS-P1 东村断面 on 东村段: Y-02-10 NH3-N 1.8 (Ⅴ); Y-05-10 DO 6.5, CODMn 3.0, NH3-N 0.40,
        TP 0.08 (all Ⅱ) -> latest Ⅱ类, meets target; Y-1's reading not in the year's count
      QS-P2 西村断面 on 西村段: Y-06-15 DO 4.0 (Ⅳ), COD 35 (Ⅴ), NH3-N 2.5 (beyond Ⅴ) -> 劣Ⅴ类,
        deciding NH3-N, not met; over Ⅲ's limits COD 35/20-1 = 0.75, NH3-N 2.5/1.0-1 = 1.50
      QS-P3 入口断面 (no reach): no reading
      -> 3 points, 2 graded, 1 meeting target
    plans: 清水河一河一策（Y-1..Y+1）, tasks by due date: 清理岸线垃圾 (区城管局, Y-06-30,
      done), 截污纳管 (东村, Y-10-31, in progress, note "已完成一半": overdue), 生态补水 (区水利局,
      Y+1-12-31, planned); and an older plan Y-4..Y-2, not the year's
"""

import datetime
import shutil
import subprocess

import pytest
from django.utils import timezone

from accounts.models import Role
from core.documents import build
from core.pdf import cjk_font_families
from reports.models import RiverFile
from reports.river_file_documents import RIVER_FILES
from rivers.models import (
    Bank,
    ChiefRole,
    FacilityKind,
    MonitoringPoint,
    OutfallKind,
    RiverPlan,
    RiverPlanTask,
    RiverPlanTaskNote,
    WaterReading,
)

from . import factories
from .conftest import make_account

pytestmark = pytest.mark.usefixtures("media_root")

TODAY = timezone.localdate()
Y = TODAY.year - 1


class World:
    pass


def _at(day: datetime.date, hour: int = 2) -> datetime.datetime:
    # 02:00 UTC is 10:00 in Asia/Shanghai: the same local day.
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=datetime.UTC)


@pytest.fixture
def world(db) -> World:
    w = World()
    county = factories.CountyFactory(name="示例区", code="990000")
    w.street = factories.StreetFactory(parent=county, name="清水街道", code="990001")
    other_street = factories.StreetFactory(parent=county, name="别的街道", code="990002")
    east = factories.CommunityFactory(parent=w.street, name="东村", code="990001001")
    west = factories.CommunityFactory(parent=w.street, name="西村", code="990001002")
    w.office = make_account(Role.OFFICE, w.street)
    w.leader = make_account(Role.LEADER, w.street)
    w.other_office = make_account(Role.OFFICE, other_street)
    w.river = factories.RiverFactory(
        name="清水河", code="QS-R01", length_km="6.500", region=w.street
    )
    w.east = factories.ReachFactory(
        river=w.river, region=east, name="东村段", bank=Bank.LEFT, length_km="2.500"
    )
    w.west = factories.ReachFactory(
        river=w.river, region=west, name="西村段", bank=Bank.BOTH, length_km="4.000"
    )
    other_river = factories.RiverFactory(name="别的河", code="QT-R01", region=w.street)
    other_reach = factories.ReachFactory(river=other_river, region=east, name="别的河东村段")

    w.zhang = factories.ChiefFactory(
        name="张三",
        role=ChiefRole.STREET_CHIEF,
        title="街道办主任",
        phone="13800000001",
        region=w.street,
        appointed_on=datetime.date(Y - 5, 1, 1),
    )
    w.zhang.reaches.set([w.east, w.west])
    w.li = factories.ChiefFactory(
        name="李四",
        region=east,
        phone="13800000002",
        appointed_on=datetime.date(Y - 5, 1, 1),
        relieved_on=datetime.date(Y, 6, 30),
    )
    w.wang = factories.ChiefFactory(
        name="王五", region=east, phone="13800000003", appointed_on=datetime.date(Y, 7, 1)
    )
    w.zhao = factories.ChiefFactory(
        name="赵六",
        role=ChiefRole.CLEANER,
        title="保洁员",
        region=east,
        phone="13800000004",
        appointed_on=datetime.date(Y - 5, 1, 1),
    )
    for chief in (w.li, w.wang, w.zhao):
        chief.reaches.set([w.east])

    factories.SignFactory(
        reach=w.east, code="QS-GSP-001", updated_on=datetime.date(Y, 2, 3), lat="34.751234"
    )
    factories.OutfallFactory(reach=w.east, name="东村雨水排口", kind=OutfallKind.RAIN)
    factories.FacilityFactory(reach=w.west, name="西村便民桥", kind=FacilityKind.FOOTBRIDGE)

    def patrol(chief, reach, day, *, valid=True):
        factories.PatrolFactory(chief=chief, reach=reach, started_at=_at(day), valid=valid)

    patrol(w.li, w.east, datetime.date(Y, 3, 3))
    patrol(w.li, w.east, datetime.date(Y, 3, 17))
    patrol(w.zhang, w.west, datetime.date(Y, 5, 6))
    patrol(w.wang, w.east, datetime.date(Y, 8, 8))
    patrol(w.wang, w.east, datetime.date(Y, 9, 9), valid=False)
    patrol(w.zhao, w.east, datetime.date(Y, 4, 4))  # a cleaning round, not a patrol
    patrol(w.zhang, w.east, datetime.date(Y - 1, 6, 1))  # last year's
    patrol(w.zhang, other_reach, datetime.date(Y, 6, 1))  # another river's

    issue = factories.IssueFactory
    w.issue_a = issue(
        code="QS-A",
        title="东村段岸边垃圾",
        reach=w.east,
        status="assigned",
        reported_at=_at(datetime.date(Y, 3, 5)),
        deadline=datetime.date(Y, 3, 20),
    )
    issue(
        code="QS-B",
        title="西村段漂浮物",
        reach=w.west,
        status="closed",
        reported_at=_at(datetime.date(Y, 4, 1)),
        closed_at=_at(datetime.date(Y, 4, 10)),
    )
    issue(
        code="QS-C",
        title="去年的排口异味",
        reach=w.east,
        status="closed",
        reported_at=_at(datetime.date(Y - 1, 12, 1)),
        closed_at=_at(datetime.date(Y, 1, 15)),
    )
    w.issue_d = issue(
        code="QS-D",
        title="西村段护栏损坏",
        reach=w.west,
        status="rectifying",
        reported_at=_at(datetime.date(Y - 1, 11, 1)),
    )
    issue(
        code="QS-E",
        title="重复上报",
        reach=w.east,
        status="voided",
        void_reason="duplicate",
        reported_at=_at(datetime.date(Y, 5, 1)),
        voided_at=_at(datetime.date(Y, 5, 2)),
    )
    issue(
        code="QT-F", title="别的河问题", reach=other_reach, reported_at=_at(datetime.date(Y, 5, 1))
    )

    def point(code, name, reach):
        return MonitoringPoint.objects.create(
            code=code,
            name=name,
            river=w.river,
            reach=reach,
            lat="34.750000",
            lon="113.620000",
            level="county",
            target_grade="III",
        )

    p1 = point("QS-P1", "东村断面", w.east)
    p2 = point("QS-P2", "西村断面", w.west)
    point("QS-P3", "入口断面", None)
    reading = WaterReading.objects.create
    reading(point=p1, sampled_on=datetime.date(Y - 1, 9, 1), nh3n="0.30")
    reading(point=p1, sampled_on=datetime.date(Y, 2, 10), nh3n="1.8")
    reading(
        point=p1, sampled_on=datetime.date(Y, 5, 10), do="6.5", codmn="3.0", nh3n="0.40", tp="0.08"
    )
    reading(point=p2, sampled_on=datetime.date(Y, 6, 15), do="4.0", cod="35", nh3n="2.5")

    RiverPlan.objects.create(river=w.river, title="旧方案", start_year=Y - 4, end_year=Y - 2)
    plan = RiverPlan.objects.create(
        river=w.river,
        title="清水河一河一策",
        start_year=Y - 1,
        end_year=Y + 1,
        problems="岸线垃圾",
        goals="水质稳定达到Ⅲ类",
    )
    task = RiverPlanTask.objects.create
    task(
        plan=plan,
        title="清理岸线垃圾",
        responsible_unit="区城管局",
        due=datetime.date(Y, 6, 30),
        status="done",
    )
    sewers = task(
        plan=plan,
        title="截污纳管",
        responsible_region=east,
        due=datetime.date(Y, 10, 31),
        status="in_progress",
    )
    RiverPlanTaskNote.objects.create(task=sewers, text="已完成一半")
    task(plan=plan, title="生态补水", responsible_unit="区水利局", due=datetime.date(Y + 1, 12, 31))
    return w


def _file(api, user, river, year=Y):
    response = api.as_user(user).get(f"/api/v1/rivers/{river.pk}/file/", {"year": year})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_api_holds_every_part_of_the_river_file(api, world):
    w = world
    data = _file(api, w.office, w.river)
    assert data["river"] == {
        "id": w.river.pk,
        "name": "清水河",
        "code": "QS-R01",
        "kind": "river",
        "kind_label": "河流",
        "length_km": 6.5,
        "region": "清水街道",
        "regions": ["清水街道", "东村", "西村"],
    }
    assert data["year"] == Y
    assert data["scope"] == "清水街道"
    assert data["made_on"] == TODAY.isoformat()
    reaches = {reach["name"]: reach for reach in data["reaches"]}
    assert list(reaches) == ["东村段", "西村段"]
    assert reaches["东村段"]["bank_label"] == "左岸"
    assert reaches["东村段"]["region"] == "东村"
    serving = [(c["name"], c["role_label"]) for c in reaches["东村段"]["chiefs"]]
    assert serving == [("张三", "街级河长"), ("王五", "社区级河长"), ("赵六", "保洁员")]
    past = reaches["东村段"]["past_chiefs"]
    assert [(c["name"], c["appointed_on"], c["relieved_on"]) for c in past] == [
        ("李四", f"{Y - 5}-01-01", f"{Y}-06-30")
    ]
    assert [c["name"] for c in reaches["西村段"]["chiefs"]] == ["张三"]
    assert reaches["西村段"]["past_chiefs"] == []
    assert [(s["name"], s["reach"], s["updated_on"]) for s in data["signs"]] == [
        ("QS-GSP-001", "东村段", f"{Y}-02-03")
    ]
    assert [(o["name"], o["kind_label"], o["reach"]) for o in data["outfalls"]] == [
        ("东村雨水排口", "雨水排口", "东村段")
    ]
    assert [(f["name"], f["kind_label"], f["reach"]) for f in data["facilities"]] == [
        ("西村便民桥", "便民桥", "西村段")
    ]

    patrols = data["patrols"]
    assert patrols["patrols"] == 4
    assert patrols["by_month"] == [0, 0, 2, 0, 1, 0, 0, 1, 0, 0, 0, 0]
    assert {row["name"]: row["patrols"] for row in patrols["by_chief"]} == {
        "李四": 2,
        "张三": 1,
        "王五": 1,
    }
    assert patrols["by_chief"][0]["name"] == "李四"
    assert patrols["cleaning_rounds"] == 1
    assert data["issues"] == {"found": 2, "found_closed": 1, "closed": 2}

    open_issues = data["open_issues"]
    assert [i["code"] for i in open_issues] == ["QS-A", "QS-D"]
    a, d = open_issues
    assert (a["deadline"], a["overdue"], a["status_label"]) == (f"{Y}-03-20", True, "已交办")
    assert a["overdue_days"] == (TODAY - datetime.date(Y, 3, 20)).days
    assert (d["deadline"], d["overdue"], d["overdue_days"]) == (None, False, 0)

    points = {p["code"]: p for p in data["monitoring_points"]}
    assert list(points) == ["QS-P1", "QS-P2", "QS-P3"]
    assert (points["QS-P1"]["target_label"], points["QS-P1"]["reach"]) == ("Ⅲ类", "东村段")
    assert points["QS-P1"]["readings_in_year"] == 2
    assert points["QS-P1"]["latest"] == {
        "sampled_on": f"{Y}-05-10",
        "grade": "II",
        "grade_label": "Ⅱ类",
        "meets_target": True,
        "deciding": ["溶解氧", "高锰酸盐指数", "氨氮", "总磷"],
        "exceedances": [],
    }
    p2 = points["QS-P2"]["latest"]
    assert (p2["grade"], p2["grade_label"], p2["meets_target"]) == ("worse_than_V", "劣Ⅴ类", False)
    assert p2["deciding"] == ["氨氮"]
    assert p2["exceedances"] == [
        {"parameter": "cod", "label": "化学需氧量", "multiple": 0.75},
        {"parameter": "nh3n", "label": "氨氮", "multiple": 1.5},
    ]
    assert points["QS-P3"]["latest"] is None and points["QS-P3"]["reach"] == ""

    plan = data["plan"]
    assert (plan["title"], plan["start_year"], plan["end_year"]) == ("清水河一河一策", Y - 1, Y + 1)
    assert (plan["problems"], plan["goals"]) == ("岸线垃圾", "水质稳定达到Ⅲ类")
    tasks = [
        (t["title"], t["responsible"], t["due"], t["status_label"], t["progress"], t["overdue"])
        for t in plan["tasks"]
    ]
    assert tasks == [
        ("清理岸线垃圾", "区城管局", f"{Y}-06-30", "已完成", "", False),
        ("截污纳管", "东村", f"{Y}-10-31", "推进中", "已完成一半", True),
        ("生态补水", "区水利局", f"{Y + 1}-12-31", "未开始", "", False),
    ]
    assert (plan["open_tasks"], plan["overdue_tasks"]) == (2, 1)


def test_a_year_counts_only_its_own_patrols_and_issues(api, world):
    w = world
    data = _file(api, w.office, w.river, year=Y - 1)
    assert data["patrols"]["patrols"] == 1  # 张三, June of Y-1
    assert data["patrols"]["by_month"][5] == 1
    assert data["patrols"]["cleaning_rounds"] == 0
    # C and D found; C closed only in Y, after the year ended.
    assert data["issues"] == {"found": 2, "found_closed": 0, "closed": 0}
    assert [i["code"] for i in data["open_issues"]] == ["QS-A", "QS-D"]  # as they stand today
    points = {p["code"]: p for p in data["monitoring_points"]}
    # The latest reading by the end of Y-1, and Y-1's readings.
    assert points["QS-P1"]["latest"]["sampled_on"] == f"{Y - 1}-09-01"
    assert points["QS-P1"]["readings_in_year"] == 1
    assert points["QS-P2"]["latest"] is None
    assert data["plan"]["title"] == "清水河一河一策"  # its years cover Y-1 too
    assert _file(api, w.office, w.river, year=Y - 3)["plan"]["title"] == "旧方案"
    assert _file(api, w.office, w.river, year=Y - 5)["plan"] is None


def test_a_river_outside_the_region_is_not_found(api, client, world):
    w = world
    response = api.as_user(w.other_office).get(f"/api/v1/rivers/{w.river.pk}/file/")
    assert response.status_code == 404
    assert (
        api.as_user(w.other_office).post(f"/api/v1/rivers/{w.river.pk}/file/pdf/").status_code
        == 404
    )
    client.force_login(w.other_office)
    assert client.get(f"/rivers/{w.river.pk}/file/").status_code == 404
    assert client.post(f"/rivers/{w.river.pk}/file/pdf/").status_code == 404
    assert not RiverFile.objects.exists()


def test_a_community_chief_sees_the_file_of_its_own_reaches_only(api, world):
    w = world
    chief = make_account(Role.CHIEF, w.west.region, chief=w.zhang)
    data = _file(api, chief, w.river)
    assert data["scope"] == "西村"
    assert [reach["name"] for reach in data["reaches"]] == ["西村段"]
    assert data["signs"] == [] and data["outfalls"] == []
    assert data["patrols"]["patrols"] == 1  # 张三 on 西村段 in May
    assert data["issues"] == {"found": 1, "found_closed": 1, "closed": 1}  # B
    assert [i["code"] for i in data["open_issues"]] == ["QS-D"]
    assert [p["code"] for p in data["monitoring_points"]] == ["QS-P2"]
    # The plans are for the office and the leaders (rivers.api_plans): not in a chief's file.
    assert "plan" not in data


def test_the_page_holds_the_literal_parts(client, world):
    w = world
    client.force_login(w.office)
    page = client.get(f"/rivers/{w.river.pk}/file/", {"year": Y}).content.decode()
    for text in (
        "清水河 一河一档",
        "QS-R01",
        "6.500",
        "清水街道、东村、西村",
        "东村段",
        "左岸",
        "张三",
        "13800000001",
        "王五",
        f"{Y - 5}-01-01 — {Y}-06-30",
        "QS-GSP-001",
        "东村雨水排口",
        "雨水排口",
        "西村便民桥",
        "便民桥",
        "QS-A",
        "东村段岸边垃圾",
        f"{Y}-03-20",
        f"已逾期{(TODAY - datetime.date(Y, 3, 20)).days}天",
        "QS-D",
        "东村断面",
        "Ⅱ类",
        "西村断面",
        "劣Ⅴ类",
        "化学需氧量（0.75）、氨氮（1.50）",
        "监测断面3个，有监测数据的2个，最新一次监测达到水质目标的1个",
        "清水河一河一策",
        "截污纳管",
        "已完成一半",
        "导出PDF",
    ):
        assert text in page, text
    assert '<div class="figure" data-figure="patrols"><span class="n">4</span>' in page
    assert 'data-figure="cleaning_rounds"><span class="n">1</span>' in page
    assert 'data-figure="issues_found"><span class="n">2</span>' in page
    assert 'data-figure="issues_found_closed"><span class="n">1</span>' in page
    assert '<td data-month="3">2</td>' in page
    assert '<td data-month="4">0</td>' in page
    assert "QT-F" not in page and "别的河问题" not in page
    assert "旧方案" not in page


def test_the_rivers_detail_page_links_its_file(client, world):
    w = world
    client.force_login(w.leader)
    page = client.get(f"/workbench/rivers/{w.river.pk}/").content.decode()
    assert f'href="/rivers/{w.river.pk}/file/"' in page


def test_the_file_is_read_in_a_fixed_number_of_queries(api, world, django_assert_max_num_queries):
    w = world
    plan = RiverPlan.objects.get(title="清水河一河一策")
    for n in range(6):
        reach = factories.ReachFactory(river=w.river, region=w.east.region, name=f"加段{n}")
        chief = factories.ChiefFactory(name=f"加长{n}", region=w.east.region)
        chief.reaches.set([reach])
        factories.SignFactory(reach=reach)
        factories.OutfallFactory(reach=reach)
        factories.FacilityFactory(reach=reach)
        factories.PatrolFactory(chief=chief, reach=reach, started_at=_at(datetime.date(Y, 2, 2)))
        factories.IssueFactory(reach=reach, reported_at=_at(datetime.date(Y, 2, 2)))
        point = MonitoringPoint.objects.create(
            code=f"ADD-{n}",
            name=f"加断面{n}",
            river=w.river,
            reach=reach,
            lat=34,
            lon=113,
            level="county",
        )
        WaterReading.objects.create(point=point, sampled_on=datetime.date(Y, 3, 3), nh3n="0.3")
        task = RiverPlanTask.objects.create(
            plan=plan,
            title=f"加任务{n}",
            responsible_region=reach.region,
            due=datetime.date(Y, 9, 9),
        )
        RiverPlanTaskNote.objects.create(task=task, text=f"进展{n}")
    api.as_user(w.office)
    with django_assert_max_num_queries(18):
        response = api.get(f"/api/v1/rivers/{w.river.pk}/file/", {"year": Y})
    assert response.status_code == 200
    data = response.json()
    assert len(data["reaches"]) == 8
    assert len(data["open_issues"]) == 8
    assert len(data["monitoring_points"]) == 9
    assert len(data["plan"]["tasks"]) == 9


def test_the_pdf_is_asked_for_built_and_followed(api, client, world):
    w = world
    response = api.as_user(w.office).post(f"/api/v1/rivers/{w.river.pk}/file/pdf/?year={Y}")
    assert response.status_code == 202, response.content
    document = RiverFile.objects.get()
    assert (document.river, document.region, document.year) == (w.river, w.street, Y)
    assert response.json()["status_url"] == f"/documents/river-file/{document.pk}/status/"
    assert response.json()["pdf_url"] is None
    client.force_login(w.office)
    page = client.get(f"/rivers/{w.river.pk}/file/", {"year": Y}).content.decode()
    assert f'data-status-url="/documents/river-file/{document.pk}/status/"' in page
    # The other street's office cannot have it.
    client.force_login(w.other_office)
    assert client.get(f"/documents/river-file/{document.pk}/status/").status_code == 404
    # Nor a chief of the street (it holds the river plan, which chiefs do not read); a chief's
    # own file is a row of its own, without the plan.
    chief = make_account(Role.CHIEF, w.street, chief=w.zhang)
    client.force_login(chief)
    assert client.get(f"/documents/river-file/{document.pk}/status/").status_code == 404
    assert (
        api.as_user(chief).post(f"/api/v1/rivers/{w.river.pk}/file/pdf/?year={Y}").status_code
        == 202
    )
    own = RiverFile.objects.exclude(pk=document.pk).get()
    assert (own.region, own.with_plan, document.with_plan) == (w.street, False, True)


needs_fonts = pytest.mark.skipif(not cjk_font_families(), reason="no Chinese font installed")


@needs_fonts
@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) missing")
def test_the_pdf_holds_the_literal_parts_and_the_day_it_was_made(client, world, tmp_path):
    w = world
    client.force_login(w.office)
    client.post(f"/rivers/{w.river.pk}/file/pdf/?year={Y}")
    document = RiverFile.objects.get()
    build(RIVER_FILES, document.pk)
    document.refresh_from_db()
    assert document.status == "done", document.error
    response = client.get(f"/documents/river-file/{document.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "file.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(  # noqa: S603
        [shutil.which("pdftotext"), "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # Without the layout's spaces and line breaks: a cell's text may wrap.
    flat = "".join(text.split())
    for part in (
        "清水河 一河一档",
        "QS-R01",
        "6.500公里",
        "清水街道、东村、西村",
        "东村段",
        "街级河长 张三",
        "13800000001",
        "社区级河长 王五",
        "13800000003",
        "社区级河长 李四",
        f"{Y - 5}-01-01至{Y}-06-30",
        "QS-GSP-001",
        "东村雨水排口",
        "西村便民桥",
        "巡河4次（另有保洁1次，不计入巡河）；发现问题2个，其中已整改1个；未销号问题2个。",
        "QS-A",
        f"已逾期{(TODAY - datetime.date(Y, 3, 20)).days}天",
        "QS-D",
        f"生成日期：{TODAY.year}年{TODAY.month}月{TODAY.day}日",
        "四、监测断面与水质",
        "监测断面3个，有监测数据的2个，最新一次监测达到水质目标的1个",
        "东村断面",
        "劣Ⅴ类",
        "化学需氧量(0.75)、氨氮(1.50)",
        "七、一河一策",
        "清水河一河一策（" + f"{Y - 1}—{Y + 1}年）：任务3项，未完成2项，其中超期1项。",
        "截污纳管",
        "已完成一半",
    ):
        assert "".join(part.split()) in flat, part
    months = next(line.split() for line in text.splitlines() if line.split()[:1] == ["巡河"])
    assert months == ["巡河", "0", "0", "2", "0", "1", "0", "0", "1", "0", "0", "0", "0"]
    assert "别的河问题" not in flat
    assert "Content-Disposition" in response and "attachment" in response["Content-Disposition"]

    # A file is a snapshot: asking again builds it again.
    client.post(f"/rivers/{w.river.pk}/file/pdf/?year={Y}")
    document.refresh_from_db()
    assert document.status == "pending"
    assert RiverFile.objects.count() == 1
