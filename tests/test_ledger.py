"""Roster ledger import: the whole file or nothing, every bad cell named, and no duplicates."""

import datetime
import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import Region, RegionLevel
from core.ledgers import XLSX_MEDIA_TYPE, parse_date
from rivers import ledger
from rivers.ledger import roster_import
from rivers.models import Bank, Chief, ChiefRole, Reach, River, RiverKind

HEADERS = [
    "街道",
    "社区",
    "河流名称",
    "河流编码",
    "河流类型",
    "河段名称",
    "岸别",
    "河段长度（公里）",
    "河长类别",
    "姓名",
    "职务",
    "单位",
    "联系电话",
    "任职日期",
]


def workbook_bytes(
    rows: list[dict], *, headers: list[str] = HEADERS, sheet: str = "河长名录"
) -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(headers)
    for row in rows:
        worksheet.append([row.get(header) for header in headers])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "河长名录.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_MEDIA_TYPE)


def ledger_file(rows: list[dict], **kwargs) -> SimpleUploadedFile:
    return upload(workbook_bytes(rows, **kwargs))


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Region, River, Reach, Chief)}


def good_rows() -> list[dict]:
    """Street 1's ledger: an existing reach, a new community, a new river with reaches at
    community and street level, a general chief over two reaches, and a reach-only row."""
    return [
        {
            "街道": "街道1",
            "社区": "街道1社区1",
            "河流名称": "街道1河",
            "河段名称": "街道1社区1段",
            "岸别": "两岸",
            "河段长度（公里）": 2.4,
            "河长类别": "社区级河长",
            "姓名": "张三",
            "职务": "社区主任",
            "联系电话": "13800000001",
            "任职日期": "2023-01-05",
        },
        {
            "街道": "街道1",
            "社区": "新社区",
            "河流名称": "新河",
            "河流类型": "沟渠",
            "河段名称": "新河新社区段",
            "岸别": "左岸",
            "河段长度（公里）": 1.5,
            "河长类别": "社区级河长",
            "姓名": "李四",
            "联系电话": "0371-12345678",
            "任职日期": datetime.datetime(2023, 1, 5),
        },
        {
            "街道": "街道1",
            "河流名称": "新河",
            "河流类型": "沟渠",
            "河段名称": "新河街道段",
            "岸别": "右岸",
            "河段长度（公里）": "0.8",
            "河长类别": "街级河长",
            "姓名": "王五",
            "联系电话": 13900000002,
            "任职日期": "2023年1月5日",
        },
        {
            "街道": "街道1",
            "河流名称": "新河",
            "河段名称": "新河新社区段",
            "河长类别": "总河长",
            "姓名": "赵六",
            "职务": "街道党工委书记",
            "联系电话": "13900000003",
            "任职日期": "2023/1/5",
        },
        {
            "街道": "街道1",
            "河流名称": "新河",
            "河段名称": "新河街道段",
            "河长类别": "总河长",
            "姓名": "赵六",
            "联系电话": "13900000003",
        },
        {
            "街道": "街道1",
            "社区": "街道1社区2",
            "河流名称": "清水沟",
            "河流编码": "QSG-001",
            "河流类型": "ditch",
            "河段名称": "清水沟社区2段",
            "河段长度（公里）": 3,
        },
    ]


def cells(result) -> set[tuple[int, str]]:
    return {(error.row, error.column) for error in result.row_errors}


# --- the service ------------------------------------------------------------------------------


def test_good_file_creates_the_roster(office_a, street_a):
    result = roster_import(user=office_a, file=ledger_file(good_rows()))

    assert result.ok, result.row_errors
    assert result.created == {"regions": 1, "rivers": 2, "reaches": 3, "chiefs": 4}
    assert result.updated == {"regions": 0, "rivers": 0, "reaches": 0, "chiefs": 0}

    community = Region.objects.get(name="新社区")
    assert community.parent == street_a.street
    assert community.level == RegionLevel.COMMUNITY
    assert community.code == "410100001003"

    river = River.objects.get(name="新河")
    assert river.kind == RiverKind.DITCH
    assert river.region == street_a.street
    assert river.code == "410100001-R001"
    assert river.length_km == Decimal("2.3")  # the sum of its reaches in the ledger
    assert River.objects.get(code="QSG-001").name == "清水沟"

    reach = Reach.objects.get(river=river, name="新河新社区段")
    assert (reach.region, reach.bank, reach.length_km) == (community, Bank.LEFT, Decimal("1.5"))
    street_reach = Reach.objects.get(river=river, name="新河街道段")
    assert street_reach.region == street_a.street
    assert Reach.objects.get(name="清水沟社区2段").bank == Bank.BOTH

    zhang = Chief.objects.get(name="张三")
    assert zhang.region == street_a.communities[0]
    assert list(zhang.reaches.all()) == [street_a.reaches[0]]
    assert zhang.appointed_on == datetime.date(2023, 1, 5)
    li = Chief.objects.get(name="李四")
    assert (li.phone, li.region, li.appointed_on) == ("0371-12345678", community, li.appointed_on)
    assert li.appointed_on == datetime.date(2023, 1, 5)
    assert Chief.objects.get(name="王五").phone == "13900000002"
    zhao = Chief.objects.get(name="赵六")
    assert (zhao.role, zhao.region, zhao.title) == (
        ChiefRole.GENERAL_CHIEF,
        street_a.street,
        "街道党工委书记",
    )
    assert set(zhao.reaches.all()) == {reach, street_reach}


def test_second_import_of_the_same_file_changes_nothing(office_a, street_a):
    content = workbook_bytes(good_rows())
    assert roster_import(user=office_a, file=upload(content)).ok
    before = counts()

    again = roster_import(user=office_a, file=upload(content))

    assert again.ok, again.row_errors
    assert set(again.created.values()) == {0}
    assert set(again.updated.values()) == {0}
    assert counts() == before


def test_changed_cells_update_existing_records(office_a, street_a):
    assert roster_import(user=office_a, file=ledger_file(good_rows())).ok
    rows = good_rows()
    rows[3]["职务"] = "街道办事处主任"
    rows[0]["岸别"] = "右岸"
    rows.append({**rows[2], "河段名称": "新河新社区段", "岸别": None, "河段长度（公里）": None})

    result = roster_import(user=office_a, file=ledger_file(rows))

    assert result.ok, result.row_errors
    assert set(result.created.values()) == {0}
    assert result.updated == {"regions": 0, "rivers": 0, "reaches": 1, "chiefs": 2}
    assert Chief.objects.get(name="赵六").title == "街道办事处主任"
    assert Reach.objects.get(name="街道1社区1段").bank == Bank.RIGHT
    assert Chief.objects.get(name="王五").reaches.count() == 2


def test_bad_file_imports_nothing_and_names_every_bad_cell(office_a, street_a):
    base = {
        "街道": "街道1",
        "社区": "街道1社区1",
        "河流名称": "街道1河",
        "河段名称": "街道1社区1段",
    }
    chief = {"河长类别": "社区级河长", "联系电话": "13800000001", "任职日期": "2023-01-05"}
    rows = [
        {**base, **chief, "姓名": "好人"},  # row 2: fine on its own
        {**base, **chief, "姓名": "甲", "联系电话": "12345"},
        {
            **base,
            "河流名称": "坏河",
            "河流类型": "小河",
            "河段名称": "坏河段",
            "河段长度（公里）": 1,
        },
        {**base, **chief, "姓名": None},
        {**base, **chief, "姓名": "丁", "任职日期": "2023-13-45"},
        {**base, "河段名称": "负数段", "河段长度（公里）": -1},
        {**base, "河段名称": "文字段", "河段长度（公里）": "约两公里"},
        {**base, "河流名称": None},
    ]
    before = counts()

    result = roster_import(user=office_a, file=ledger_file(rows))

    assert not result.ok
    assert cells(result) == {
        (3, "联系电话"),
        (4, "河流类型"),
        (5, "姓名"),
        (6, "任职日期"),
        (7, "河段长度（公里）"),
        (8, "河段长度（公里）"),
        (9, "河流名称"),
    }
    assert len(result.row_errors) == 7  # one message per bad cell
    messages = {(e.row, e.column): e.message for e in result.row_errors}
    assert "河流、洪道、沟渠、湖泊、水库" in messages[(4, "河流类型")]
    assert "12345" in messages[(3, "联系电话")]
    assert "负数" in messages[(7, "河段长度（公里）")]
    assert result.created == dict.fromkeys(ledger.COUNT_KEYS, 0)
    assert counts() == before
    assert not Chief.objects.filter(name="好人").exists()


def test_rows_that_contradict_each_other_are_errors(office_a, street_a):
    rows = good_rows()
    rows.append({**rows[5], "河流名称": "浊水沟"})  # the same code under another name
    reach_only = {"河长类别": None, "姓名": None, "联系电话": None, "任职日期": None}
    rows.append({**rows[1], **reach_only, "河段长度（公里）": 9})
    rows.append({**rows[1], **reach_only, "河流类型": "湖泊"})

    result = roster_import(user=office_a, file=ledger_file(rows))

    assert cells(result) == {(8, "河流名称"), (9, "河段长度（公里）"), (10, "河流类型")}
    assert "第7行" in result.row_errors[0].message
    assert not River.objects.filter(name="新河").exists()


def test_new_records_need_their_defining_cells(office_a, street_a):
    rows = [
        {"街道": "街道1", "河流名称": "无类型河", "河段名称": "一段", "河段长度（公里）": 1},
        {"街道": "街道1", "河流名称": "街道1河", "河段名称": "无长度段"},
        {
            "街道": "街道1",
            "河流名称": "街道1河",
            "河段名称": "街道1社区1段",
            "社区": "街道1社区1",
            "河长类别": "保洁员",
            "姓名": "无日期",
            "联系电话": "13800000005",
        },
    ]

    result = roster_import(user=office_a, file=ledger_file(rows))

    assert cells(result) == {(2, "河流类型"), (3, "河段长度（公里）"), (4, "任职日期")}


def test_street_office_cannot_import_into_another_street(office_b, street_a, street_b):
    rows = [{**good_rows()[0]}, {**good_rows()[0], "街道": "街道2", "社区": "街道2社区1"}]
    rows[1]["河流名称"] = "街道2河"
    rows[1]["河段名称"] = "街道2社区1段"
    before = counts()

    result = roster_import(user=office_b, file=ledger_file(rows))

    assert cells(result) == {(2, "街道")}
    assert "不在您的管辖范围内" in result.row_errors[0].message
    assert counts() == before


def test_county_account_creates_unknown_streets(admin_user, street_a, street_b):
    row = {
        "街道": "新街道",
        "社区": "新街道社区",
        "河流名称": "新街道河",
        "河流类型": "河流",
        "河段名称": "一段",
        "河段长度（公里）": 1,
        "河长类别": "社区级河长",
        "姓名": "钱七",
        "联系电话": "13800000007",
        "任职日期": "2024-03-01",
    }

    result = roster_import(user=admin_user, file=ledger_file([row]))

    assert result.ok, result.row_errors
    street = Region.objects.get(name="新街道")
    assert (street.parent, street.level, street.code) == (
        admin_user.region,
        RegionLevel.STREET,
        "410100003",
    )
    assert Region.objects.get(name="新街道社区").code == "410100003001"
    assert Chief.objects.get(name="钱七").region.parent == street


def test_reach_of_another_street_is_refused(office_b, street_a, street_b):
    row = {
        "街道": "街道2",
        "河流名称": "街道1河",
        "河流编码": street_a.reaches[0].river.code,
        "河段名称": "街道1社区1段",
    }

    result = roster_import(user=office_b, file=ledger_file([row]))

    assert not result.ok
    assert result.row_errors[0].row == 2


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"this is a text file, not a spreadsheet", ".xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "另存为"),
        (b"", "空"),
    ],
)
def test_file_that_is_not_xlsx_is_refused_with_a_message(office_a, content, expected):
    result = roster_import(user=office_a, file=upload(content))

    assert not result.ok
    assert len(result.file_errors) == 1
    assert expected in result.file_errors[0]


def test_damaged_archive_is_refused(office_a):
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not-really/>")

    result = roster_import(user=office_a, file=upload(buffer.getvalue()))

    assert "损坏" in result.file_errors[0]


def test_too_large_file_is_refused(office_a, settings):
    settings.LEDGER_MAX_BYTES = 1024

    result = roster_import(user=office_a, file=ledger_file(good_rows()))

    assert "MB" in result.file_errors[0]


def test_too_many_rows_are_refused(office_a, monkeypatch):
    monkeypatch.setattr(ledger, "MAX_ROWS", 3)

    result = roster_import(user=office_a, file=ledger_file(good_rows()))

    assert "分批导入" in result.file_errors[0]


def test_missing_sheet_and_columns_are_named(office_a):
    no_sheet = roster_import(user=office_a, file=ledger_file(good_rows(), sheet="Sheet1"))
    headers = [h for h in HEADERS if h not in ("联系电话", "任职日期")]
    no_columns = roster_import(user=office_a, file=ledger_file(good_rows(), headers=headers))
    empty = roster_import(user=office_a, file=ledger_file([]))

    assert "河长名录" in no_sheet.file_errors[0]
    assert "联系电话" in no_columns.file_errors[0]
    assert "任职日期" in no_columns.file_errors[0]
    assert "没有数据" in empty.file_errors[0]


def test_sheet_as_offices_keep_it(office_a, street_a):
    """A title row, a numbering column, loose header spelling and street cells merged down."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = " 河长名录 "
    sheet.append(["街道1河长名录"])
    sheet.append(
        [
            "序号",
            "街 道",
            "社区（村）",
            "河流名称",
            "河流编码",
            "河流类型",
            "河段名称",
            "岸别",
            "河段长度(公里)",
            "河长类别",
            "姓  名",
            "职务",
            "单位",
            "联系电话 ",
            "任职日期",
        ]
    )
    sheet.append(
        [
            1,
            "街道1",
            "街道1社区1",
            "街道1河",
            None,
            None,
            "街道1社区1段",
            None,
            None,
            "村级河长",
            "孙　八",
            None,
            None,
            "138 0000 0008",
            44931,
        ]
    )
    sheet.append(
        [
            2,
            None,
            "街道1社区2",
            "街道1河",
            None,
            None,
            "街道1社区2段",
            None,
            None,
            "保洁员",
            "周九",
            None,
            None,
            "13800000009",
            "20230105",
        ]
    )
    sheet.merge_cells("B3:B4")
    buffer = BytesIO()
    workbook.save(buffer)

    result = roster_import(user=office_a, file=upload(buffer.getvalue()))

    assert result.ok, (result.file_errors, result.row_errors)
    assert result.created["chiefs"] == 2
    sun = Chief.objects.get(name="孙八")
    assert (sun.role, sun.phone) == (ChiefRole.COMMUNITY_CHIEF, "13800000008")
    assert sun.appointed_on == datetime.date(2023, 1, 5)
    assert Chief.objects.get(name="周九").region == street_a.communities[1]


@pytest.mark.parametrize(
    "value",
    [
        "2023-01-05",
        "2023/1/5",
        "2023.1.5",
        "2023年1月5日",
        " 2023 年 1 月 5 日 ",
        datetime.datetime(2023, 1, 5, 0, 0),
        datetime.date(2023, 1, 5),
        44931,
        20230105,
    ],
)
def test_dates_as_offices_write_them(value):
    assert parse_date(value) == datetime.date(2023, 1, 5)


@pytest.mark.parametrize("value", ["2023-02-30", "五月", "1/5/2023", "1800-01-01", -3])
def test_dates_that_are_not(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_database_refusal_rolls_everything_back(office_a, street_a, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"phone": ["数据库不接受这个号码。"]})

    monkeypatch.setattr(ledger, "chief_appoint", refuse)
    before = counts()

    result = roster_import(user=office_a, file=ledger_file(good_rows()))

    assert [(e.row, e.column, e.message) for e in result.row_errors] == [
        (2, "联系电话", "数据库不接受这个号码。")
    ]
    assert counts() == before  # the new community and rivers went too


def test_template_reimports_cleanly_once_filled(client, office_a, street_a):
    client.force_login(office_a)

    response = client.get(reverse("ledger-template"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_MEDIA_TYPE
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["河长名录", "填表说明"]
    sheet = workbook["河长名录"]
    assert [cell.value for cell in sheet[1]] == HEADERS
    notes = " ".join(str(c.value) for row in workbook["填表说明"].iter_rows() for c in row)
    assert "社会监督员" in notes
    assert "左岸" in notes
    assert "水库" in notes
    for row in good_rows()[:2]:
        sheet.append([row.get(header) for header in HEADERS])
    buffer = BytesIO()
    workbook.save(buffer)

    result = roster_import(user=office_a, file=upload(buffer.getvalue()))

    assert result.ok, result.row_errors
    assert result.created == {"regions": 1, "rivers": 1, "reaches": 1, "chiefs": 2}


# --- the page ---------------------------------------------------------------------------------


def test_page_renders_for_office(client, office_a):
    client.force_login(office_a)

    response = client.get(reverse("ledger-import"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="file"' in html
    assert 'accept=".xlsx"' in html
    assert 'for="id_file"' in html
    assert "csrfmiddlewaretoken" in html
    assert reverse("ledger-template") in html


def test_page_is_forbidden_to_chiefs_and_needs_login(client, chief_a1):
    assert client.get(reverse("ledger-import")).status_code == 302  # to the login page
    client.force_login(chief_a1)

    assert client.get(reverse("ledger-import")).status_code == 403
    assert client.get(reverse("ledger-template")).status_code == 403
    assert (
        client.post(reverse("ledger-import"), {"file": ledger_file(good_rows())}).status_code == 403
    )
    assert not Chief.objects.filter(name="张三").exists()


def test_page_imports_and_reports_counts(client, office_a, street_a):
    client.force_login(office_a)

    response = client.post(
        reverse("ledger-import"), {"file": ledger_file(good_rows())}, follow=True
    )

    assert response.redirect_chain == [(reverse("ledger-import"), 302)]
    html = response.content.decode()
    assert "导入完成" in html
    assert "河长及相关人员 4" in html
    assert Chief.objects.filter(name="赵六").exists()


def test_page_lists_every_error_and_imports_nothing(client, office_a, street_a):
    client.force_login(office_a)
    rows = good_rows()
    rows[1]["联系电话"] = "12345"
    rows[2]["河流类型"] = "小河"
    before = counts()

    response = client.post(reverse("ledger-import"), {"file": ledger_file(rows)})

    assert response.status_code == 200
    html = response.content.decode()
    assert "未导入任何数据" in html
    assert '<th scope="col">行</th>' in html
    assert "<td>3</td><td>联系电话</td>" in html
    assert "<td>4</td><td>河流类型</td>" in html
    assert counts() == before


def test_page_reports_a_file_that_is_not_xlsx(client, office_a):
    client.force_login(office_a)

    response = client.post(reverse("ledger-import"), {"file": upload(b"plain text")})

    assert response.status_code == 200
    assert "不是 Excel" in response.content.decode()


def test_page_needs_the_csrf_token(office_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(office_a)

    response = client.post(reverse("ledger-import"), {"file": ledger_file(good_rows())})

    assert response.status_code == 403


# --- the API ----------------------------------------------------------------------------------


def test_api_imports_a_good_file(api, office_a, street_a):
    response = api.as_user(office_a).post(
        reverse("ledger-roster-import"), {"file": ledger_file(good_rows())}, format="multipart"
    )

    assert response.status_code == 201, response.data
    assert response.json() == {
        "created": {"regions": 1, "rivers": 2, "reaches": 3, "chiefs": 4},
        "updated": {"regions": 0, "rivers": 0, "reaches": 0, "chiefs": 0},
    }


def test_api_answers_400_with_rows_for_a_bad_file(api, office_a, street_a):
    rows = good_rows()
    rows[1]["联系电话"] = "12345"
    before = counts()

    response = api.as_user(office_a).post(
        reverse("ledger-roster-import"), {"file": ledger_file(rows)}, format="multipart"
    )

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["rows"]
    assert body["rows"][0]["row"] == 3
    assert body["rows"][0]["column"] == "联系电话"
    assert body["rows"][0]["message"]
    assert counts() == before


def test_api_answers_400_for_a_file_that_is_not_xlsx_or_missing(api, office_a):
    client = api.as_user(office_a)
    url = reverse("ledger-roster-import")

    not_xlsx = client.post(url, {"file": upload(b"plain text")}, format="multipart")
    missing = client.post(url, {}, format="multipart")

    assert not_xlsx.status_code == 400
    assert list(not_xlsx.json()) == ["file"]
    assert missing.status_code == 400
    assert list(missing.json()) == ["file"]


def test_api_is_for_offices_only(api, chief_a1, street_a):
    client = api.as_user(chief_a1)

    upload_response = client.post(
        reverse("ledger-roster-import"), {"file": ledger_file(good_rows())}, format="multipart"
    )
    template_response = client.get(reverse("ledger-roster-template"))

    assert upload_response.status_code == 403
    assert template_response.status_code == 403


def test_api_serves_the_template(api, office_a):
    response = api.as_user(office_a).get(reverse("ledger-roster-template"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_MEDIA_TYPE
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert [cell.value for cell in workbook["河长名录"][1]] == HEADERS


def test_the_roster_import_checks_phones_as_mobile_or_fixed_line(office_a, street_a):
    base = {
        "街道": "街道1",
        "社区": "街道1社区1",
        "河流名称": "街道1河",
        "河段名称": "街道1社区1段",
        "河长类别": "保洁员",
        "任职日期": "2024-01-02",
    }
    rows = [
        {**base, "姓名": "手机", "联系电话": "13812345678"},
        {**base, "姓名": "座机", "联系电话": "0371-12345678"},
        {**base, "姓名": "短号", "联系电话": "12345"},
    ]

    refused = roster_import(user=office_a, file=ledger_file(rows))
    accepted = roster_import(user=office_a, file=ledger_file(rows[:2]))

    assert [(e.row, e.column, e.message) for e in refused.row_errors] == [
        (4, "联系电话", "「12345」：请输入有效的手机号（11位）或座机号（如 0371-12345678）。")
    ]
    assert accepted.ok, accepted.row_errors
    assert dict(Chief.objects.filter(name__in=["手机", "座机"]).values_list("name", "phone")) == {
        "手机": "13812345678",
        "座机": "0371-12345678",
    }
