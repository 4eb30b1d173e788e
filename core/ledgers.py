"""Ledger files (台账) in and out: read an uploaded CSV or .xlsx safely, write a ledger.

Reading only opens the file and hands back its rows as Excel numbers them; what the columns mean
and how a cell is checked is the importing app's business (see ``rivers.ledger``).
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from .text import join_clauses, join_items
from .xlsx import append_row, cell_value, write_cell

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


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
COORDINATE_PLACES = Decimal("0.000001")


def parse_date(value: Any) -> datetime.date:
    """A date as offices type it (2023-01-05, 2023/1/5, 2023年1月5日, 20230105, a date cell or
    Excel's day number); raises ValueError."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and _COMPACT_DATE.match(str(int(value))):
            value = str(int(value))
        elif 1 <= value < 2958466:
            # A date cell that lost its date format shows Excel's day serial number.
            return from_excel(value).date()
        else:
            raise ValueError(value)
    text = cell_text(value)
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if match is None:
        raise ValueError(text)
    day = datetime.date(*(int(part) for part in match.groups()))
    if not 1900 <= day.year <= 2100:
        raise ValueError(text)
    return day


def choice_lookup(
    choices: type[models.TextChoices], aliases: dict[str, str] | None = None
) -> dict[str, str]:
    """Normalised label, value or alias -> the choice's value."""
    lookup: dict[str, str] = {}
    # The ledger is a Chinese document whatever language the page is shown in.
    with translation.override("zh-hans"):
        labels = [(value, str(label)) for value, label in choices.choices]
    labels += [(value, str(label)) for value, label in choices.choices]
    for value, label in labels:
        lookup[normalise_header(value)] = value
        lookup[normalise_header(label)] = value
    for alias, value in (aliases or {}).items():
        lookup[normalise_header(alias)] = value
    return lookup


def choice_labels(choices: type[models.TextChoices]) -> str:
    return join_items(str(label) for _value, label in choices.choices)


def parse_coordinate(value: Any, *, low: Decimal, high: Decimal) -> Decimal:
    """Decimal degrees to the micro-degree; raises ValueError with the message for the cell."""
    number = Decimal("NaN")
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        number = Decimal(str(value))
    elif not isinstance(value, bool):
        text = cell_text(value).removesuffix("°").strip()
        with contextlib.suppress(InvalidOperation):
            number = Decimal(text)
    if not number.is_finite():
        raise ValueError(
            _("「%(value)s」不是数字，请填写十进制度数（WGS-84），如 113.264500。")
            % {"value": cell_text(value)}
        )
    if not low <= number <= high:
        raise ValueError(
            _("%(value)s 不在中国境内的范围（%(low)s～%(high)s）内，请检查经纬度是否填反。")
            % {"value": number, "low": low, "high": high}
        )
    return number.quantize(COORDINATE_PLACES, rounding=ROUND_HALF_UP)


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


def xlsx_tables(data: bytes, *, merged: bool = False) -> dict[str, Table]:
    """Every worksheet of an .xlsx file, in order, as computed values (not formulas).

    ``merged``: a cell merged down a column (a river's name spanning its rows) gives its value
    to every row it spans; the rows that hold no value at all are then left out.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise LedgerFileError(_("文件已损坏，无法作为 Excel（.xlsx）文件读取。")) from exc
    if unpacked > settings.LEDGER_MAX_BYTES * UNPACKED_RATIO:
        raise LedgerFileError(_("文件内容过大，请删除多余的工作表或分批导入。"))
    try:
        # Merged ranges are known only to a fully loaded workbook (the read-only one streams).
        workbook = load_workbook(io.BytesIO(data), read_only=not merged, data_only=True)
    except Exception as exc:  # a damaged archive raises any of a dozen exception types
        raise LedgerFileError(_("文件已损坏，无法作为 Excel（.xlsx）文件读取。")) from exc
    try:
        if merged:
            return {sheet.title: _filled_table(sheet) for sheet in workbook.worksheets}
        return {
            sheet.title: list(enumerate(sheet.iter_rows(values_only=True), start=1))
            for sheet in workbook.worksheets
        }
    except Exception as exc:
        raise LedgerFileError(_("文件已损坏，无法作为 Excel（.xlsx）文件读取。")) from exc
    finally:
        workbook.close()


def _filled_table(sheet: Any) -> Table:
    """The rows of a loaded sheet that hold a value, merged cells filled down their column.

    Built from the cells the file holds: walking ``iter_rows`` would create an empty cell for
    every coordinate up to the last formatted row, which may be Excel's millionth.
    """
    values: dict[int, dict[int, Any]] = {}
    for (row, column), cell in sheet._cells.items():
        if cell.value is not None:
            values.setdefault(row, {})[column] = cell.value
    for cells in sheet.merged_cells.ranges:
        top = values.get(cells.min_row, {}).get(cells.min_col)
        if top is None:
            continue
        for row in range(cells.min_row + 1, cells.max_row + 1):
            values.setdefault(row, {})[cells.min_col] = top
    width = max((max(row) for row in values.values()), default=0)
    return [
        (number, tuple(values[number].get(column) for column in range(1, width + 1)))
        for number in sorted(values)
    ]


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
    delimiter = ","
    # The first line that shows its delimiter: a title line above the header shows none.
    for line in text.lstrip("\ufeff").split("\n", HEADER_SCAN_ROWS)[:HEADER_SCAN_ROWS]:
        try:
            delimiter = csv.Sniffer().sniff(line, delimiters=CSV_DELIMITERS).delimiter
            break
        except csv.Error:
            continue
    try:
        # Only the delimiter is sniffed: Excel and WPS always quote with " and double a quote
        # inside a cell, which a sniffer that saw no quote on the line would not expect.
        records = csv.reader(io.StringIO(text), csv.excel, delimiter=delimiter)
        return [(number, tuple(record)) for number, record in enumerate(records, start=1)]
    except csv.Error as exc:
        raise LedgerFileError(_("CSV 文件格式有误：%(error)s") % {"error": exc}) from exc


def read_tables(file: IO[bytes] | bytes, *, merged: bool = False) -> dict[str, Table]:
    """The sheets of an uploaded .xlsx file, or the one table of a CSV file (named "").
    ``merged``: see ``xlsx_tables``."""
    data = read_upload(file)
    if is_xlsx(data):
        return xlsx_tables(data, merged=merged)
    return {"": csv_table(data)}


# --- a ledger read by its columns ---------------------------------------------------------------

HELP_SHEET_NAME = "填表说明"
TEMPLATE_ROWS = 500  # how far down the template's drop-down lists reach


@dataclass(frozen=True)
class ImportColumn:
    """One column of an imported ledger: the header and the spellings offices use for it, and
    how a cell is read. ``parse`` gets a cell that is not blank and returns its value, or raises
    ValueError with the message for the cell."""

    key: str
    header: str
    parse: Callable[[Any], Any]
    required: bool = True  # the column must be in the sheet and none of its cells blank
    aliases: tuple[str, ...] = ()
    help: str | Promise = ""  # the template's filling note
    choices: type[models.TextChoices] | None = None  # a drop-down list in the template
    width: int = 14
    number_format: str | None = None  # "@" keeps codes and leading zeros as typed


@dataclass(eq=False)
class LedgerRow:
    number: int  # as Excel numbers it
    values: dict[str, Any]  # key -> parsed value; None for a blank or bad cell
    bad: set[str] = field(default_factory=set)

    def ok(self, *keys: str) -> bool:
        return self.bad.isdisjoint(keys)


@dataclass
class LedgerSheet:
    """The rows of a ledger, each cell parsed, and every cell that could not be."""

    columns: Sequence[ImportColumn]
    headers: dict[str, str]  # key -> the header as the file spells it
    rows: list[LedgerRow]
    errors: list[RowError] = field(default_factory=list)

    def error(self, row: LedgerRow, key: str, message: str) -> None:
        row.bad.add(key)
        self.errors.append(RowError(row.number, self.headers[key], message))

    def sorted_errors(self) -> list[RowError]:
        """Each distinct error once, by row and then in the columns' order."""
        order = {
            self.headers[c.key]: i for i, c in enumerate(self.columns) if c.key in self.headers
        }
        return sorted(
            set(self.errors), key=lambda e: (e.row, order.get(e.column, len(order)), e.message)
        )


def parse_text(max_length: int) -> Callable[[Any], str]:
    """A text cell, its spaces tidied (``cell_text``), at most ``max_length`` characters."""

    def parse(value: Any) -> str:
        text = cell_text(value)
        if len(text) > max_length:
            raise ValueError(_("不能超过 %(n)d 个字符。") % {"n": max_length})
        return text

    return parse


def parse_choice(
    choices: type[models.TextChoices], aliases: dict[str, str] | None = None
) -> Callable[[Any], str]:
    """A choice by its Chinese (or shown) label, its value or an alias offices use."""
    lookup = choice_lookup(choices, aliases)

    def parse(value: Any) -> str:
        text = cell_text(value)
        choice = lookup.get(normalise_header(text))
        if choice is None:
            raise ValueError(
                _("「%(value)s」不是可选的值，可选：%(choices)s。")
                % {"value": text, "choices": choice_labels(choices)}
            )
        return choice

    return parse


def parse_date_cell(value: Any) -> datetime.date:
    try:
        return parse_date(value)
    except (ValueError, OverflowError) as exc:
        raise ValueError(
            _("无法识别的日期「%(value)s」，请填写如 2023-01-05 的日期。")
            % {"value": cell_text(value)}
        ) from exc


def read_ledger(
    file: IO[bytes] | bytes,
    *,
    sheet_name: str,
    columns: Sequence[ImportColumn],
    max_rows: int,
) -> LedgerSheet:
    """The rows of an uploaded ledger (.xlsx or CSV), every cell parsed by its column.

    The header may sit below a title row or two and spell its columns loosely; the sheet named
    ``sheet_name`` is read first, then the others, and the first with every required column is
    taken. Columns the ledger does not know (a numbering column, remarks) are ignored, and so
    are rows with nothing in the known columns. Raises ``LedgerFileError`` when the file cannot
    be read as this ledger at all; bad cells are in the answer's ``errors``.
    """
    tables = read_tables(file, merged=True)
    table, header_row, positions, headers = _find_ledger_header(tables, sheet_name, columns)
    sheet = LedgerSheet(
        columns=columns, headers={c.key: c.header for c in columns} | headers, rows=[]
    )
    for number, cells in table:
        if number <= header_row:
            continue
        raw = {
            key: cells[index] if index < len(cells) else None for key, index in positions.items()
        }
        if all(is_blank(value) for value in raw.values()):
            continue
        sheet.rows.append(LedgerRow(number=number, values=raw))
    if len(sheet.rows) > max_rows:
        raise LedgerFileError(
            _("数据超过 %(limit)d 行的上限（共 %(rows)d 行），请分批导入。")
            % {"limit": max_rows, "rows": len(sheet.rows)}
        )
    if not sheet.rows:
        raise LedgerFileError(_("表头下方没有数据行。"))
    for row in sheet.rows:
        raw, row.values = row.values, {}
        for column in columns:
            value = raw.get(column.key)
            row.values[column.key] = None
            if is_blank(value):
                if column.required:
                    sheet.error(row, column.key, _("不能为空。"))
                continue
            try:
                row.values[column.key] = column.parse(value)
            except ValueError as exc:
                sheet.error(row, column.key, str(exc))
    return sheet


def header_positions(
    cells: Sequence[Any], lookup: dict[str, str]
) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Which known columns a row names (``lookup``: normalised header text -> column key): each
    key's index and header text as written, and the headers that name a column a second time."""
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    repeated: list[str] = []
    for index, value in enumerate(cells):
        key = lookup.get(normalise_header(value))
        if key is None:
            continue
        if key in positions:
            repeated.append(cell_text(value))
            continue
        positions[key], headers[key] = index, cell_text(value)
    return positions, headers, repeated


def _find_ledger_header(
    tables: dict[str, Table], sheet_name: str, columns: Sequence[ImportColumn]
) -> tuple[Table, int, dict[str, int], dict[str, str]]:
    """The table, the header's row number, each known column's index and header text."""
    lookup = {
        normalise_header(text): column.key
        for column in columns
        for text in (column.header, *column.aliases)
    }
    required = [column for column in columns if column.required]
    wanted = normalise_header(sheet_name)
    # sorted() is stable: the sheet with the ledger's name first, the others in their order.
    ordered = sorted(tables.items(), key=lambda item: normalise_header(item[0]) != wanted)
    best: tuple[str, dict[str, int]] | None = None
    for title, table in ordered:
        for number, cells in table[:HEADER_SCAN_ROWS]:
            positions, headers, repeated = header_positions(cells, lookup)
            if all(column.key in positions for column in required):
                if repeated:
                    raise LedgerFileError(
                        _("表头中以下列重复出现：%(columns)s。") % {"columns": join_items(repeated)}
                    )
                return table, number, positions, headers
            if positions and (best is None or len(positions) > len(best[1])):
                best = (title, positions)
    if best is None:
        raise LedgerFileError(
            _(
                "找不到表头：文件前 %(n)d 行中没有「%(ledger)s」的列名（%(columns)s）。"
                "请使用下载的导入模板。"
            )
            % {
                "n": HEADER_SCAN_ROWS,
                "ledger": sheet_name,
                "columns": join_items(column.header for column in required),
            }
        )
    title, positions = best
    missing = join_items(column.header for column in required if column.key not in positions)
    if title:
        raise LedgerFileError(
            _("工作表「%(sheet)s」缺少以下列：%(columns)s。请使用下载的导入模板。")
            % {"sheet": title, "columns": missing}
        )
    raise LedgerFileError(
        _("文件缺少以下列：%(columns)s。请使用下载的导入模板。") % {"columns": missing}
    )


def import_template(
    *, sheet_name: str, columns: Sequence[ImportColumn], notes: Iterable[str | Promise]
) -> bytes:
    """An empty ledger to fill in: the header, drop-down lists where a column has choices, and a
    second sheet with each column's filling note and the general notes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name[:31]
    append_row(sheet, [column.header for column in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = HEADER_FONT
        sheet.column_dimensions[letter].width = column.width
        if column.number_format:
            sheet.column_dimensions[letter].number_format = column.number_format
        if column.choices is not None:
            labels = ",".join(str(label) for _value, label in column.choices.choices)
            validation = DataValidation(
                type="list",
                formula1=f'"{labels}"',
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=column.header,
                error=_("请从下拉列表中选择：%(choices)s")
                % {"choices": choice_labels(column.choices)},
            )
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"

    help_sheet = workbook.create_sheet(HELP_SHEET_NAME)
    append_row(help_sheet, [_("列名"), _("是否必填"), _("填写说明"), _("可选值")])
    for column in columns:
        append_row(
            help_sheet,
            [
                column.header,
                _("必填") if column.required else _("选填"),
                str(column.help),
                choice_labels(column.choices) if column.choices is not None else "",
            ],
        )
    help_sheet.append([])
    for text in notes:
        append_row(help_sheet, [str(text)])
    for index, width in enumerate((18, 10, 70, 40), start=1):
        help_sheet.column_dimensions[get_column_letter(index)].width = width
        help_sheet.cell(row=1, column=index).font = HEADER_FONT
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in help_sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = wrap
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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
MAX_WIDTH = 24  # wider text wraps (a ledger must stay readable when fitted to A4)
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
    # Lines between the title and the header, each across the columns: what the figures mean
    # (an assessment's scheme, criteria and rule); none in a plain list's ledger.
    notes: Sequence[str] = ()

    @property
    def header_row(self) -> int:
        return HEADER_ROW + len(self.notes)

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
    for number, note in enumerate(ledger.notes, start=TITLE_ROW + 1):
        cell = write_cell(sheet, row=number, column=1, value=str(note))
        cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        if count > 1:
            sheet.merge_cells(f"A{number}:{last}{number}")
    header_row = ledger.header_row

    header_alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = []
    for index, column in enumerate(columns, start=1):
        cell = write_cell(sheet, row=header_row, column=index, value=str(column.header))
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = header_alignment
        widths.append(min(display_width(column.header), HEADER_WIDTH))

    styles = _DataStyles(sheet)
    caps = [column.width or MAX_WIDTH for column in columns]
    number = header_row
    for number, item in enumerate(rows, start=header_row + 1):
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
    for row, note in enumerate(ledger.notes, start=TITLE_ROW + 1):
        lines = -(-display_width(str(note)) * 10 // (10 * max(sum(fitted), 1)))
        sheet.row_dimensions[row].height = 15 * max(lines, 1)
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{last}{max(number, header_row)}"
    _print_setup(sheet, header_row=header_row)


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


def _print_setup(sheet: Worksheet, *, header_row: int = HEADER_ROW) -> None:
    """Landscape A4, as wide as the page, the header row on every page, numbered pages."""
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
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
