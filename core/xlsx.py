"""The one way a value goes into a cell of every .xlsx the portal writes.

Text typed by users or pushed from outside (a citizen's report, an imported patch list) must never
run as a formula in the office's Excel (CSV/formula injection, OWASP). openpyxl turns any string
that starts with ``=`` into a formula; Excel and LibreOffice also read ``+``, ``-``, ``@`` and a
leading tab or carriage return as the start of one when a cell is edited or the file converted.
Such text is written as a string cell marked "quote prefix": Excel's own mark for text typed
with a leading apostrophe, so the cell shows the text unchanged and stays text when edited.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell_value(value: Any) -> Any:
    """``value`` as a cell holds it: local wall-clock times (Excel has no time zones), blank for
    None, and text without the control characters an .xlsx file cannot hold."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, str):
        # openpyxl refuses them (IllegalCharacterError): one would fail the whole export.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def write_cell(sheet: Worksheet, *, row: int, column: int, value: Any) -> Cell:
    """Write ``value`` into the cell at ``row``, ``column``; formula-like text stays text."""
    value = cell_value(value)
    cell = sheet.cell(row=row, column=column, value=value)
    if is_formula_like(value):
        _as_text(cell)
    return cell


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """``Worksheet.append``, made safe: below the last row written, formula-like text as text."""
    cleaned = [cell_value(value) for value in values]
    sheet.append(cleaned)
    for column, value in enumerate(cleaned, start=1):
        if is_formula_like(value):
            # An appended row with a value in it is the sheet's last row.
            _as_text(sheet.cell(row=sheet.max_row, column=column))


def _as_text(cell: Cell) -> None:
    cell.data_type = "s"
    cell.quotePrefix = True
