"""The readings ledger import (the stations' sheet: point code, date, one column per parameter),
its page and template, the readings ledger export, and a monitoring point's page with its trend
charts."""

import datetime
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from accounts.models import Role
from audit.models import AuditEntry
from rivers.models import WaterReading
from rivers.water_ledger import water_reading_import

from . import factories
from .conftest import make_account

HEADER = [
    "断面编码",
    "断面名称",
    "采样日期",
    "溶解氧",
    "高锰酸盐指数",
    "COD",
    "BOD5",
    "氨氮",
    "总磷",
]


def sheet(*rows, header=HEADER, title: str | None = None) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    if title:
        ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def points(street_a):
    reach = street_a.reaches[0]
    return [
        factories.MonitoringPointFactory(
            name="东桥", code="DM-01", reach=reach, river=reach.river, target_grade="III"
        ),
        factories.MonitoringPointFactory(
            name="西闸", code="DM-02", reach=street_a.reaches[1], river=reach.river
        ),
    ]


def errors(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in result.row_errors]


def test_a_stations_sheet_imports_every_row(office_a, points):
    data = sheet(
        ("DM-01", "东桥", "2026-01-05", 8.1, 3.2, 14, 2.5, 0.42, 0.08),
        ("DM-01", "东桥", datetime.date(2026, 2, 3), 6.4, 5.5, 18, 3.6, 1.2, 0.16),
        ("DM-02", "西闸", "2026年2月3日", 4.5, None, None, None, 0.3, None),
        title="2026年1-2月地表水监测数据",
    )
    result = water_reading_import(user=office_a, file=data)
    assert result.ok, errors(result)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    february = WaterReading.objects.get(point=points[0], sampled_on=datetime.date(2026, 2, 3))
    assert (february.do, february.nh3n, february.tn) == (Decimal("6.4"), Decimal("1.2"), None)
    # DO 6.4 II, CODMn 5.5 III, COD 18 III, BOD5 3.6 III, NH3-N 1.2 IV, TP 0.16 III
    assert february.assessment.grade == "IV"
    assert february.assessment.deciding == ["nh3n"]
    entry = AuditEntry.objects.get(action="bulk_import", object_type="rivers.waterreading")
    assert len(entry.detail["created"]) == 3


def test_importing_the_same_sheet_again_changes_nothing_and_a_correction_updates(office_a, points):
    rows = [("DM-01", "东桥", "2026-01-05", 8.1, 3.2, 14, 2.5, 0.42, 0.08)]
    water_reading_import(user=office_a, file=sheet(*rows))
    again = water_reading_import(user=office_a, file=sheet(*rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    corrected = water_reading_import(
        user=office_a, file=sheet(("DM-01", "东桥", "2026-01-05", 8.1, 3.2, 14, None, 0.52, 0.08))
    )
    assert (corrected.created, corrected.updated) == (0, 1)
    reading = WaterReading.objects.get()
    assert (reading.nh3n, reading.bod5) == (Decimal("0.52"), None)


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_saved(office_a, points, street_b):
    theirs = factories.MonitoringPointFactory(code="DM-B", reach=street_b.reaches[0])
    data = sheet(
        ("DM-01", "东桥", "2026-01-05", 8.1, 3.2, 14, 2.5, 0.42, 0.08),  # row 2: fine
        ("DM-01", "东桥", "2026-01-06", 25, 3.2, 14, 2.5, 0.42, 0.08),  # 3: DO over 20
        ("DM-01", "东桥", "2026-01-07", 8, -1, 14, 2.5, 0.42, 0.08),  # 4: negative
        ("DM-09", "", "2026-01-05", 8, 3, 14, 2.5, 0.42, 0.08),  # 5: unknown point
        (theirs.code, "", "2026-01-05", 8, 3, 14, 2.5, 0.42, 0.08),  # 6: outside the region
        ("DM-01", "东桥", "2026-13-01", 8, 3, 14, 2.5, 0.42, 0.08),  # 7: no such date
        ("DM-01", "东桥", "2026-01-05", 8, 3, 14, 2.5, 0.42, 0.08),  # 8: row 2's point and day
        ("DM-02", "西闸", "2026-01-05", None, None, None, None, None, None),  # 9: no value
        ("DM-02", "西闸", "2026-01-08", 7, "0.05L", 14, 2.5, 0.42, 0.08),  # 10: not a number
    )
    result = water_reading_import(user=office_a, file=data)
    assert not result.ok
    assert errors(result) == [
        (3, "溶解氧", "25 mg/L 超出溶解氧的合理范围（0～20 mg/L），请检查数值和单位。"),
        (4, "高锰酸盐指数", "不能为负数。"),
        (5, "断面编码", "断面编码「DM-09」未登记，或不在您的管辖范围内。"),
        (6, "断面编码", "断面编码「DM-B」未登记，或不在您的管辖范围内。"),
        (7, "采样日期", "无法识别的日期「2026-13-01」，请填写如 2023-01-05 的日期。"),
        (8, "采样日期", "与第 2 行是同一断面同一天的数据。"),
        (9, "断面编码", "至少填写一项监测值。"),
        (
            10,
            "高锰酸盐指数",
            "「0.05L」不是数字，请填写以 mg/L 计的数值；未监测的项目留空。",
        ),
    ]
    assert not WaterReading.objects.exists()
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)


def test_a_sheet_without_the_point_code_column_is_refused_as_a_whole(office_a, points):
    result = water_reading_import(
        user=office_a, file=sheet(("2026-01-05", 8.1), header=["采样日期", "溶解氧"])
    )
    assert result.file_errors == ["工作表「Sheet」缺少以下列：断面编码。请使用下载的导入模板。"]


def test_the_import_page_shows_row_errors_and_imports_a_good_file(office_a, points):
    client = Client()
    client.force_login(office_a)
    bad = sheet(("DM-01", "东桥", "2026-01-05", 30, 3.2, 14, 2.5, 0.42, 0.08))
    response = client.post(
        "/ledgers/water-readings/import/",
        {"file": SimpleUploadedFile("bad.xlsx", bad)},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "导入失败，未导入任何数据" in text
    assert "30 mg/L 超出溶解氧的合理范围" in text
    good = sheet(("DM-01", "东桥", "2026-01-05", 8, 3.2, 14, 2.5, 0.42, 0.08))
    response = client.post(
        "/ledgers/water-readings/import/",
        {"file": SimpleUploadedFile("good.xlsx", good)},
        follow=True,
    )
    assert "导入完成：水质监测数据新增 1，更新 0，无变化 0。" in response.content.decode()
    assert WaterReading.objects.count() == 1


def test_only_the_office_imports_and_the_template_reads_back_empty(office_a, chief_a1, points):
    client = Client()
    client.force_login(chief_a1)
    assert client.get("/ledgers/water-readings/import/").status_code == 403
    client.force_login(office_a)
    response = client.get("/ledgers/water-readings/template.xlsx")
    assert response.status_code == 200
    template = b"".join(response.streaming_content)
    header = [c.value for c in next(load_workbook(BytesIO(template)).active.iter_rows())]
    assert header == [
        "断面编码",
        "断面名称",
        "采样日期",
        "溶解氧（mg/L）",
        "高锰酸盐指数（mg/L）",
        "化学需氧量（mg/L）",
        "五日生化需氧量（mg/L）",
        "氨氮（mg/L）",
        "总磷（mg/L）",
        "总氮（mg/L）",
    ]
    assert water_reading_import(user=office_a, file=template).file_errors == [
        "表头下方没有数据行。"
    ]


def test_the_readings_ledger_exports_in_the_import_shape_with_the_grade(api, office_a, points):
    factories.WaterReadingFactory(
        point=points[0],
        sampled_on=datetime.date(2026, 3, 1),
        do=Decimal("4.2"),
        nh3n=Decimal("1.65"),
    )
    response = api.as_user(office_a).get("/api/v1/water-readings/?format=xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(load_workbook(BytesIO(content)).active.iter_rows(values_only=True))
    header, row = rows[1], rows[2]
    assert header[:4] == ("断面编码", "断面名称", "采样日期", "溶解氧（mg/L）")
    assert header[-5:] == ("水质类别", "水质目标", "是否达标", "定类项目", "超标倍数")
    # DO 4.2: IV; NH3-N 1.65: V, 1.65/1.0 - 1 = 0.65 over III
    assert row[0] == "DM-01"
    assert row[-5:] == ("Ⅴ类", "Ⅲ类", "否", "氨氮", "氨氮超标0.65倍")
    # and it imports back unchanged
    result = water_reading_import(user=office_a, file=content)
    assert result.ok, errors(result)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)


def test_a_points_page_draws_a_trend_per_parameter_with_the_target_limit(
    office_a, points, django_assert_max_num_queries
):
    point = points[0]  # a river point, target III
    for month, (do, nh3n) in enumerate([("7.8", "0.4"), ("6.1", "0.9"), ("4.4", "1.7")], 1):
        factories.WaterReadingFactory(
            point=point,
            sampled_on=datetime.date(2026, month, 10),
            do=Decimal(do),
            nh3n=Decimal(nh3n),
        )
    client = Client()
    client.force_login(office_a)
    with django_assert_max_num_queries(12):
        response = client.get(f"/water/points/{point.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    # charts only for the parameters measured, each with the III limit: DO >= 5, NH3-N <= 1.0
    assert re.findall(r'<figure class="trend" id="trend-(\w+)"', html) == ["do", "nh3n"]
    assert "Ⅲ类限值 ≥5" in html
    assert "Ⅲ类限值 ≤1" in html
    assert html.count('class="readings"') == 2
    # the latest reading: DO 4.4 is IV, NH3-N 1.7 is V -> V, not meeting III
    latest = re.search(r'id="point-latest">(.*?)</dd>', html, re.S).group(1)
    assert "Ⅴ类" in latest
    assert "未达标" in latest
    assert "氨氮 0.70" in html  # 1.7/1.0 - 1


def test_a_point_outside_the_region_is_not_found(office_b, points):
    client = Client()
    client.force_login(office_b)
    assert client.get(f"/water/points/{points[0].pk}/").status_code == 404


def test_a_leader_reads_a_points_page(street_a, points):
    client = Client()
    client.force_login(make_account(Role.LEADER, street_a.street))
    response = client.get(f"/water/points/{points[0].pk}/")
    assert response.status_code == 200
    assert "暂无监测数据" in response.content.decode()


def test_the_api_import_answers_row_errors_or_the_counts(api, office_a, chief_a1, points):
    client = api.as_user(office_a)
    bad = sheet(("DM-01", "东桥", "2026-01-05", 8, 3.2, 14, 2.5, 250, 0.08))
    response = client.post(
        "/api/v1/ledgers/water-readings/",
        {"file": SimpleUploadedFile("bad.xlsx", bad)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json() == {
        "rows": [
            {
                "row": 2,
                "column": "氨氮",
                "message": "250 mg/L 超出氨氮的合理范围（0～100 mg/L），请检查数值和单位。",
            }
        ]
    }
    good = sheet(("DM-01", "东桥", "2026-01-05", 8, 3.2, 14, 2.5, 0.25, 0.08))
    response = client.post(
        "/api/v1/ledgers/water-readings/",
        {"file": SimpleUploadedFile("good.xlsx", good)},
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}
    response = api.as_user(chief_a1).post(
        "/api/v1/ledgers/water-readings/",
        {"file": SimpleUploadedFile("good.xlsx", good)},
        format="multipart",
    )
    assert response.status_code == 403


def test_the_points_page_lists_each_point_with_its_latest_grade(
    office_a, points, street_b, django_assert_max_num_queries
):
    factories.MonitoringPointFactory(code="DM-B", reach=street_b.reaches[0])  # not theirs
    factories.WaterReadingFactory(
        point=points[0], sampled_on=datetime.date(2026, 1, 10), nh3n=Decimal("1.7")
    )
    factories.WaterReadingFactory(  # the latest: NH3-N 0.4 is II, meeting III
        point=points[0], sampled_on=datetime.date(2026, 2, 10), nh3n=Decimal("0.4")
    )
    client = Client()
    client.force_login(office_a)
    with django_assert_max_num_queries(10):
        response = client.get("/water/points/")
    html = response.content.decode()
    rows = re.findall(
        r"<tr>\s*<td><a href=\"/water/points/(\d+)/\">(.*?)</a>(.*?)</tr>", html, re.S
    )
    assert [(int(pk), name) for pk, name, _rest in rows] == [
        (points[0].pk, "东桥"),
        (points[1].pk, "西闸"),
    ]
    assert "Ⅱ类" in rows[0][2]
    assert "2026-02-10" in rows[0][2]
    assert "暂无监测数据" in rows[1][2]
