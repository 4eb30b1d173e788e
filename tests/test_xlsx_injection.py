"""No export runs user text as a formula (core.xlsx): a citizen's report, a chief's name or a
pushed patch note that starts with =, +, -, @, a tab or a carriage return comes out of every
.xlsx export as a text cell that still shows the text."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from rest_framework.test import APIClient

from map_patches.services import patch_batch_import
from public_reports.services import public_report_file

from . import factories

HYPERLINK = '=HYPERLINK("http://x","y")'
# What a citizen types; the report's text is stripped, so "\t=1" arrives as "=1".
REPORTED = [HYPERLINK, "+1", "-1+1", "@SUM(1)", "\t=1"]
# Text pushed through the API or an import keeps its leading tab or carriage return.
PUSHED = ["\t=1", "\r=1+1"]


def _cells(response) -> list:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    workbook = load_workbook(BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_safe(response, texts: list[str]) -> None:
    assert response.status_code == 200, response.content[:300]
    cells = _cells(response)
    formulas = [(cell.coordinate, cell.value) for cell in cells if cell.data_type == "f"]
    assert formulas == []
    shown = {}
    for cell in cells:
        if isinstance(cell.value, str):
            shown.setdefault(cell.value, cell)
    for text in texts:
        # The text is shown as typed (in a cell of its own or within a longer one).
        holders = [value for value in shown if text in value]
        assert holders, (text, sorted(shown)[:20])
        if text in shown:
            assert shown[text].data_type == "s"
            assert shown[text].quotePrefix is True


@pytest.fixture
def reported(street_a):
    sign = factories.SignFactory(reach=street_a.reaches[0])
    for n, text in enumerate(REPORTED):
        public_report_file(
            sign=sign,
            description=text,
            photo=None,
            phone="",
            lat=None,
            lon=None,
            client_ip=f"203.0.113.{n + 1}",
        )
    for text in PUSHED:
        factories.IssueFactory(reach=street_a.reaches[0], title=text, description=text)
    return [*(text.strip() for text in REPORTED), *PUSHED]


@pytest.fixture
def api(office_a) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=office_a)
    return client


def test_the_issue_list_export_has_no_formula(api, reported):
    _assert_safe(api.get("/api/v1/issues/", {"format": "xlsx"}), reported)


def test_the_issue_ledger_has_no_formula(api, reported):
    _assert_safe(api.get("/api/v1/issues/ledger/"), reported)


def test_the_public_report_list_export_has_no_formula(api, reported):
    # The list names the issue by its code; the sheet must still hold no formula.
    _assert_safe(api.get("/api/v1/public-reports/", {"format": "xlsx"}), [])


def test_the_roster_export_has_no_formula(api, street_a):
    names = [HYPERLINK, "+1", "-1+1", "@SUM(1)", "\t=1", "\r=1"]
    for name in names:
        factories.ChiefFactory(region=street_a.communities[0], name=name, title=name)
    _assert_safe(api.get("/api/v1/chiefs/", {"format": "xlsx"}), names)


def test_the_roster_template_has_no_formula(api):
    _assert_safe(api.get("/api/v1/ledgers/roster/template/"), [])


def test_the_map_patch_export_has_no_formula(api, office_a, street_a):
    notes = [HYPERLINK.replace(",", "，"), "+1", "-1+1", "@SUM(1)"]
    csv = "图斑编号,纬度,经度,备注\r\n" + "".join(
        f"TB-{n},23.1,113.2,{note}\r\n" for n, note in enumerate(notes)
    )
    batch = patch_batch_import(
        user=office_a,
        region=street_a.street,
        file=SimpleUploadedFile("图斑.csv", csv.encode("utf-8-sig")),
        name="第一批",
    )
    _assert_safe(api.get(f"/api/v1/map-patch-batches/{batch.pk}/export/"), notes)
    _assert_safe(api.get("/api/v1/map-patches/", {"format": "xlsx"}), notes)


def test_the_workbench_export_link_has_no_formula(client, office_a, reported):
    client.force_login(office_a)
    _assert_safe(client.get("/api/v1/issues/?format=xlsx"), reported)


# --- The writer itself.


def test_the_cell_writer_keeps_numbers_and_drops_what_xlsx_cannot_hold():
    from core.xlsx import append_row, write_cell

    workbook = Workbook()
    sheet = workbook.active
    append_row(sheet, ["名称", -3, 2.5, None, "a\x00b\x07c", "=1+1"])
    append_row(sheet, [])  # a blank line, as Worksheet.append leaves it
    append_row(sheet, ["-1"])
    write_cell(sheet, row=5, column=2, value="@A1")
    buffer = BytesIO()
    workbook.save(buffer)
    read = load_workbook(BytesIO(buffer.getvalue())).active
    assert [cell.value for cell in read[1]][:6] == ["名称", -3, 2.5, None, "abc", "=1+1"]
    assert read["B1"].data_type == "n"
    assert (read["F1"].data_type, read["F1"].quotePrefix) == ("s", True)
    assert read["A2"].value is None
    assert (read["A3"].value, read["A3"].data_type, read["A3"].quotePrefix) == ("-1", "s", True)
    assert (read["B5"].value, read["B5"].data_type) == ("@A1", "s")
    assert read["A1"].quotePrefix is False
