"""The sign, outfall and facility ledger imports: the roster import's cases (tests/test_ledger.py)
for each of the three. The whole file or nothing, every bad cell named by row and column in
Chinese, no duplicates on a second import; .xlsx and CSV, a title row above the header, limits,
text that looks like a formula kept as text, offices only, within the account's region, audited.

The world is conftest's: street 1 (街道1) with 街道1河 in two reaches, 街道1社区1段 and
街道1社区2段, and street 2 likewise; each reach already holds one sign, outfall and facility
made by the factories (their codes and names never collide with the ones below). The roster's
phone check (mobile or fixed line) is at the end.
"""

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import Role
from audit.models import AuditEntry
from core.ledgers import XLSX_MEDIA_TYPE
from core.xlsx import write_cell
from rivers import ledger_assets
from rivers.ledger_assets import asset_import
from rivers.models import Facility, Outfall, Sign, phone_validator

from . import factories
from .conftest import make_account


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type
    sheet: str
    headers: list[str]
    identity: str  # the header naming the record
    checked: str  # the header of the ledger's own checked column (a date, a type)
    checked_field: str
    bad_checked: str  # a value that column refuses
    good: list[dict] = field(default_factory=list)  # two rows, street 1's
    stored: set = field(default_factory=set)  # what the good rows store
    changed: dict = field(default_factory=dict)  # a change to the first good row
    changed_value: object = None  # what the change stores in checked_field
    notes_hold: str = ""  # a word the template's notes must show


REACH_1 = {"河流名称": "街道1河", "河段名称": "街道1社区1段"}
REACH_2 = {"河流名称": "街道1河", "河段名称": "街道1社区2段"}
PLACE_1 = {"纬度": 34.7578, "经度": 113.6649}
PLACE_2 = {"纬度": "34.7601", "经度": "113.6702"}
LAT_1, LON_1 = Decimal("34.757800"), Decimal("113.664900")
LAT_2, LON_2 = Decimal("34.760100"), Decimal("113.670200")

SIGNS = Kind(
    slug="signs",
    model=Sign,
    sheet="河长公示牌",
    headers=["公示牌编号", "河流名称", "河流编码", "河段名称", "纬度", "经度", "更新日期"],
    identity="公示牌编号",
    checked="更新日期",
    checked_field="updated_on",
    bad_checked="2024-13-45",
    good=[
        {"公示牌编号": "DF-001", **REACH_1, **PLACE_1, "更新日期": "2024-03-01"},
        {"公示牌编号": "DF-002", **REACH_2, **PLACE_2, "更新日期": datetime.date(2024, 3, 2)},
    ],
    stored={
        ("DF-001", "街道1社区1段", LAT_1, LON_1, datetime.date(2024, 3, 1)),
        ("DF-002", "街道1社区2段", LAT_2, LON_2, datetime.date(2024, 3, 2)),
    },
    changed={"更新日期": "2024年4月1日"},
    changed_value=datetime.date(2024, 4, 1),
    notes_hold="GSP-001",
)
OUTFALLS = Kind(
    slug="outfalls",
    model=Outfall,
    sheet="入河排污口",
    headers=["排污口名称", "排污口类型", "河流名称", "河流编码", "河段名称", "纬度", "经度"],
    identity="排污口名称",
    checked="排污口类型",
    checked_field="kind",
    bad_checked="暗管",
    good=[
        {"排污口名称": "东风路雨水口", "排污口类型": "雨水排口", **REACH_1, **PLACE_1},
        {"排污口名称": "建设路污水口", "排污口类型": "城镇生活污水排口", **REACH_2, **PLACE_2},
    ],
    stored={
        ("东风路雨水口", "街道1社区1段", LAT_1, LON_1, "rain"),
        ("建设路污水口", "街道1社区2段", LAT_2, LON_2, "domestic"),
    },
    changed={"排污口类型": "工业排口"},
    changed_value="industrial",
    notes_hold="城镇生活污水排口",
)
FACILITIES = Kind(
    slug="facilities",
    model=Facility,
    sheet="涉河设施",
    headers=["设施名称", "设施类型", "河流名称", "河流编码", "河段名称", "纬度", "经度"],
    identity="设施名称",
    checked="设施类型",
    checked_field="kind",
    bad_checked="水闸",
    good=[
        {"设施名称": "东风桥", "设施类型": "便民桥", **REACH_1, **PLACE_1},
        {"设施名称": "三号涵洞", "设施类型": "涵洞", **REACH_2, **PLACE_2},  # an alias
    ],
    stored={
        ("东风桥", "街道1社区1段", LAT_1, LON_1, "footbridge"),
        ("三号涵洞", "街道1社区2段", LAT_2, LON_2, "culvert"),
    },
    changed={"设施类型": "过水路面"},
    changed_value="ford",
    notes_hold="污水处理厂",
)
KINDS = [SIGNS, OUTFALLS, FACILITIES]
by_kind = pytest.mark.parametrize("kind", KINDS, ids=[k.slug for k in KINDS])
NAMED_KINDS = [OUTFALLS, FACILITIES]
by_named_kind = pytest.mark.parametrize("kind", NAMED_KINDS, ids=[k.slug for k in NAMED_KINDS])
CJK = re.compile(r"[\u4e00-\u9fff]")


def identity_field(kind: Kind) -> str:
    return "code" if kind is SIGNS else "name"


def workbook_bytes(kind: Kind, rows: list[dict], *, headers=None, sheet=None) -> bytes:
    headers = kind.headers if headers is None else headers
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = kind.sheet if sheet is None else sheet
    worksheet.append(headers)
    for row in rows:
        worksheet.append([row.get(header) for header in headers])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(kind: Kind, rows: list[dict], *, encoding="utf-8-sig", title=None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if title is not None:
        writer.writerow([title])
    writer.writerow(kind.headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in kind.headers])
    return buffer.getvalue().encode(encoding)


def upload(content: bytes, name: str = "台账.xlsx") -> SimpleUploadedFile:
    kind = XLSX_MEDIA_TYPE if name.endswith(".xlsx") else "text/csv"
    return SimpleUploadedFile(name, content, content_type=kind)


def ledger_file(kind: Kind, rows: list[dict], **kwargs) -> SimpleUploadedFile:
    return upload(workbook_bytes(kind, rows, **kwargs))


def stored(kind: Kind, identities=None) -> set:
    """The kind's records as (identity, reach, lat, lon, checked field), those the good rows
    name unless ``identities`` says otherwise."""
    key = identity_field(kind)
    if identities is None:
        identities = {row[kind.identity] for row in kind.good}
    records = kind.model.objects.filter(**{f"{key}__in": identities}).select_related("reach")
    return {
        (getattr(r, key), r.reach.name, r.lat, r.lon, getattr(r, kind.checked_field))
        for r in records
    }


def count(kind: Kind) -> int:
    return kind.model.objects.count()


def cells(result) -> set[tuple[int, str]]:
    return {(error.row, error.column) for error in result.row_errors}


def row(kind: Kind, n: int, **changes) -> dict:
    """A good row of its own (identity made from ``n``) with ``changes`` by header."""
    base = dict(kind.good[0])
    base[kind.identity] = f"DF-{n:03d}" if kind is SIGNS else f"{kind.good[0][kind.identity]}{n}"
    base.update(changes)
    return base


# --- the service ------------------------------------------------------------------------------


@by_kind
def test_good_file_creates_the_records(kind, office_a, street_a):
    before = count(kind)

    result = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, kind.good))

    assert result.ok, result.row_errors
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert stored(kind) == kind.stored
    assert count(kind) == before + 2


@by_kind
def test_second_import_of_the_same_file_changes_nothing(kind, office_a, street_a):
    content = workbook_bytes(kind, kind.good)
    assert asset_import(user=office_a, kind=kind.slug, file=upload(content)).ok
    before = count(kind)

    again = asset_import(user=office_a, kind=kind.slug, file=upload(content))

    assert again.ok, again.row_errors
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert count(kind) == before
    assert stored(kind) == kind.stored


@by_kind
def test_changed_cells_update_the_registered_record(kind, office_a, street_a):
    assert asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, kind.good)).ok
    rows = [{**kind.good[0], **kind.changed, "纬度": "34.8"}, kind.good[1]]
    before = count(kind)

    result = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, rows))

    assert result.ok, result.row_errors
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert count(kind) == before
    first = kind.good[0][kind.identity]
    assert stored(kind, {first}) == {
        (first, "街道1社区1段", Decimal("34.800000"), LON_1, kind.changed_value)
    }


@by_kind
def test_a_record_registered_before_the_import_is_updated_not_doubled(kind, office_a, street_a):
    first = kind.good[0]
    factory = (
        factories.SignFactory
        if kind is SIGNS
        else factories.OutfallFactory
        if kind is OUTFALLS
        else factories.FacilityFactory
    )
    existing = factory(reach=street_a.reaches[0], **{identity_field(kind): first[kind.identity]})
    before = count(kind)

    result = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, kind.good))

    assert result.ok, result.row_errors
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert count(kind) == before + 1
    assert stored(kind) == kind.stored
    existing.refresh_from_db()
    assert (existing.lat, existing.lon) == (LAT_1, LON_1)


def test_a_sign_code_moves_its_sign_to_the_reach_the_row_names(office_a, street_a):
    sign = factories.SignFactory(reach=street_a.reaches[1], code="DF-001")

    result = asset_import(user=office_a, kind="signs", file=ledger_file(SIGNS, SIGNS.good[:1]))

    assert (result.created, result.updated) == (0, 1)
    sign.refresh_from_db()
    assert sign.reach == street_a.reaches[0]


@by_named_kind
def test_the_same_name_on_another_reach_is_another_record(kind, office_a, street_a):
    factory = factories.OutfallFactory if kind is OUTFALLS else factories.FacilityFactory
    factory(reach=street_a.reaches[1], name=kind.good[0][kind.identity])

    result = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, kind.good[:1]))

    assert (result.created, result.updated) == (1, 0)


@by_named_kind
def test_a_name_registered_twice_on_the_reach_cannot_be_matched(kind, office_a, street_a):
    factory = factories.OutfallFactory if kind is OUTFALLS else factories.FacilityFactory
    for _ in range(2):
        factory(reach=street_a.reaches[0], name=kind.good[0][kind.identity])
    before = count(kind)

    result = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, kind.good))

    assert cells(result) == {(2, kind.identity)}
    assert "2 个" in result.row_errors[0].message
    assert count(kind) == before


@by_kind
def test_bad_file_imports_nothing_and_names_every_bad_cell(kind, office_a, street_a):
    rows = [
        row(kind, 2),  # row 2: fine on its own
        row(kind, 3, 纬度="北纬34度"),
        row(kind, 4, 纬度=113.6, 经度=34.7),  # swapped
        row(kind, 5, 河段名称="不存在段"),
        row(kind, 6, 河流名称="不存在河"),
        row(kind, 7, 河流名称=None),
        row(kind, 8, **{kind.checked: kind.bad_checked}),
        row(kind, 9, **{kind.identity: None}),
    ]
    before = count(kind)

    result = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, rows))

    assert not result.ok
    assert cells(result) == {
        (3, "纬度"),
        (4, "纬度"),
        (4, "经度"),
        (5, "河段名称"),
        (6, "河流名称"),
        (7, "河流名称"),
        (8, kind.checked),
        (9, kind.identity),
    }
    assert len(result.row_errors) == 8  # one message per bad cell
    assert result.error_count == 8
    messages = {(e.row, e.column): e.message for e in result.row_errors}
    assert all(CJK.search(message) for message in messages.values()), messages
    assert "北纬34度" in messages[(3, "纬度")]
    assert "填反" in messages[(4, "纬度")]
    assert "不存在段" in messages[(5, "河段名称")]
    assert "不存在河" in messages[(6, "河流名称")]
    assert messages[(7, "河流名称")] == "不能为空。"
    assert kind.bad_checked in messages[(8, kind.checked)]
    assert messages[(9, kind.identity)] == "不能为空。"
    assert (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert count(kind) == before


def test_a_sign_code_that_cannot_go_into_the_qr_address_is_refused(office_a, street_a):
    rows = [row(SIGNS, 2, 公示牌编号="东风一号"), row(SIGNS, 3, 公示牌编号="track")]

    result = asset_import(user=office_a, kind="signs", file=ledger_file(SIGNS, rows))

    assert cells(result) == {(2, "公示牌编号"), (3, "公示牌编号")}
    assert "英文字母" in result.row_errors[0].message
    assert "保留" in result.row_errors[1].message


def test_a_type_is_read_by_label_value_or_the_offices_word(office_a, street_a):
    rows = [
        row(OUTFALLS, 2, 排污口类型="industrial"),
        row(OUTFALLS, 3, 排污口类型="雨水排放口"),
        row(OUTFALLS, 4, 排污口类型=" 城镇生活污水排口 "),
    ]

    result = asset_import(user=office_a, kind="outfalls", file=ledger_file(OUTFALLS, rows))

    assert result.ok, result.row_errors
    names = {"东风路雨水口2": "industrial", "东风路雨水口3": "rain", "东风路雨水口4": "domestic"}
    assert dict(Outfall.objects.filter(name__in=names).values_list("name", "kind")) == names


@by_kind
def test_rows_naming_the_same_record_twice_are_errors(kind, office_a, street_a):
    rows = [*kind.good, {**kind.good[0], "纬度": 35}]
    before = count(kind)

    result = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, rows))

    assert cells(result) == {(4, kind.identity)}
    assert "第2行" in result.row_errors[0].message
    assert count(kind) == before


@by_kind
def test_two_rivers_of_one_name_need_the_code(kind, office_a, street_a):
    twin = factories.RiverFactory(region=street_a.street, name="街道1河", code="JD1-TWIN")
    factories.ReachFactory(river=twin, region=street_a.communities[0], name="街道1社区1段")
    own_code = street_a.reaches[0].river.code
    rows = [kind.good[0], {**kind.good[1], "河流编码": own_code}]

    without = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, rows))
    rows[0] = {**rows[0], "河流编码": "JD1-TWIN"}
    with_codes = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, rows))

    assert cells(without) == {(2, "河流编码")}
    assert "河流编码" in without.row_errors[0].message
    assert with_codes.ok, with_codes.row_errors
    record = kind.model.objects.get(**{identity_field(kind): kind.good[0][kind.identity]})
    assert record.reach.river == twin


@by_kind
def test_a_code_naming_another_river_is_an_error(kind, office_a, street_a):
    code = street_a.reaches[0].river.code
    rows = [{**kind.good[0], "河流名称": "别的河", "河流编码": code}]

    result = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, rows))

    assert cells(result) == {(2, "河流名称")}
    assert "街道1河" in result.row_errors[0].message


@by_kind
def test_a_street_office_cannot_import_onto_another_streets_reach(
    kind, office_b, street_a, street_b
):
    own = {**kind.good[0], "河流名称": "街道2河", "河段名称": "街道2社区1段"}
    other = row(kind, 3, **REACH_2)  # street 1's reach
    by_code = row(kind, 4, **REACH_2, 河流编码=street_a.reaches[1].river.code)
    before = count(kind)

    result = asset_import(
        user=office_b, kind=kind.slug, file=ledger_file(kind, [own, other, by_code])
    )

    assert cells(result) == {(3, "河流名称"), (4, "河流编码")}
    assert all("管辖范围" in error.message for error in result.row_errors)
    assert count(kind) == before


@by_kind
def test_a_river_through_two_streets_offers_only_the_own_reach(kind, office_b, street_a, street_b):
    """A county river seen by street 2 through its own reach: street 1's reach stays out."""
    river = factories.RiverFactory(region=street_a.street.parent, name="县河", code="XH-001")
    factories.ReachFactory(river=river, region=street_a.communities[0], name="甲段")
    factories.ReachFactory(river=river, region=street_b.communities[0], name="乙段")
    rows = [
        {**kind.good[0], "河流名称": "县河", "河段名称": "乙段"},
        {**kind.good[1], "河流名称": "县河", "河段名称": "甲段"},
    ]

    result = asset_import(user=office_b, kind=kind.slug, file=ledger_file(kind, rows))

    assert cells(result) == {(3, "河段名称")}
    assert "管辖范围" in result.row_errors[0].message


def test_a_sign_code_used_in_another_region_is_refused(office_b, street_a, street_b):
    sign = factories.SignFactory(reach=street_a.reaches[0], code="DF-001")
    rows = [{**SIGNS.good[0], "河流名称": "街道2河", "河段名称": "街道2社区1段"}]

    result = asset_import(user=office_b, kind="signs", file=ledger_file(SIGNS, rows))

    assert cells(result) == {(2, "公示牌编号")}
    assert "管辖范围以外" in result.row_errors[0].message
    sign.refresh_from_db()
    assert sign.reach == street_a.reaches[0]


@by_kind
def test_the_county_admin_imports_onto_any_street(kind, admin_user, street_a, street_b):
    rows = [kind.good[0], {**kind.good[1], "河流名称": "街道2河", "河段名称": "街道2社区2段"}]

    result = asset_import(user=admin_user, kind=kind.slug, file=ledger_file(kind, rows))

    assert result.ok, result.row_errors
    assert result.created == 2


@by_kind
def test_an_account_without_a_region_imports_nothing(kind, street_a):
    account = make_account(Role.OFFICE, None)

    result = asset_import(user=account, kind=kind.slug, file=ledger_file(kind, kind.good))

    assert result.file_errors == ["您的账号未绑定区域，不能导入台账。"]


@by_kind
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"this is a text file, not a spreadsheet", "找不到表头"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "另存为"),
        (b"\x00\x01\x02binary", "不是 CSV 或 Excel"),
        (b"", "空"),
    ],
    ids=["text", "xls", "binary", "empty"],
)
def test_file_that_is_not_a_ledger_is_refused_with_a_message(kind, office_a, content, expected):
    result = asset_import(user=office_a, kind=kind.slug, file=upload(content, "台账.csv"))

    assert not result.ok
    assert len(result.file_errors) == 1
    assert expected in result.file_errors[0]
    assert CJK.search(result.file_errors[0])


@by_kind
def test_damaged_archive_is_refused(kind, office_a):
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not-really/>")

    result = asset_import(user=office_a, kind=kind.slug, file=upload(buffer.getvalue()))

    assert "损坏" in result.file_errors[0]


@by_kind
def test_too_large_file_is_refused(kind, office_a, settings):
    settings.LEDGER_MAX_BYTES = 1024

    result = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, kind.good))

    assert result.file_errors == ["文件超过 0.000976562 MB，请分批导入。"]  # 1024 / 1024²


@by_kind
def test_too_many_rows_are_refused(kind, office_a, monkeypatch):
    monkeypatch.setattr(ledger_assets, "MAX_ROWS", 1)

    result = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, kind.good))

    assert result.file_errors == ["数据超过 1 行的上限（共 2 行），请分批导入。"]


@by_kind
def test_a_long_error_list_is_cut_short(kind, office_a, street_a, monkeypatch):
    monkeypatch.setattr(ledger_assets, "MAX_REPORTED_ERRORS", 2)
    rows = [row(kind, n, 纬度="x") for n in range(2, 5)]

    result = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, rows))

    assert [(e.row, e.column) for e in result.row_errors] == [(2, "纬度"), (3, "纬度")]
    assert result.error_count == 3
    assert result.truncated


@by_kind
def test_missing_columns_and_rows_are_named(kind, office_a):
    headers = [h for h in kind.headers if h not in ("纬度", kind.checked)]
    no_columns = asset_import(
        user=office_a, kind=kind.slug, file=ledger_file(kind, kind.good, headers=headers)
    )
    empty = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, []))

    missing = (
        "纬度、更新日期" if kind is SIGNS else f"{kind.checked}、纬度"
    )  # in the columns' order
    assert no_columns.file_errors == [
        f"工作表「{kind.sheet}」缺少以下列：{missing}。请使用下载的导入模板。"
    ]
    assert empty.file_errors == ["表头下方没有数据行。"]


@by_kind
def test_a_repeated_header_is_named(kind, office_a):
    headers = [*kind.headers, "纬度"]

    result = asset_import(
        user=office_a, kind=kind.slug, file=ledger_file(kind, kind.good, headers=headers)
    )

    assert result.file_errors == ["表头中以下列重复出现：纬度。"]


@by_kind
def test_sheet_as_offices_keep_it(kind, office_a, street_a):
    """Any sheet name, a title row merged across, a numbering column, loose header spelling,
    the river's name merged down its rows and a remarks column nobody imports."""
    spelled = {"河流名称": "所在河流", "河段名称": "河 段", "纬度": "lat", "经度": "经度 "}
    headers = ["序号", *(spelled.get(h, h) for h in kind.headers), "备注"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append([f"街道1{kind.sheet}台账"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(headers)
    for number, good in enumerate(kind.good, start=1):
        sheet.append([number, *(good.get(h) for h in kind.headers), "已核实"])
    river_column = headers.index("所在河流") + 1
    sheet.cell(row=4, column=river_column).value = None
    sheet.merge_cells(start_row=3, start_column=river_column, end_row=4, end_column=river_column)
    workbook.create_sheet("说明").append(["本表由街道办填写"])
    buffer = BytesIO()
    workbook.save(buffer)

    result = asset_import(user=office_a, kind=kind.slug, file=upload(buffer.getvalue()))

    assert result.ok, (result.file_errors, result.row_errors)
    assert result.created == 2
    assert stored(kind) == kind.stored


@by_kind
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_in_utf8_or_gbk_with_a_title_row(kind, office_a, street_a, encoding):
    content = csv_bytes(kind, kind.good, encoding=encoding, title=f"{kind.sheet}台账")

    result = asset_import(user=office_a, kind=kind.slug, file=upload(content, "台账.csv"))

    assert result.ok, (result.file_errors, result.row_errors)
    assert stored(kind) == kind.stored


@by_kind
def test_csv_errors_name_the_row_as_excel_shows_it(kind, office_a, street_a):
    rows = [kind.good[0], {**kind.good[1], "经度": "东经113度"}]
    content = csv_bytes(kind, rows, title="台账")

    result = asset_import(user=office_a, kind=kind.slug, file=upload(content, "台账.csv"))

    assert cells(result) == {(4, "经度")}  # title row 1, header row 2


@by_named_kind
@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","y")', "+1", "-1+1", "@SUM(1)"])
def test_text_that_looks_like_a_formula_is_kept_as_text(kind, office_a, street_a, api, text):
    rows = [{**kind.good[0], kind.identity: text}]
    csv_file = csv_bytes(kind, rows)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(kind.headers)
    for index, header in enumerate(kind.headers, start=1):
        value = {**kind.good[1], kind.identity: f"{text}2"}.get(header)
        write_cell(sheet, row=2, column=index, value=value)  # a text cell, as Excel keeps '=...
    buffer = BytesIO()
    workbook.save(buffer)

    from_csv = asset_import(user=office_a, kind=kind.slug, file=upload(csv_file, "台账.csv"))
    from_xlsx = asset_import(user=office_a, kind=kind.slug, file=upload(buffer.getvalue()))

    assert from_csv.ok and from_xlsx.ok, (from_csv.row_errors, from_xlsx.row_errors)
    assert kind.model.objects.filter(name__in=[text, f"{text}2"]).count() == 2
    export = api.as_user(office_a).get(
        reverse(f"{kind.model.__name__.lower()}-list"), {"format": "xlsx"}
    )
    assert export.status_code == 200
    exported = load_workbook(BytesIO(export.content))
    cells_ = [cell for ws in exported.worksheets for r in ws.iter_rows() for cell in r]
    assert [c.coordinate for c in cells_ if c.data_type == "f"] == []
    shown = {cell.value: cell for cell in cells_ if isinstance(cell.value, str)}
    assert shown[text].data_type == "s"


def test_a_formula_as_a_sign_code_is_refused(office_a, street_a):
    rows = [{**SIGNS.good[0], "公示牌编号": '=HYPERLINK("http://x","y")'}]

    result = asset_import(user=office_a, kind="signs", file=ledger_file(SIGNS, rows))

    assert cells(result) == {(2, "公示牌编号")}


@by_kind
def test_database_refusal_rolls_everything_back(kind, office_a, street_a, monkeypatch):
    created = []
    real_create = ledger_assets.model_create

    def refuse_the_second(**kwargs):
        if created:
            raise ValidationError({"lat": ["数据库不接受这个纬度。"]})
        created.append(real_create(**kwargs))
        return created[-1]

    monkeypatch.setattr(ledger_assets, "model_create", refuse_the_second)
    before = count(kind)

    result = asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, kind.good))

    assert [(e.row, e.column, e.message) for e in result.row_errors] == [
        (3, "纬度", "数据库不接受这个纬度。")
    ]
    assert count(kind) == before  # the first row's record went too
    assert not AuditEntry.objects.filter(action="bulk_import").exists()


@by_kind
def test_one_audit_entry_names_what_the_import_made_and_changed(kind, office_a, street_a):
    assert asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, kind.good)).ok
    first = kind.model.objects.get(**{identity_field(kind): kind.good[0][kind.identity]})
    second = kind.model.objects.get(**{identity_field(kind): kind.good[1][kind.identity]})
    rows = [{**kind.good[0], "纬度": 35}, kind.good[1]]

    assert asset_import(user=office_a, kind=kind.slug, file=ledger_file(kind, rows)).ok

    entries = list(AuditEntry.objects.filter(action="bulk_import").order_by("pk"))
    assert [
        (
            e.user,
            e.object_type,
            e.object_repr,
            e.detail["rows"],
            e.detail["created"],
            e.detail["updated"],
        )
        for e in entries
    ] == [
        (
            office_a,
            f"rivers.{kind.model.__name__.lower()}",
            kind.sheet,
            2,
            [first.pk, second.pk],
            [],
        ),
        (office_a, f"rivers.{kind.model.__name__.lower()}", kind.sheet, 2, [], [first.pk]),
    ]


@by_kind
def test_template_reimports_cleanly_once_filled(kind, client, office_a, street_a):
    client.force_login(office_a)

    response = client.get(reverse(f"ledger-template-{kind.slug}"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_MEDIA_TYPE
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == [kind.sheet, "填表说明"]
    sheet = workbook[kind.sheet]
    assert [cell.value for cell in sheet[1]] == kind.headers
    assert sheet.freeze_panes == "A2"
    notes = " ".join(str(c.value) for r in workbook["填表说明"].iter_rows() for c in r)
    assert kind.notes_hold in notes
    assert "只要有一处错误" in notes
    for good in kind.good:
        sheet.append([good.get(header) for header in kind.headers])
    buffer = BytesIO()
    workbook.save(buffer)

    result = asset_import(user=office_a, kind=kind.slug, file=upload(buffer.getvalue()))

    assert result.ok, result.row_errors
    assert result.created == 2


@by_named_kind
def test_the_template_offers_the_types_as_a_list(kind, client, office_a):
    client.force_login(office_a)
    response = client.get(reverse(f"ledger-template-{kind.slug}"))
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content)))[kind.sheet]

    [validation] = sheet.data_validations.dataValidation

    assert validation.type == "list"
    assert str(validation.sqref) == "B2:B501"
    assert kind.good[0][kind.checked] in validation.formula1


# --- the pages --------------------------------------------------------------------------------


@by_kind
def test_page_renders_for_office(kind, client, office_a):
    client.force_login(office_a)

    response = client.get(reverse(f"ledger-import-{kind.slug}"))

    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{kind.model._meta.verbose_name}台账导入</h1>" in html
    assert 'type="file"' in html
    assert 'accept=".xlsx,.csv"' in html
    assert 'for="id_file"' in html
    assert "csrfmiddlewaretoken" in html
    assert reverse(f"ledger-template-{kind.slug}") in html
    assert reverse("ledger-import") in html  # the other ledgers' imports


@by_kind
def test_page_is_forbidden_to_chiefs_and_leaders_and_needs_login(kind, client, chief_a1, street_a):
    page, template = reverse(f"ledger-import-{kind.slug}"), reverse(f"ledger-template-{kind.slug}")
    assert client.get(page).status_code == 302  # to the login page
    before = count(kind)
    for account in (chief_a1, make_account(Role.LEADER, street_a.street)):
        client.force_login(account)

        assert client.get(page).status_code == 403
        assert client.get(template).status_code == 403
        assert client.post(page, {"file": ledger_file(kind, kind.good)}).status_code == 403
    assert count(kind) == before


@by_kind
def test_page_imports_and_reports_counts(kind, client, office_a, street_a):
    client.force_login(office_a)
    page = reverse(f"ledger-import-{kind.slug}")

    response = client.post(page, {"file": ledger_file(kind, kind.good)}, follow=True)

    assert response.redirect_chain == [(page, 302)]
    html = response.content.decode()
    label = kind.model._meta.verbose_name
    assert f"导入完成：{label}新增 2，更新 0，无变化 0。" in html
    assert stored(kind) == kind.stored

    again = client.post(page, {"file": ledger_file(kind, kind.good)}, follow=True)

    assert "导入完成：台账与系统中的记录一致，没有新增或更新。" in again.content.decode()


@by_kind
def test_page_lists_every_error_and_imports_nothing(kind, client, office_a, street_a):
    client.force_login(office_a)
    rows = [kind.good[0], {**kind.good[1], "纬度": "abc", kind.checked: kind.bad_checked}]
    before = count(kind)

    response = client.post(reverse(f"ledger-import-{kind.slug}"), {"file": ledger_file(kind, rows)})

    assert response.status_code == 200
    html = response.content.decode()
    assert "未导入任何数据" in html
    assert '<th scope="col">行</th>' in html
    assert "<td>3</td><td>纬度</td>" in html
    assert f"<td>3</td><td>{kind.checked}</td>" in html
    assert count(kind) == before


@by_kind
def test_page_reports_a_file_that_is_not_a_ledger(kind, client, office_a):
    client.force_login(office_a)

    response = client.post(
        reverse(f"ledger-import-{kind.slug}"), {"file": upload(b"\x00binary", "x.csv")}
    )

    assert response.status_code == 200
    assert "不是 CSV 或 Excel" in response.content.decode()


@by_kind
def test_page_needs_the_csrf_token(kind, office_a, street_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(office_a)
    before = count(kind)

    response = client.post(
        reverse(f"ledger-import-{kind.slug}"), {"file": ledger_file(kind, kind.good)}
    )

    assert response.status_code == 403
    assert count(kind) == before


@by_kind
def test_the_workbench_list_links_the_import_for_writers_only(kind, client, office_a, street_a):
    page = reverse(f"ledger-import-{kind.slug}")
    listing = reverse("workbench:list", args=[kind.slug])
    client.force_login(office_a)
    assert page in client.get(listing).content.decode().split("<main")[1]
    client.force_login(make_account(Role.LEADER, street_a.street))
    assert page not in client.get(listing).content.decode().split("<main")[1]


def test_the_office_navigation_offers_every_ledger_import(client, office_a):
    client.force_login(office_a)
    html = client.get("/").content.decode()
    nav = html[html.index("<nav") : html.index("</nav>", html.index("<nav"))]
    for name in ("ledger-import", *(f"ledger-import-{k.slug}" for k in KINDS)):
        assert f'href="{reverse(name)}"' in nav


# --- the API ----------------------------------------------------------------------------------


@by_kind
def test_api_imports_a_good_file(kind, api, office_a, street_a):
    url = reverse(f"ledger-{kind.slug}-import")
    client = api.as_user(office_a)

    response = client.post(url, {"file": ledger_file(kind, kind.good)}, format="multipart")
    again = client.post(url, {"file": ledger_file(kind, kind.good)}, format="multipart")

    assert response.status_code == 201, response.data
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 0}
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}


@by_kind
def test_api_answers_400_with_rows_for_a_bad_file(kind, api, office_a, street_a):
    rows = [kind.good[0], {**kind.good[1], "经度": "abc"}]
    before = count(kind)

    response = api.as_user(office_a).post(
        reverse(f"ledger-{kind.slug}-import"), {"file": ledger_file(kind, rows)}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json() == {
        "rows": [
            {
                "row": 3,
                "column": "经度",
                "message": "「abc」不是数字，请填写十进制度数（WGS-84），如 113.264500。",
            }
        ]
    }
    assert count(kind) == before


@by_kind
def test_api_answers_400_for_a_file_that_is_not_a_ledger_or_missing(kind, api, office_a):
    client = api.as_user(office_a)
    url = reverse(f"ledger-{kind.slug}-import")

    not_ledger = client.post(url, {"file": upload(b"\x00binary", "x.csv")}, format="multipart")
    missing = client.post(url, {}, format="multipart")

    assert not_ledger.status_code == 400
    assert not_ledger.json() == {"file": ["文件不是 CSV 或 Excel（.xlsx）文件。"]}
    assert missing.status_code == 400
    assert list(missing.json()) == ["file"]


@by_kind
def test_api_is_for_offices_only(kind, api, chief_a1, street_a):
    before = count(kind)
    for account in (chief_a1, make_account(Role.LEADER, street_a.street)):
        client = api.as_user(account)

        upload_response = client.post(
            reverse(f"ledger-{kind.slug}-import"),
            {"file": ledger_file(kind, kind.good)},
            format="multipart",
        )
        template_response = client.get(reverse(f"ledger-{kind.slug}-template"))

        assert upload_response.status_code == 403
        assert template_response.status_code == 403
    assert count(kind) == before


@by_kind
def test_api_serves_the_template(kind, api, office_a):
    response = api.as_user(office_a).get(reverse(f"ledger-{kind.slug}-template"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_MEDIA_TYPE
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert [cell.value for cell in workbook[kind.sheet][1]] == kind.headers


def test_the_api_schema_documents_the_imports(api, office_a):
    schema = api.as_user(office_a).get("/api/schema/", {"format": "json"}).json()

    for kind in KINDS:
        post = schema["paths"][f"/api/v1/ledgers/{kind.slug}/"]["post"]
        assert post["summary"] == f"导入{kind.sheet}台账（.xlsx 或 CSV）"
        assert set(post["responses"]) >= {"201", "400"}
        get = schema["paths"][f"/api/v1/ledgers/{kind.slug}/template/"]["get"]
        assert get["summary"] == f"下载{kind.sheet}导入模板"


# --- phone numbers: the roster's, a Chinese mobile or fixed line ---------------------------------


@pytest.mark.parametrize("phone", ["13812345678", "0371-12345678", "037112345678", "12345678"])
def test_a_mobile_or_fixed_line_number_is_a_phone_number(phone):
    phone_validator(phone)


@pytest.mark.parametrize("phone", ["12345", "23812345678", "1381234567", "0371-123", "abc"])
def test_other_numbers_are_refused_in_chinese(phone):
    with pytest.raises(ValidationError) as refused:
        phone_validator(phone)
    assert refused.value.messages == ["请输入有效的手机号（11位）或座机号（如 0371-12345678）。"]
