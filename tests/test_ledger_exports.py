"""Every Excel the portal exports is a ledger an office can file and print (issue #14).

The routes are found by walking the URL configuration, so a new export cannot be missed: every
list of the API (``?format=xlsx``) and every view that declares the spreadsheet renderer. Each
is asked for on a small hand-built world whose records have ids from 700001 up, so that a raw
id in a cell shows as a six-digit 7xxxxx; user text starting with "=" is planted in the records.
"""

import datetime
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from openpyxl import load_workbook
from rest_framework.settings import api_settings

from accounts.models import Region, Role
from audit.models import AuditAction
from audit.services import audit_record
from core.ledgers import XLSX_MEDIA_TYPE, display_width
from core.renderers import XLSXRenderer
from rivers.ledger import COLUMNS
from rivers.models import Chief, ChiefRole, Reach, River
from rivers.water_ledger import COLUMNS as WATER_COLUMNS

from . import factories
from .conftest import _build_street, make_account

IDS_FROM = 700_001
RAW_ID = re.compile(r"(?<![\d.])7\d{5}(?![\d.])")
HYPERLINK = '=HYPERLINK("http://x","y")'
ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?)?$"
)
CJK = re.compile(r"[\u4e00-\u9fff]")
# Views that answer a spreadsheet but are no list: the empty templates the imports read.
NOT_LEDGERS = {
    "ledger-roster-template",
    "ledger-signs-template",
    "ledger-outfalls-template",
    "ledger-facilities-template",
    "ledger-water-readings-template",
}
# The roster exports in its import's shape, whose headers are Chinese in every language.
ROSTER = "chief-list"
# So do the water-quality readings, in the stations' layout.
WATER = "water-reading-list"
# Lists whose records carry dates (each such record has one in the world below).
DATED = {
    "chief-list",
    "sign-list",
    "patrol-rule-list",
    "patrol-list",
    "issue-list",
    "issue-ledger",
    "supervision-order-list",
    "notification-list",
    "calendar-day-list",
    "map-patch-batch-list",
    "map-patch-list",
    "map-patch-batch-export",
    "public-report-list",
    "publicity-event-list",
    "cleanup-list",
    "meeting-list",
    "inspection-list",
    "sign-update-list",
    "outfall-check-list",
    "facility-check-list",
    "audit-entry-list",
}


# --- the routes ---------------------------------------------------------------------------


def _renderers(pattern: URLPattern) -> list:
    view = pattern.callback
    cls = getattr(view, "cls", None)
    if cls is None:
        return []
    actions = getattr(view, "actions", None)
    if actions is not None:
        handler = getattr(cls, actions.get("get", ""), None)
        declared = getattr(handler, "kwargs", {}).get("renderer_classes")
        if declared is not None:
            return list(declared)
        # A list answers ?format=xlsx with the default renderers; another action does not count.
        return list(cls.renderer_classes) if actions.get("get") == "list" else []
    if cls.renderer_classes is api_settings.DEFAULT_RENDERER_CLASSES:
        return []
    return list(cls.renderer_classes)


def xlsx_routes() -> set[str]:
    """The names of the routes under /api/v1/ that answer a spreadsheet."""
    found = set()

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif prefix.startswith("api/v1/") and any(
                issubclass(renderer, XLSXRenderer) for renderer in _renderers(pattern)
            ):
                found.add(pattern.name)

    walk(get_resolver().url_patterns, "")
    return found


# --- the world ----------------------------------------------------------------------------


@pytest.fixture
def high_ids(db):
    """Every table numbers its rows from 700001: a raw id in a ledger is then plain to see."""
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if isinstance(model._meta.pk, models.AutoField):
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), %s, false)",
                    [model._meta.db_table, model._meta.pk.column, IDS_FROM],
                )


@pytest.fixture
def world(high_ids):
    county = factories.CountyFactory(name="测试区", code="410100")
    street = _build_street(county, 1)
    other = _build_street(county, 2)
    community, reach = street.communities[0], street.reaches[0]
    office = make_account(Role.OFFICE, street.street)
    assert office.pk >= IDS_FROM
    admin = make_account(Role.ADMIN, county)
    make_account(Role.CHIEF, community, chief=street.chiefs[0])
    # A street chief over both communities' reaches, a general chief over none, a chief whose
    # name a formula, and one relieved.
    street_chief = factories.ChiefFactory(
        region=street.street,
        role=ChiefRole.STREET_CHIEF,
        name="王街长",
        phone="0371-12345678",
        title="街道办事处副主任",
        reaches=street.reaches,
    )
    factories.ChiefFactory(region=street.street, role=ChiefRole.GENERAL_CHIEF, name="赵总")
    factories.ChiefFactory(region=community, name=HYPERLINK, title=HYPERLINK, reaches=[reach])
    factories.ChiefFactory(
        region=community, name="钱旧", reaches=[reach], relieved_on=datetime.date(2024, 1, 31)
    )
    factories.PatrolRuleFactory()
    patrol = factories.PatrolFactory(chief=street.chiefs[0], reach=reach, notes=HYPERLINK)
    factories.FindingPhotoFactory(finding=factories.FindingFactory(patrol=patrol))
    issue = factories.IssueFactory(reach=reach, title=HYPERLINK, description="-1+1", patrol=patrol)
    factories.IssueFactory(reach=other.reaches[0], title="另一街道的问题")
    factories.SupervisionOrderFactory(issue=issue)
    factories.NotificationFactory(recipient=office, issue=issue, body=HYPERLINK)
    factories.CalendarDayFactory()
    factories.DeadlineRuleFactory()
    batch = factories.PatchBatchFactory(region=street.street, name="第一批")
    patch = factories.MapPatchFactory(batch=batch, note=HYPERLINK, issue=issue)
    patch.checked_at = timezone.now()
    patch.save()
    factories.PublicReportFactory(issue=issue)
    factories.PublicityEventFactory(region=street.street, notes=HYPERLINK, venues=["community"])
    factories.CleanupFactory(region=community, reaches=[reach], notes=HYPERLINK)
    factories.MeetingFactory(region=street.street)
    inspection = factories.InspectionFactory(region=street.street, topics=["livestock"])
    inspection.participants.set([street_chief])
    factories.SignUpdateFactory(sign=reach.signs.get(), notes=HYPERLINK)
    factories.OutfallCheckFactory(outfall=reach.outfalls.get(), notes=HYPERLINK, issue=issue)
    factories.FacilityCheckFactory(facility=reach.facilities.get(), notes=HYPERLINK)
    point = factories.MonitoringPointFactory(reach=reach, river=reach.river)
    factories.WaterReadingFactory(point=point, do=Decimal("4.2"), nh3n=Decimal("1.65"))
    audit_record(
        user=office,
        action=AuditAction.UPDATE,
        obj=street_chief,
        changes={"title": ["街道办事处干部", "街道办事处副主任"]},
    )
    return {"street": street, "other": other, "office": office, "admin": admin, "batch": batch}


def request_export(api, world, name: str, language: str = "zh-hans", **params):
    user = world["admin"] if name == "audit-entry-list" else world["office"]
    if name == "map-patch-batch-export":
        url = reverse(name, args=[world["batch"].pk])
    else:
        url = reverse(name)
    if name == "patrol-compliance":
        params = {"date_from": "2024-05-01", "date_to": "2024-05-31", **params}
    if name.endswith("-list") or name == "patrol-compliance":
        params = {"format": "xlsx", **params}
    response = api.as_user(user).get(url, params, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (name, response.content[:300])
    assert response["Content-Type"].startswith(XLSX_MEDIA_TYPE)
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(BytesIO(content)).active


ROUTES = sorted(xlsx_routes() - NOT_LEDGERS)


def test_the_walk_finds_every_export():
    # The lists the walk must find, and the files beside them; a new export joins by itself.
    assert {
        "region-list",
        "chief-list",
        "reach-list",
        "sign-list",
        "outfall-list",
        "facility-list",
        "monitoring-point-list",
        "water-reading-list",
        "patrol-list",
        "issue-list",
        "issue-ledger",
        "patrol-compliance",
        "map-patch-list",
        "map-patch-batch-export",
        "public-report-list",
        "publicity-event-list",
        "cleanup-list",
        "meeting-list",
        "inspection-list",
        "sign-update-list",
        "outfall-check-list",
        "facility-check-list",
        "ledger-roster-template",
        "ledger-signs-template",
    } <= xlsx_routes()
    assert "bulletin-list" not in xlsx_routes()  # no spreadsheet renderer: no ledger
    assert len(ROUTES) == 31


# --- every export -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ROUTES)
def test_every_export_is_a_ledger(api, world, name):
    sheet = request_export(api, world, name)
    rows = list(sheet.iter_rows())
    title, header, data = rows[0], rows[1], rows[2:]

    # The title row: the region in full, the ledger's name, the day it was printed.
    region = "测试区" if name == "audit-entry-list" else "测试区/街道1"
    printed = f"打印日期：{timezone.localdate():%Y-%m-%d}"
    assert title[0].value.startswith(region + " "), title[0].value
    assert title[0].value.endswith(printed)
    assert all(cell.value is None for cell in title[1:])  # one cell, merged across
    assert title[0].alignment.wrap_text and sheet.row_dimensions[1].height >= 24
    assert data, "the world has a record for every list"

    # The header: Chinese labels, none of them an id.
    headers = [cell.value for cell in header]
    assert all(isinstance(text, str) and CJK.search(text) for text in headers), headers
    assert not {"ID", "id", "Id"} & set(headers)
    assert not any(text.upper().endswith("ID") for text in headers)

    cells = [cell for row in data for cell in row]
    # No formula from user text; the text is shown as typed.
    assert [(c.coordinate, c.value) for c in cells if c.data_type == "f"] == []
    for cell in cells:
        if cell.value == HYPERLINK:
            assert (cell.data_type, cell.quotePrefix) == ("s", True)
    # Names, not ids; dates as dates; no Python or TRUE/FALSE.
    for cell in cells:
        value = cell.value
        assert cell.data_type != "b", cell.coordinate
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            assert not RAW_ID.fullmatch(str(value)), (cell.coordinate, value)
        if isinstance(value, str):
            assert not RAW_ID.search(value), (cell.coordinate, value)
            assert not ISO_DATE.match(value), (cell.coordinate, value)
            assert value not in ("True", "False", "TRUE", "FALSE", "None"), cell.coordinate
            assert not value.startswith(("{", "[")), (cell.coordinate, value)
    if name in DATED:
        dates = [c for c in cells if isinstance(c.value, datetime.datetime)]
        assert dates and all(c.number_format.startswith("yyyy-mm-dd") for c in dates)

    # Laid out: borders, widths fitted, the header kept in view and filtered.
    assert header[0].font.bold and header[0].border.left.style == "thin"
    assert data[0][0].border.bottom.style == "thin"
    for index in range(1, len(headers) + 1):
        width = sheet.column_dimensions[sheet.cell(2, index).column_letter].width
        assert 6 <= width <= 62
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == f"A2:{header[-1].column_letter}{len(rows)}"

    # Printed: landscape A4, one page wide, the header on every page.
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize) == ("landscape", 9)
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == "$2:$2"
    assert "&P" in sheet.oddFooter.center.text


@pytest.mark.parametrize("name", ROUTES)
def test_headers_follow_the_english_ui(api, world, name):
    sheet = request_export(api, world, name, language="en")
    headers = [cell.value for cell in sheet[2]]
    if name == ROSTER:
        # The roster keeps its import's headers, in every language.
        assert headers == [column.header for column in COLUMNS]
        return
    if name == WATER:
        shape = [column.header for column in WATER_COLUMNS]
        assert headers[: len(shape)] == shape
        return
    with translation.override("en"):
        for header in headers:
            # Chinese only where the English catalogue has no translation yet (new strings).
            if CJK.search(header):
                assert translation.gettext(header) == header, header
    assert sum(1 for header in headers if not CJK.search(header)) >= len(headers) / 2, headers


@pytest.mark.parametrize("name", ["reach-list", "sign-list", "issue-list", "cleanup-list"])
def test_fully_translated_ledgers_have_no_chinese_header_in_english(api, world, name):
    sheet = request_export(api, world, name, language="en")
    assert [cell.value for cell in sheet[2] if CJK.search(cell.value)] == []


def test_widths_count_chinese_characters_double():
    assert display_width("河长") == 4
    assert display_width("ab") == 2
    assert display_width("东风街道\nab") == 8
    assert display_width(datetime.date(2024, 5, 6)) == 10


# --- names, typed cells and filters in particular ---------------------------------------------


def ledger(sheet) -> tuple[str, list[dict]]:
    rows = list(sheet.iter_rows(values_only=True))
    return rows[0][0], [dict(zip(rows[1], row, strict=True)) for row in rows[2:]]


def test_regions_are_named_in_full_and_related_records_by_name(api, world):
    _title, reaches = ledger(request_export(api, world, "reach-list"))
    assert {(r["河流名称"], r["所在区域"], r["河段名称"]) for r in reaches} == {
        ("街道1河", "测试区/街道1/街道1社区1", "街道1社区1段"),
        ("街道1河", "测试区/街道1/街道1社区2", "街道1社区2段"),
    }
    _title, regions = ledger(request_export(api, world, "region-list"))
    assert {(r["名称"], r["上级区域"]) for r in regions} == {
        ("街道1", "测试区"),
        ("街道1社区1", "测试区/街道1"),
        ("街道1社区2", "测试区/街道1"),
    }
    _title, [inspection] = ledger(request_export(api, world, "inspection-list"))
    assert inspection["参加人员名单"] == "王街长（街级河长）"
    assert inspection["排查内容"] == "畜禽养殖业"


def test_patrols_list_what_an_office_files(api, world):
    _title, [patrol] = ledger(request_export(api, world, "patrol-list"))
    chief = world["street"].chiefs[0]
    assert patrol["巡河日期"] == datetime.datetime(2024, 5, 6)
    assert (patrol["河长"], patrol["类别"]) == (chief.name, "社区级河长")
    assert patrol["所在区域"] == "测试区/街道1/街道1社区1"
    assert patrol["河段"] == "街道1河 街道1社区1段"
    assert patrol["开始时间"] == datetime.datetime(2024, 5, 6, 17, 0)  # Beijing time
    assert (patrol["时长（分钟）"], patrol["里程（公里）"], patrol["有效"]) == (40, 1.2, "是")
    assert patrol["巡河发现"].startswith("岸边垃圾")
    assert patrol["照片数"] == 1


def test_the_compliance_list_has_its_ledger(api, world):
    title, rows = ledger(request_export(api, world, "patrol-compliance"))
    assert title.startswith("测试区/街道1 河长巡河情况（日期：2024-05-01 至 2024-05-31）")
    assert {row["姓名"] for row in rows} >= {c.name for c in world["street"].chiefs}
    assert {row["所在区域"] for row in rows} <= {
        "测试区/街道1",
        "测试区/街道1/街道1社区1",
        "测试区/街道1/街道1社区2",
    }


def test_the_title_names_the_filters_the_list_was_exported_with(api, world):
    reach = world["street"].reaches[0]
    title, rows = ledger(
        request_export(
            api,
            world,
            "issue-list",
            status="reported",
            date_from="2024-01-01",
            date_to="2024-12-31",
            reach=reach.pk,
            search="HYPER",
        )
    )
    assert title.startswith(
        "测试区/街道1 问题台账（日期：2024-01-01 至 2024-12-31；状态：待交办；"
        "河段：街道1河 街道1社区1段；关键词：HYPER）"
    )
    assert [row["标题"] for row in rows] == [HYPERLINK]

    community = world["street"].communities[1]
    title, rows = ledger(request_export(api, world, "sign-list", region=community.pk))
    assert title.startswith("测试区/街道1/街道1社区2 河长公示牌    打印日期：")
    assert [row["河段名称"] for row in rows] == ["街道1河 街道1社区2段"]


def test_a_filter_on_another_regions_record_does_not_name_it(api, world):
    outsider = world["other"].chiefs[0]
    title, rows = ledger(request_export(api, world, "patrol-list", chief=outsider.pk))
    assert outsider.name not in title
    assert rows == []


# --- the roster: export, edit, import ---------------------------------------------------------


def test_the_roster_exports_in_the_shape_its_import_reads(api, world):
    sheet = request_export(api, world, ROSTER)
    title, rows = ledger(sheet)
    assert sheet.title == "河长名录"
    assert title.startswith("测试区/街道1 河长名录（在任：是）")
    assert list(rows[0]) == [column.header for column in COLUMNS]
    by_name: dict[str, list[dict]] = {}
    for row in rows:
        by_name.setdefault(row["姓名"], []).append(row)
    assert "钱旧" not in by_name  # relieved: the import would appoint him again
    # One row a chief and reach, by name; a chief with no reach on a row of its own.
    assert [(r["街道"], r["社区"], r["河段名称"]) for r in by_name["王街长"]] == [
        ("街道1", None, "街道1社区1段"),
        ("街道1", None, "街道1社区2段"),
    ]
    [general] = by_name["赵总"]
    assert (general["河长类别"], general["河流名称"], general["河段名称"]) == ("总河长", None, None)
    [chief] = by_name[world["street"].chiefs[0].name]
    assert (chief["街道"], chief["社区"], chief["河流名称"], chief["河流类型"]) == (
        "街道1",
        "街道1社区1",
        "街道1河",
        "河流",
    )
    assert (chief["岸别"], chief["河段长度（公里）"]) == ("两岸", 2.4)
    assert chief["任职日期"] == datetime.datetime(2023, 1, 1)
    assert by_name["王街长"][0]["联系电话"] == "0371-12345678"  # the landline's leading zero


def _state() -> dict:
    return {
        "regions": sorted(Region.objects.values_list("pk", "name", "code", "level", "parent")),
        "rivers": sorted(River.objects.values_list("pk", "name", "code", "kind", "length_km")),
        "reaches": sorted(
            Reach.objects.values_list("pk", "river", "region", "name", "bank", "length_km")
        ),
        "chiefs": sorted(
            Chief.objects.values_list(
                "pk", "name", "phone", "role", "title", "unit", "region", "appointed_on"
            )
        ),
        "links": sorted(Chief.reaches.through.objects.values_list("chief", "reach")),
    }


def _import(api, world, content: bytes):
    upload = SimpleUploadedFile("河长名录.xlsx", content, content_type=XLSX_MEDIA_TYPE)
    return api.as_user(world["office"]).post(
        reverse("ledger-roster-import"), {"file": upload}, format="multipart"
    )


def test_the_roster_round_trips_export_edit_import(api, world):
    sheet = request_export(api, world, ROSTER)
    chief = world["street"].chiefs[1]
    before = _state()

    # Imported back as it is, it changes nothing.
    buffer = BytesIO()
    sheet.parent.save(buffer)
    unchanged = _import(api, world, buffer.getvalue())
    assert unchanged.status_code == 201, unchanged.content
    assert unchanged.json() == {
        "created": {"regions": 0, "rivers": 0, "reaches": 0, "chiefs": 0},
        "updated": {"regions": 0, "rivers": 0, "reaches": 0, "chiefs": 0},
    }
    assert _state() == before

    # The office changes one chief's phone in Excel and imports the sheet.
    phone_column = [cell.value for cell in sheet[2]].index("联系电话") + 1
    name_column = [cell.value for cell in sheet[2]].index("姓名") + 1
    [row] = [
        r for r in range(3, sheet.max_row + 1) if sheet.cell(r, name_column).value == chief.name
    ]
    sheet.cell(row, phone_column).value = "13912345678"
    buffer = BytesIO()
    sheet.parent.save(buffer)
    response = _import(api, world, buffer.getvalue())

    assert response.status_code == 201, response.content
    assert response.json() == {
        "created": {"regions": 0, "rivers": 0, "reaches": 0, "chiefs": 0},
        "updated": {"regions": 0, "rivers": 0, "reaches": 0, "chiefs": 1},
    }
    after = _state()
    expected = {
        **before,
        "chiefs": sorted(
            (pk, name, "13912345678" if pk == chief.pk else phone, *rest)
            for pk, name, phone, *rest in before["chiefs"]
        ),
    }
    assert after == expected  # that phone, and nothing else; no second entry for the chief


# --- what the round trip needs of the import ----------------------------------------------------


def _roster_file(rows: list[dict]) -> SimpleUploadedFile:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "河长名录"
    headers = [column.header for column in COLUMNS]
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("河长名录.xlsx", buffer.getvalue(), content_type=XLSX_MEDIA_TYPE)


def test_a_chief_who_answers_for_no_reach_imports_on_a_row_of_its_own(world):
    from rivers.ledger import roster_import

    row = {
        "街道": "街道1",
        "河长类别": "河长联络员",
        "姓名": "孙联络",
        "联系电话": "13800009999",
        "任职日期": "2024-03-01",
    }
    result = roster_import(user=world["office"], file=_roster_file([row]))

    assert result.ok, result.row_errors
    assert result.created == {"regions": 0, "rivers": 0, "reaches": 0, "chiefs": 1}
    liaison = Chief.objects.get(name="孙联络")
    assert (liaison.region, liaison.role, list(liaison.reaches.all())) == (
        world["street"].street,
        ChiefRole.LIAISON,
        [],
    )
    # A row that names a reach still needs its river.
    half = {**row, "姓名": "周半", "河段名称": "街道1社区1段"}
    refused = roster_import(user=world["office"], file=_roster_file([half]))
    assert [(e.row, e.column) for e in refused.row_errors] == [(2, "河流名称")]


def test_rows_of_one_serving_chief_must_agree_on_the_phone(world):
    from rivers.ledger import roster_import

    chief = world["street"].chiefs[0]
    row = {
        "街道": "街道1",
        "社区": "街道1社区1",
        "河流名称": "街道1河",
        "河段名称": "街道1社区1段",
        "河长类别": "社区级河长",
        "姓名": chief.name,
        "联系电话": chief.phone,
    }
    result = roster_import(
        user=world["office"], file=_roster_file([row, {**row, "联系电话": "13912345678"}])
    )

    assert [(e.row, e.column) for e in result.row_errors] == [(3, "联系电话")]
    assert "第2行" in result.row_errors[0].message
    chief.refresh_from_db()
    assert chief.phone != "13912345678"
