"""Reading a year's holiday notice from a file: the import's layout.

One row per day, three columns: the date, the kind, the name.

    日期,类型,名称
    2027-01-01,holiday,元旦
    2027-01-02,holiday,元旦
    2027-02-06,workday,春节调休上班

- date: ``YYYY-MM-DD`` (``YYYY/MM/DD`` too; in a spreadsheet, a date cell);
- kind: ``holiday`` (or 假日, 放假, 休) / ``workday`` (or 上班, 调休上班, 班);
- name: the holiday's name (元旦, 春节...); for a working day it may stay empty, it is then named
  after the nearest holiday.

A CSV or text file (UTF-8, or GB18030 as Excel saves it in China; commas, tabs or spaces between
the columns), or an .xlsx whose first sheet has these columns. A first row that is not a date
(a heading) is skipped, as are empty rows and rows starting with ``#``. A holiday's days may be
listed with or without its weekend days: consecutive days of one name make one holiday.
"""

import csv
import datetime
import io
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .services import HolidayRange, SwappedWorkday

HOLIDAY_KINDS = {"holiday", "假日", "放假", "休", "休息", "假"}
WORKDAY_KINDS = {"workday", "上班", "调休上班", "班", "调休", "工作日"}
DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
MAX_ROWS = 400


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    match = DATE_RE.match(str(value or "").strip())
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _text_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("无法识别文件的编码，请保存为 UTF-8 的 CSV 文件。"))
    rows = []
    for line in text.splitlines():
        if "," in line or "\t" in line:
            rows.append(next(csv.reader([line.replace("\t", ",")]), []))
        else:
            rows.append(line.split())
    return rows


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as error:
        raise ValidationError(_("无法读取该 Excel 文件。")) from error
    return [list(row[:3]) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 1)]


def notice_read(
    *, data: bytes, filename: str = ""
) -> tuple[list[HolidayRange], list[SwappedWorkday]]:
    """The holidays and swapped working days a file lists; a ValidationError naming the rows
    that cannot be read."""
    is_xlsx = filename.lower().endswith(".xlsx") or data[:2] == b"PK"
    rows = _xlsx_rows(data) if is_xlsx else _text_rows(data)
    errors: list[str] = []
    holiday_days: list[tuple[datetime.date, str]] = []
    workdays: list[SwappedWorkday] = []
    for number, row in enumerate(rows, start=1):
        cells = ["" if cell is None else cell for cell in row]
        while cells and str(cells[-1]).strip() == "":
            cells.pop()
        if not cells or str(cells[0]).strip().startswith("#"):
            continue
        day = _date(cells[0])
        if day is None:
            if number == 1:
                continue  # the heading
            errors.append(
                _("第 %(n)s 行：“%(value)s”不是日期（应为 2027-01-01 这样的格式）。")
                % {"n": number, "value": cells[0]}
            )
            continue
        kind = str(cells[1]).strip().lower() if len(cells) > 1 else ""
        name = str(cells[2]).strip() if len(cells) > 2 else ""
        if kind in HOLIDAY_KINDS:
            if not name:
                errors.append(_("第 %(n)s 行：假日须写明节日名称。") % {"n": number})
            else:
                holiday_days.append((day, name))
        elif kind in WORKDAY_KINDS:
            workdays.append(SwappedWorkday(date=day, name=name))
        else:
            errors.append(
                _(
                    "第 %(n)s 行：类型应为 holiday（假日）或 workday（调休上班），"
                    "而不是“%(value)s”。"
                )
                % {"n": number, "value": kind}
            )
    if len(holiday_days) + len(workdays) > MAX_ROWS:
        errors.append(_("文件的行数过多：一年的放假安排不会超过 %(n)s 行。") % {"n": MAX_ROWS})
    if errors:
        raise ValidationError(errors)
    return _ranges(holiday_days), workdays


def _ranges(days: list[tuple[datetime.date, str]]) -> list[HolidayRange]:
    """Consecutive days of one name make one holiday; the same day twice counts once."""
    ranges: list[HolidayRange] = []
    for day, name in sorted(set(days)):
        last = ranges[-1] if ranges else None
        if last is not None and last.name == name and day == last.last + datetime.timedelta(days=1):
            ranges[-1] = HolidayRange(name=name, first=last.first, last=day)
        else:
            ranges.append(HolidayRange(name=name, first=day, last=day))
    return ranges
