"""Ledger files (台账) in and out: read an uploaded CSV or .xlsx safely, write a ledger.

Reading only opens the file and hands back its rows as Excel numbers them; what the columns mean
and how a cell is checked is the importing app's business (see ``rivers.ledger``).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from .text import join_clauses, join_items
from .xlsx import cell_value, write_cell

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The rules every ledger import shares: where the header may be, how many bad rows are listed.
HEADER_SCAN_ROWS = 5  # a title row or two above the header is common in offices' sheets
MAX_REPORTED_ERRORS = 500
# .xlsx compresses text about tenfold; an archive that unpacks far beyond its size is a bomb.
UNPACKED_RATIO = 4
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
# Excel on a Chinese Windows saves "CSV" in the system code page; GB 18030 is a superset of GBK.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")

# --- Cells as offices type them -------------------------------------------------------------------

_HEADER_CHARS = str.maketrans({"（": "(", "）": ")", "*": "", "＊": ""})
_HAN_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel numbers it
    column: str  # the header as the file spells it
    message: str


def normalise_header(value: Any) -> str:
    """A header as compared: no spaces, half-width brackets, no required-marks, lower case."""
    return re.sub(r"\s+", "", str(value or "")).translate(_HEADER_CHARS).lower()


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # A code or phone number typed into a number cell comes back as 13800000000.0.
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    text = str(value).strip()
    # Offices pad two-character names to line up with three-character ones ("王　伟").
    return re.sub(r"\s+", " ", _HAN_GAP.sub("", text))


def is_blank(value: Any) -> bool:
    return cell_text(value) == ""


CSV_DELIMITERS = ",\t;"
HEADER_FONT = Font(bold=True)
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


class LedgerFileError(Exception):
    """The upload cannot be read as a table at all; the message says why."""


Table = list[tuple[int, tuple[Any, ...]]]  # (row number as Excel shows it, cells)


def read_upload(file: IO[bytes] | bytes, *, limit: int | None = None) -> bytes:
    """The uploaded bytes, refusing an empty file or one over ``LEDGER_MAX_BYTES``."""
    limit = settings.LEDGER_MAX_BYTES if limit is None else limit
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(limit + 1)
    if not data:
        raise LedgerFileError(_("文件是空的。"))
    if len(data) > limit:
        raise LedgerFileError(
            _("文件超过 %(size)s MB，请分批导入。") % {"size": f"{limit / 1024 / 1024:g}"}
        )
    return data


def is_xlsx(data: bytes) -> bool:
    return data.startswith(_ZIP_MAGIC)


def xlsx_tables(data: bytes) -> dict[str, Table]:
    """Every worksheet of an .xlsx file, in order, as computed values (not formulas)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise LedgerFileError(_("文件已损坏，无法作为 Excel（.xlsx）文件读取。")) from exc
    if unpacked > settings.LEDGER_MAX_BYTES * UNPACKED_RATIO:
        raise LedgerFileError(_("文件内容过大，请删除多余的工作表或分批导入。"))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged archive raises any of a dozen exception types
        raise LedgerFileError(_("文件已损坏，无法作为 Excel（.xlsx）文件读取。")) from exc
    try:
        return {
            sheet.title: list(enumerate(sheet.iter_rows(values_only=True), start=1))
            for sheet in workbook.worksheets
        }
    except Exception as exc:
        raise LedgerFileError(_("文件已损坏，无法作为 Excel（.xlsx）文件读取。")) from exc
    finally:
        workbook.close()


def csv_text(data: bytes) -> str:
    """The text of a CSV file in UTF-8 (with or without BOM) or GBK / GB 18030."""
    if data.startswith(_OLE_MAGIC):
        raise LedgerFileError(
            _("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 格式后再导入。")
        )
    if b"\x00" in data:
        raise LedgerFileError(_("文件不是 CSV 或 Excel（.xlsx）文件。"))
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise LedgerFileError(_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码的 CSV 文件。"))


def csv_table(data: bytes) -> Table:
    """The records of a CSV file, numbered as Excel numbers the rows when it opens the file."""
    text = csv_text(data)
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    try:
        dialect: Any = csv.Sniffer().sniff(first_line, delimiters=CSV_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    try:
        return [
            (number, tuple(record))
            for number, record in enumerate(csv.reader(io.StringIO(text), dialect), start=1)
        ]
    except csv.Error as exc:
        raise LedgerFileError(_("CSV 文件格式有误：%(error)s") % {"error": exc}) from exc


def read_tables(file: IO[bytes] | bytes) -> dict[str, Table]:
    """The sheets of an uploaded .xlsx file, or the one table of a CSV file (named "")."""
    data = read_upload(file)
    if is_xlsx(data):
        return xlsx_tables(data)
    return {"": csv_table(data)}


# --- writing ----------------------------------------------------------------------------------
#
# Every ledger the portal writes has one layout, the one an office files and prints: a title row
# (region, ledger, the filters it was exported with, the day it was printed), a header row kept
# in view and repeated on every printed page, typed cells (dates as dates, numbers as numbers),
# thin borders, widths fitted to the content and an autofilter; landscape A4, fitted to the
# page's width.

TITLE_ROW = 1
HEADER_ROW = 2
MIN_WIDTH = 6
MAX_WIDTH = 40  # wider text wraps
HEADER_WIDTH = 16  # a long header wraps rather than widening a column of short values
TITLE_FONT = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_SHEET_NAME_BAD = re.compile(r"[\\/:*?\[\]]")
_FILE_NAME_BAD = re.compile(r'[\\/:*?"<>|]')


@dataclass(frozen=True)
class ExportColumn:
    header: str
    value: Callable[[Any], Any]  # the row -> the cell's value (a date, a number, text)
    width: int | None = None  # at most this wide (text wraps beyond it); None: MAX_WIDTH
    number_format: str | None = None  # dates and times get theirs from their type
    wrap: bool = False  # wrap always (long free text)


@dataclass(frozen=True)
class Ledger:
    """What a ledger is: its name, its columns, and the words of its title row."""

    name: str  # 河长名录, 问题台账: the title, the sheet and the file are named after it
    columns: Sequence[ExportColumn]
    region: str = ""  # the region it covers, by its full name
    conditions: Sequence[str] = ()  # the period and the filters, in words ("状态：整改中")
    printed_on: datetime.date | None = None  # default today

    @property
    def printed(self) -> datetime.date:
        return self.printed_on or timezone.localdate()

    @property
    def title(self) -> str:
        """The title row: "<region> <ledger>（<conditions>）    打印日期：YYYY-MM-DD"."""
        name = str(self.name)
        if self.conditions:
            name = _("%(ledger)s（%(conditions)s）") % {
                "ledger": name,
                "conditions": join_clauses(self.conditions),
            }
        head = f"{self.region} {name}" if self.region else name
        printed = _("打印日期：%(date)s") % {"date": f"{self.printed:%Y-%m-%d}"}
        return f"{head}    {printed}"

    @property
    def sheet_name(self) -> str:
        return _SHEET_NAME_BAD.sub("", str(self.name))[:31] or "Sheet1"

    @property
    def filename(self) -> str:
        return f"{_FILE_NAME_BAD.sub('', str(self.name))}-{self.printed:%Y%m%d}.xlsx"


@dataclass(frozen=True)
class LedgerExport:
    """A ledger with its rows: what a list answers when asked for ``?format=xlsx``."""

    ledger: Ledger
    rows: Iterable[Any]


def field_label(model: Any, name: str) -> str:
    """A model field's label, as the forms and the API show it: a ledger's header."""
    return str(model._meta.get_field(name).verbose_name)


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return _("是") if value else _("否")


def readable(value: Any) -> Any:
    """A value as a ledger's cell shows it: never TRUE/FALSE, a Python list or a dict."""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, dict):
        if "name" in value:
            return readable(value["name"])
        return join_clauses(
            f"{key}：{readable(item)}" for key, item in value.items() if item not in (None, "")
        )
    if isinstance(value, list | tuple | set | frozenset):
        return join_items(readable(item) for item in value if item not in (None, ""))
    return value


def display_width(value: Any) -> int:
    """How many columns ``value`` takes in Excel: a CJK character takes two."""
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    if isinstance(value, float | Decimal):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    else:
        text = str(value)
    return max(
        (
            sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)
            for line in text.splitlines() or [""]
        ),
        default=0,
    )


def write_ledger(sheet: Worksheet, *, ledger: Ledger, rows: Iterable[Any]) -> None:
    """Write ``ledger`` with ``rows`` into the empty ``sheet``, in the layout every ledger has."""
    columns = list(ledger.columns)
    count = max(len(columns), 1)
    last = get_column_letter(count)
    sheet.title = ledger.sheet_name
    title = write_cell(sheet, row=TITLE_ROW, column=1, value=ledger.title)
    title.font = TITLE_FONT
    title.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
    if count > 1:
        sheet.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")

    header_alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = []
    for index, column in enumerate(columns, start=1):
        cell = write_cell(sheet, row=HEADER_ROW, column=index, value=str(column.header))
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = header_alignment
        widths.append(min(display_width(column.header), HEADER_WIDTH))

    styles = _DataStyles(sheet)
    caps = [column.width or MAX_WIDTH for column in columns]
    number = HEADER_ROW
    for number, item in enumerate(rows, start=HEADER_ROW + 1):
        for index, column in enumerate(columns, start=1):
            value = cell_value(readable(column.value(item)))
            width = display_width(value) if value not in (None, "") else 0
            long = width > caps[index - 1] or (isinstance(value, str) and "\n" in value)
            number_format = column.number_format
            if number_format is None and isinstance(value, datetime.datetime):
                number_format = DATETIME_FORMAT
            elif number_format is None and isinstance(value, datetime.date):
                number_format = DATE_FORMAT
            # Text typed by users or pushed from outside is never run as a formula (core.xlsx).
            cell = write_cell(sheet, row=number, column=index, value=value)
            quoted = cell.quotePrefix
            cell._style = styles.get(number_format, column.wrap or long)
            cell.quotePrefix = quoted  # the formula guard's mark survives the style
            widths[index - 1] = max(widths[index - 1], width)

    fitted = [
        min(max(width + 2, MIN_WIDTH), cap + 2) for width, cap in zip(widths, caps, strict=True)
    ]
    for index, width in enumerate(fitted, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    # A merged row does not grow by itself: as many lines as the title takes over the columns'
    # width (the title's 14 pt characters are about 1.3 columns wide).
    lines = -(-display_width(ledger.title) * 13 // (10 * max(sum(fitted), 1)))
    sheet.row_dimensions[TITLE_ROW].height = 24 * max(lines, 1)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(number, HEADER_ROW)}"
    _print_setup(sheet)


class _DataStyles:
    """The few styles a ledger's data cells take (bordered, top-aligned, wrapped or not, a number
    format), each made once and copied: styling every cell anew costs seconds per thousand rows.
    """

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.made: dict[tuple[str | None, bool], StyleArray] = {}

    def get(self, number_format: str | None, wrap: bool) -> StyleArray:
        key = (number_format, wrap)
        if key not in self.made:
            probe = Cell(self.sheet)  # not in the sheet: it only registers the style
            probe.border = BORDER
            probe.alignment = Alignment(vertical="top", wrap_text=wrap)
            if number_format:
                probe.number_format = number_format
            self.made[key] = probe._style
        return copy(self.made[key])


def _print_setup(sheet: Worksheet) -> None:
    """Landscape A4, as wide as the page, the header row on every page, numbered pages."""
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    # Excel's codes: &P the page, &N the number of pages.
    sheet.oddFooter.center.text = _("第 &P 页 共 &N 页")


def ledger_xlsx(*, ledger: Ledger, rows: Iterable[Any]) -> bytes:
    """The ledger as an .xlsx file of one worksheet."""
    workbook = Workbook()
    write_ledger(workbook.active, ledger=ledger, rows=rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_sheet(*, title: str, columns: Sequence[ExportColumn], rows: Iterable[Any]) -> bytes:
    """A ledger named ``title`` with no region or conditions in its title row."""
    return ledger_xlsx(ledger=Ledger(name=title, columns=columns), rows=rows)
