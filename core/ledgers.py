"""Ledger files (台账) in and out: read an uploaded CSV or .xlsx safely, write an .xlsx sheet.

Reading only opens the file and hands back its rows as Excel numbers them; what the columns mean
and how a cell is checked is the importing app's business (see ``rivers.ledger``).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .xlsx import append_row, write_cell

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


@dataclass(frozen=True)
class ExportColumn:
    header: str
    value: Callable[[Any], Any]
    width: int = 12
    number_format: str | None = None  # dates and times get theirs from their type
    wrap: bool = False


def xlsx_sheet(*, title: str, columns: Sequence[ExportColumn], rows: Iterable[Any]) -> bytes:
    """One worksheet: a bold header row kept in view, set widths, dates written as dates."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    append_row(sheet, [column.header for column in columns])
    for index, column in enumerate(columns, start=1):
        sheet.cell(row=1, column=index).font = HEADER_FONT
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, item in enumerate(rows, start=2):
        for index, column in enumerate(columns, start=1):
            # Text typed by users or pushed from outside is never run as a formula (core.xlsx).
            cell = write_cell(sheet, row=number, column=index, value=column.value(item))
            value = cell.value
            if column.number_format:
                cell.number_format = column.number_format
            elif isinstance(value, datetime.datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, datetime.date):
                cell.number_format = DATE_FORMAT
            if column.wrap:
                cell.alignment = wrap
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
