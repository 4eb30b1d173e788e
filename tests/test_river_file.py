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
from rivers.models import Bank, ChiefRole, FacilityKind, OutfallKind

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


def test_a_year_counts_only_its_own_patrols_and_issues(api, world):
    w = world
    data = _file(api, w.office, w.river, year=Y - 1)
    assert data["patrols"]["patrols"] == 1  # 张三, June of Y-1
    assert data["patrols"]["by_month"][5] == 1
    assert data["patrols"]["cleaning_rounds"] == 0
    # C and D found; C closed only in Y, after the year ended.
    assert data["issues"] == {"found": 2, "found_closed": 0, "closed": 0}
    assert [i["code"] for i in data["open_issues"]] == ["QS-A", "QS-D"]  # as they stand today


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


def test_the_rivers_detail_page_links_its_file(client, world):
    w = world
    client.force_login(w.leader)
    page = client.get(f"/workbench/rivers/{w.river.pk}/").content.decode()
    assert f'href="/rivers/{w.river.pk}/file/"' in page


def test_the_file_is_read_in_a_fixed_number_of_queries(api, world, django_assert_max_num_queries):
    w = world
    for n in range(6):
        reach = factories.ReachFactory(river=w.river, region=w.east.region, name=f"加段{n}")
        chief = factories.ChiefFactory(name=f"加长{n}", region=w.east.region)
        chief.reaches.set([reach])
        factories.SignFactory(reach=reach)
        factories.OutfallFactory(reach=reach)
        factories.FacilityFactory(reach=reach)
        factories.PatrolFactory(chief=chief, reach=reach, started_at=_at(datetime.date(Y, 2, 2)))
        factories.IssueFactory(reach=reach, reported_at=_at(datetime.date(Y, 2, 2)))
    api.as_user(w.office)
    with django_assert_max_num_queries(14):
        response = api.get(f"/api/v1/rivers/{w.river.pk}/file/", {"year": Y})
    assert response.status_code == 200
    assert len(response.json()["reaches"]) == 8
    assert len(response.json()["open_issues"]) == 8


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
