"""The roster ledger (河长名录台账): import from the Excel sheet offices keep, and its template.
``rivers.roster_export`` writes the roster out in the same shape.

The sheet is flat, one row per chief per reach, and names regions, rivers and reaches rather than
pointing at them. A file is read and checked in full before anything is written: every bad cell
is reported with its Excel row and column, and a file with any error imports nothing.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import IO, Any, ClassVar

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import Region, RegionLevel, User
from audit.models import AuditAction
from audit.services import audit_record
from core.ledgers import (
    HEADER_SCAN_ROWS,
    MAX_REPORTED_ERRORS,
    RowError,
    cell_text,
    choice_labels,
    choice_lookup,
    is_blank,
    normalise_header,
    parse_date,
)
from core.services import model_create, model_update
from core.text import join_items
from core.xlsx import append_row

from . import selectors
from .models import Bank, Chief, ChiefRole, Reach, River, RiverKind, phone_validator
from .services import chief_appoint, chief_update, river_create

SHEET_NAME = "河长名录"
HELP_SHEET_NAME = "填表说明"
TEMPLATE_FILENAME = "河长名录导入模板.xlsx"

# A street's whole roster is a few hundred rows. Writing runs in the request at roughly 60 new
# rows a second, so the row cap keeps a first import inside the web worker's 60-second timeout;
# a bigger county imports street by street. The unpacked cap bounds what openpyxl holds in
# memory (zip members cannot inflate beyond their declared size; .xlsx compresses ~tenfold).
MAX_ROWS = 2_000
UNPACKED_RATIO = 4
HEADER_SCAN_COLUMNS = 100
COUNT_KEYS = ("regions", "rivers", "reaches", "chiefs")
TEMPLATE_ROWS = 500
HEADER_FONT = Font(bold=True)


@dataclass(frozen=True)
class LedgerColumn:
    key: str
    header: str
    required: bool  # the column must be in the sheet; whether a cell may be blank varies
    need: Promise
    help: Promise
    aliases: tuple[str, ...] = ()
    width: int = 14


COLUMNS: tuple[LedgerColumn, ...] = (
    LedgerColumn(
        "street",
        "街道",
        True,
        gettext_lazy("必填"),
        gettext_lazy(
            "街道（镇）名称，须在您的管辖范围内。区县账号填写系统中没有的街道时，"
            "将在本区县下新建该街道。"
        ),
        ("街道(镇)", "镇(街道)", "镇街", "乡镇(街道)"),
    ),
    LedgerColumn(
        "community",
        "社区",
        False,
        gettext_lazy("选填"),
        gettext_lazy(
            "社区（村）名称；留空表示河段或河长属于街道一级（如总河长、街级河长）。"
            "该街道下没有的社区将自动新建。"
        ),
        ("社区(村)", "村(社区)", "村"),
    ),
    LedgerColumn(
        "river_name",
        "河流名称",
        True,
        gettext_lazy("登记河段时必填"),
        gettext_lazy("河流、洪道、沟渠、湖泊或水库的名称。"),
        ("河流", "河湖名称"),
        16,
    ),
    LedgerColumn(
        "river_code",
        "河流编码",
        False,
        gettext_lazy("选填"),
        gettext_lazy(
            "填写时按编码匹配已登记的河流，留空时按名称匹配；新河流未填编码的将自动生成编码。"
            "同名河流有多条时必须填写编码。"
        ),
        ("河湖编码",),
        16,
    ),
    LedgerColumn(
        "river_kind",
        "河流类型",
        True,
        gettext_lazy("新河流必填"),
        gettext_lazy("已登记的河流可留空；填写时以本表为准。"),
        ("河湖类型", "类型"),
    ),
    LedgerColumn(
        "reach_name",
        "河段名称",
        True,
        gettext_lazy("登记河段时必填"),
        gettext_lazy("同一条河流内按河段名称匹配已登记的河段，没有的将新建。"),
        ("河段",),
        18,
    ),
    LedgerColumn(
        "bank",
        "岸别",
        False,
        gettext_lazy("选填"),
        gettext_lazy("新河段留空时按两岸登记。"),
    ),
    LedgerColumn(
        "reach_length",
        "河段长度（公里）",
        True,
        gettext_lazy("新河段必填"),
        gettext_lazy(
            "以公里为单位的数字，如 2.4，不能为负数。新河流的长度按本表中其各河段长度之和登记。"
        ),
        ("河段长度(km)", "河段长度", "长度(公里)", "长度(km)"),
        16,
    ),
    LedgerColumn(
        "role",
        "河长类别",
        True,
        gettext_lazy("有姓名时必填"),
        gettext_lazy("河长或相关人员的类别。"),
        ("类别", "人员类别", "河长级别"),
    ),
    LedgerColumn(
        "name",
        "姓名",
        True,
        gettext_lazy("选填"),
        gettext_lazy(
            "留空表示该行只登记河段；填写时须同时填写河长类别和联系电话。"
            "一人负责多个河段时，每个河段写一行。"
        ),
        ("河长姓名",),
        10,
    ),
    LedgerColumn(
        "title",
        "职务",
        False,
        gettext_lazy("选填"),
        gettext_lazy("如：街道党工委书记、社区党支部书记。"),
        (),
        20,
    ),
    LedgerColumn(
        "unit",
        "单位",
        False,
        gettext_lazy("选填"),
        gettext_lazy("工作单位。"),
        ("工作单位",),
        20,
    ),
    LedgerColumn(
        "phone",
        "联系电话",
        True,
        gettext_lazy("有姓名时必填"),
        gettext_lazy("手机号（11位）或座机号（如 0371-12345678）。"),
        ("电话", "手机", "手机号", "手机号码", "联系方式"),
        16,
    ),
    LedgerColumn(
        "appointed_on",
        "任职日期",
        True,
        gettext_lazy("新任河长必填"),
        gettext_lazy("如 2023-01-05、2023/1/5 或 2023年1月5日。已在任的河长以系统中的名录为准。"),
        ("任职时间",),
    ),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}

# Words the offices' own papers use for the same categories (see shared/GLOSSARY.md).
ROLE_ALIASES = {
    "村级河长": ChiefRole.COMMUNITY_CHIEF,
    "镇街级河长": ChiefRole.STREET_CHIEF,
    "镇级河长": ChiefRole.STREET_CHIEF,
    "警长": ChiefRole.POLICE_CHIEF,
    "联络员": ChiefRole.LIAISON,
    "监督员": ChiefRole.PUBLIC_SUPERVISOR,
}
CHOICES: dict[str, tuple[type[models.TextChoices], dict[str, str]]] = {
    "river_kind": (RiverKind, {}),
    "bank": (Bank, {}),
    "role": (ChiefRole, ROLE_ALIASES),
}
TEXT_FIELDS: dict[str, tuple[type[models.Model], str]] = {
    "street": (Region, "name"),
    "community": (Region, "name"),
    "river_name": (River, "name"),
    "river_code": (River, "code"),
    "reach_name": (Reach, "name"),
    "name": (Chief, "name"),
    "title": (Chief, "title"),
    "unit": (Chief, "unit"),
}
CHIEF_KEYS = ("role", "name", "title", "unit", "phone", "appointed_on")
REACH_KEYS = ("river_name", "river_code", "river_kind", "reach_name", "bank", "reach_length")


@dataclass
class RosterImportResult:
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    file_errors: list[str] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    error_count: int = 0  # may exceed len(row_errors): a long list is cut short

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.row_errors

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.row_errors)


def count_labels() -> dict[str, str]:
    """What the counts count, for messages."""
    return {
        "regions": str(Region._meta.verbose_name),
        "rivers": str(River._meta.verbose_name),
        "reaches": str(Reach._meta.verbose_name),
        # Each roster entry is one person in one post; "河长名录 4" would read as four rosters.
        "chiefs": _("河长及相关人员"),
    }


# --- cells -----------------------------------------------------------------------------------


def _header_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for column in COLUMNS:
        for text in (column.header, *column.aliases):
            lookup[normalise_header(text)] = column.key
    return lookup


def _parse_length(value: Any) -> Decimal:
    """Kilometres to the metre; raises ValueError with the message for the cell."""
    number = Decimal("NaN")
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(str(value))
    elif not isinstance(value, bool):
        text = cell_text(value).lower().removesuffix("公里").removesuffix("km").strip()
        with contextlib.suppress(InvalidOperation):
            number = Decimal(text)
    if not number.is_finite():
        raise ValueError(
            _("「%(value)s」不是数字，请填写以公里为单位的长度，如 2.4。")
            % {"value": cell_text(value)}
        )
    if number < 0:
        raise ValueError(_("长度不能为负数。"))
    if number > 10000:
        raise ValueError(_("长度不能超过 10000 公里。"))
    return number.quantize(Decimal("0.001"))


# --- plans: what the file says, matched against the database before anything is written -----


@dataclass(eq=False)
class _Row:
    number: int
    raw: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    bad: set[str] = field(default_factory=set)

    def ok(self, *keys: str) -> bool:
        return self.bad.isdisjoint(keys)


_MISSING = object()


@dataclass(eq=False)
class _Plan:
    row: _Row  # the first row naming the record: errors from the database are reported there
    instance: Any = None
    new: bool = False
    # Values given by the rows, with the row that first gave each, so contradictions can point
    # at both rows.
    values: dict[str, tuple[Any, _Row]] = field(default_factory=dict)
    bad_keys: set[str] = field(default_factory=set)
    changes: dict[str, Any] = field(default_factory=dict)

    main_column: ClassVar[str] = "name"
    field_columns: ClassVar[dict[str, str]] = {}

    def value(self, key: str, default: Any = None) -> Any:
        return self.values[key][0] if key in self.values else default

    def column_for(self, field_name: str) -> str:
        return self.field_columns.get(field_name, self.main_column)


@dataclass(eq=False)
class _RegionPlan(_Plan):
    name: str = ""
    level: str = ""
    code: str = ""
    parent: _RegionPlan | None = None

    @property
    def main_column(self) -> str:  # type: ignore[override]
        return "street" if self.level == RegionLevel.STREET else "community"


@dataclass(eq=False)
class _RiverPlan(_Plan):
    name: str = ""
    code: str = ""
    street: _RegionPlan | None = None

    main_column = "river_name"
    field_columns = {
        "name": "river_name",
        "code": "river_code",
        "kind": "river_kind",
        "length_km": "reach_length",
        "region": "street",
    }


@dataclass(eq=False)
class _ReachPlan(_Plan):
    river: _RiverPlan | None = None
    name: str = ""

    main_column = "reach_name"
    field_columns = {
        "name": "reach_name",
        "river": "river_name",
        "bank": "bank",
        "length_km": "reach_length",
        "region": "community",
    }

    @property
    def region(self) -> _RegionPlan:
        return self.value("community") or self.value("street")


@dataclass(eq=False)
class _ChiefPlan(_Plan):
    name: str = ""
    phone: str = ""
    role: str = ""
    region: _RegionPlan | None = None
    reaches: list[_ReachPlan] = field(default_factory=list)

    main_column = "name"
    field_columns = {
        "name": "name",
        "phone": "phone",
        "role": "role",
        "title": "title",
        "unit": "unit",
        "appointed_on": "appointed_on",
        "region": "community",
        "reaches": "reach_name",
    }


class _Failed(Exception):
    """The file cannot be read as a roster at all; the message says why."""


class _RosterImport:
    def __init__(self, user: User) -> None:
        self.user = user
        self.result = RosterImportResult()
        self.headers = {column.key: column.header for column in COLUMNS}
        self.choices = {key: choice_lookup(*spec) for key, spec in CHOICES.items()}
        self.county = self._county()
        self._scope_ids: set[int] | None = None
        self.new_regions: list[_RegionPlan] = []
        # Lookups cache a plan, or (column, message) when the name cannot be used.
        self.streets: dict[str, _RegionPlan | tuple[str, str]] = {}
        self.communities: dict[tuple[_RegionPlan, str], _RegionPlan | tuple[str, str]] = {}
        self.rivers: dict[tuple[str, str], _RiverPlan | tuple[str, str]] = {}
        self.reaches: dict[tuple[_RiverPlan, str], _ReachPlan | tuple[str, str]] = {}
        self.chiefs: dict[tuple, _ChiefPlan] = {}
        self.region_codes: set[str] = set()
        self.river_codes: set[str] = set()
        self.code_names: dict[str, tuple[str, _Row]] = {}
        self.name_codes: dict[str, set[str]] = defaultdict(set)
        self._current: _Plan | None = None
        self._river_reaches: dict[int, dict[str, Reach]] = {}
        self._region_chiefs: dict[int, list[Chief]] = {}

    # errors

    def error(self, row: _Row, key: str, message: str) -> None:
        row.bad.add(key)
        self.result.row_errors.append(RowError(row.number, self.headers[key], message))

    def _merge(self, plan: _Plan, key: str, row: _Row, value: Any = _MISSING) -> None:
        """Rows describing the same record must agree; a blank cell agrees with anything."""
        if not row.ok(key):
            plan.bad_keys.add(key)
            return
        if value is _MISSING:
            value = row.values.get(key)
        if value is None or value == "":
            return
        if key not in plan.values:
            plan.values[key] = (value, row)
            return
        first, first_row = plan.values[key]
        if first != value:
            self.error(
                row,
                key,
                _("与第%(row)d行填写的「%(value)s」不一致，同一记录只能有一个值。")
                % {"row": first_row.number, "value": self._shown(key, first)},
            )

    def _shown(self, key: str, value: Any) -> str:
        if key in CHOICES:
            return str(CHOICES[key][0](value).label)
        if isinstance(value, _RegionPlan):
            return value.name
        return str(value)

    # reading

    def read(self, file: IO[bytes] | bytes) -> list[_Row]:
        limit = settings.LEDGER_MAX_BYTES
        if hasattr(file, "seek"):
            file.seek(0)
        data = bytes(file) if isinstance(file, bytes | bytearray) else file.read(limit + 1)
        if not data:
            raise _Failed(_("文件是空的。"))
        if len(data) > limit:
            raise _Failed(
                _("文件超过 %(size)s MB，请分批导入。") % {"size": f"{limit / 1024 / 1024:g}"}
            )
        self._check_archive(data)
        try:
            workbook = load_workbook(BytesIO(data), data_only=True)
        except Exception as exc:  # a damaged archive raises any of a dozen exception types
            raise _Failed(_("文件已损坏，无法作为 Excel（.xlsx）文件读取。")) from exc
        sheets = {normalise_header(name): name for name in workbook.sheetnames}
        if SHEET_NAME not in sheets:
            raise _Failed(
                _("找不到工作表「%(sheet)s」（文件中的工作表：%(names)s）。请使用下载的导入模板。")
                % {"sheet": SHEET_NAME, "names": join_items(workbook.sheetnames)}
            )
        return self._rows(workbook[sheets[SHEET_NAME]])

    def _check_archive(self, data: bytes) -> None:
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile as exc:
            if data.startswith(b"\xd0\xcf\x11\xe0"):
                raise _Failed(
                    _("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 格式后再导入。")
                ) from exc
            raise _Failed(
                _("文件不是 Excel（.xlsx）文件，请使用下载的导入模板填写后上传。")
            ) from exc
        if unpacked > settings.LEDGER_MAX_BYTES * UNPACKED_RATIO:
            raise _Failed(_("文件内容过大，请删除多余的工作表或分批导入。"))

    def _rows(self, sheet: Worksheet) -> list[_Row]:
        header_row, positions = self._find_header(sheet)
        missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
        if missing:
            raise _Failed(
                _("工作表「%(sheet)s」缺少以下列：%(columns)s。请使用下载的导入模板。")
                % {"sheet": SHEET_NAME, "columns": join_items(missing)}
            )
        last = header_row + MAX_ROWS
        if sheet.max_row > last:
            raise _Failed(
                _(
                    "数据超过 %(limit)d 行的上限（工作表共 %(rows)d 行）；请按街道分批导入，"
                    "或删除表格下方多余的行（含空白但设置了格式的行）。"
                )
                % {"rows": sheet.max_row, "limit": MAX_ROWS}
            )
        fill = self._merged_values(sheet, header_row, set(positions.values()))
        rows = []
        width = max(positions.values())
        for number, cells in enumerate(
            sheet.iter_rows(min_row=header_row + 1, max_col=width, values_only=True),
            start=header_row + 1,
        ):
            raw = {
                key: fill.get((number, index), cells[index - 1]) for key, index in positions.items()
            }
            if all(is_blank(value) for value in raw.values()):
                continue
            rows.append(_Row(number=number, raw=raw))
        if not rows:
            raise _Failed(_("工作表「%(sheet)s」中没有数据行。") % {"sheet": SHEET_NAME})
        return rows

    def _find_header(self, sheet: Worksheet) -> tuple[int, dict[str, int]]:
        """The first of the top rows that reads as the header: offices put a title above it."""
        lookup = _header_lookup()
        best_row, best, best_texts, duplicated = 1, {}, {}, []
        for number, cells in enumerate(
            sheet.iter_rows(
                max_row=HEADER_SCAN_ROWS,
                max_col=min(sheet.max_column, HEADER_SCAN_COLUMNS),
                values_only=True,
            ),
            start=1,
        ):
            found: dict[str, int] = {}
            texts: dict[str, str] = {}
            repeated: list[str] = []
            for index, value in enumerate(cells, start=1):
                key = lookup.get(normalise_header(value))
                if key is None:
                    continue
                if key in found:
                    repeated.append(cell_text(value))
                    continue
                found[key], texts[key] = index, cell_text(value)
            if len(found) > len(best):
                best_row, best, best_texts, duplicated = number, found, texts, repeated
            if len(found) >= 3:
                break
        if duplicated:
            raise _Failed(
                _("表头中以下列重复出现：%(columns)s。") % {"columns": join_items(duplicated)}
            )
        self.headers.update(best_texts)
        return best_row, best

    def _merged_values(
        self, sheet: Worksheet, header_row: int, columns: set[int]
    ) -> dict[tuple[int, int], Any]:
        """Cells merged down a column (a street spanning its rows) take the top cell's value."""
        fill: dict[tuple[int, int], Any] = {}
        for cells in sheet.merged_cells.ranges:
            if cells.min_col not in columns or cells.max_row <= header_row:
                continue
            top = sheet.cell(cells.min_row, cells.min_col).value
            first = max(cells.min_row + 1, header_row + 1)
            for number in range(first, min(cells.max_row, sheet.max_row) + 1):
                fill[(number, cells.min_col)] = top
        return fill

    # checking single cells

    def parse(self, row: _Row) -> None:
        raw = row.raw
        for key, (model, field_name) in TEXT_FIELDS.items():
            value = cell_text(raw.get(key))
            limit = model._meta.get_field(field_name).max_length
            if limit is not None and len(value) > limit:
                self.error(row, key, _("不能超过 %(n)d 个字符。") % {"n": limit})
            row.values[key] = value
        # A row registers a reach, or a chief who answers for none (a general chief, a liaison):
        # such a row leaves every river and reach cell blank.
        chief_only = bool(row.values["name"]) and all(is_blank(raw.get(k)) for k in REACH_KEYS)
        for key in ("street",) if chief_only else ("street", "river_name", "reach_name"):
            if row.ok(key) and not row.values[key]:
                self.error(row, key, _("不能为空。"))

        for key, (choices, _aliases) in CHOICES.items():
            text = cell_text(raw.get(key))
            row.values[key] = None
            if not text:
                continue
            value = self.choices[key].get(normalise_header(text))
            if value is None:
                self.error(
                    row,
                    key,
                    _("「%(value)s」不是有效的%(column)s，可选：%(choices)s。")
                    % {
                        "value": text,
                        "column": COLUMN_BY_KEY[key].header,
                        "choices": choice_labels(choices),
                    },
                )
            row.values[key] = value

        row.values["reach_length"] = None
        if not is_blank(raw.get("reach_length")):
            try:
                row.values["reach_length"] = _parse_length(raw.get("reach_length"))
            except ValueError as exc:
                self.error(row, "reach_length", str(exc))

        phone = re.sub(r"\s+", "", cell_text(raw.get("phone")))
        row.values["phone"] = phone
        if phone:
            try:
                phone_validator(phone)
            except ValidationError as exc:
                self.error(row, "phone", f"「{phone}」：{exc.messages[0]}")

        row.values["appointed_on"] = None
        if not is_blank(raw.get("appointed_on")):
            try:
                row.values["appointed_on"] = parse_date(raw.get("appointed_on"))
            except (ValueError, OverflowError):
                self.error(
                    row,
                    "appointed_on",
                    _("无法识别的日期「%(value)s」，请填写如 2023-01-05 的日期。")
                    % {"value": cell_text(raw.get("appointed_on"))},
                )

        if not row.values["name"]:
            if row.ok("name") and any(
                not is_blank(raw.get(key)) for key in CHIEF_KEYS if key != "name"
            ):
                self.error(
                    row, "name", _("填写了河长信息时姓名不能为空；只登记河段时请清空河长各列。")
                )
            return
        for key in ("role", "phone"):
            if row.ok(key) and not row.values[key]:
                self.error(row, key, _("填写了姓名时此列不能为空。"))

    # matching against the database (reads only)

    def _county(self) -> Region | None:
        """The county where unknown street names become new streets, if the user has one."""
        region = self.user.region
        if region is not None and region.level == RegionLevel.COUNTY:
            return region
        if self.user.sees_all_regions and region is None:
            counties = list(Region.objects.filter(level=RegionLevel.COUNTY)[:2])
            return counties[0] if len(counties) == 1 else None
        return None

    def _in_scope(self, region_id: int) -> bool:
        if self.user.sees_all_regions:
            return True
        if self._scope_ids is None:
            self._scope_ids = set(Region.objects.visible_to(self.user).values_list("pk", flat=True))
        return region_id in self._scope_ids

    def _free_code(self, model: type[models.Model], prefix: str, taken: set[str]) -> str:
        used = set(model.objects.filter(code__startswith=prefix).values_list("code", flat=True))
        for seq in itertools.count(1):
            code = f"{prefix}{seq:03d}"
            if code not in used and code not in taken:
                taken.add(code)
                return code
        raise AssertionError("unreachable")  # pragma: no cover

    def _existing_region(self, row: _Row, region: Region) -> _RegionPlan:
        return _RegionPlan(
            row=row, instance=region, name=region.name, level=region.level, code=region.code
        )

    def _new_region(self, row: _Row, name: str, level: str, parent: _RegionPlan) -> _RegionPlan:
        plan = _RegionPlan(
            row=row,
            new=True,
            name=name,
            level=level,
            parent=parent,
            code=self._free_code(Region, parent.code, self.region_codes),
        )
        self.new_regions.append(plan)
        return plan

    def _cached(self, cache: dict, key: Any, row: _Row, find) -> Any:
        found = cache.get(key)
        if found is None:
            found = cache[key] = find()
        if isinstance(found, tuple):
            self.error(row, *found)
            return None
        return found

    def street(self, row: _Row) -> _RegionPlan | None:
        if not row.ok("street"):
            return None
        name = row.values["street"]
        return self._cached(self.streets, name, row, lambda: self._find_street(row, name))

    def _find_street(self, row: _Row, name: str) -> _RegionPlan | tuple[str, str]:
        streets = Region.objects.visible_to(self.user).filter(level=RegionLevel.STREET, name=name)
        if self.county is not None:
            streets = streets.filter(parent=self.county)
        matches = list(streets[:2])
        if len(matches) > 1:
            return (
                "street",
                _("有多个名为「%(name)s」的街道，请用区县账号导入。") % {"name": name},
            )
        if matches:
            return self._existing_region(row, matches[0])
        if self.county is None:
            # A street office names only its own street: any other name is outside its reach
            # (or a typo), never a street to create.
            return ("street", _("街道「%(name)s」不在您的管辖范围内。") % {"name": name})
        county = self._existing_region(row, self.county)
        return self._new_region(row, name, RegionLevel.STREET, county)

    def community(self, row: _Row, street: _RegionPlan) -> _RegionPlan | None:
        name = row.values["community"]
        if not name or not row.ok("community"):
            return None
        return self._cached(
            self.communities,
            (street, name),
            row,
            lambda: self._find_community(row, street, name),
        )

    def _find_community(
        self, row: _Row, street: _RegionPlan, name: str
    ) -> _RegionPlan | tuple[str, str]:
        if not street.new:
            match = Region.objects.filter(parent=street.instance, name=name).first()
            if match is not None:
                if not self._in_scope(match.pk):
                    return (
                        "community",
                        _("社区「%(name)s」不在您的管辖范围内。") % {"name": name},
                    )
                return self._existing_region(row, match)
        return self._new_region(row, name, RegionLevel.COMMUNITY, street)

    def index_rivers(self, rows: Iterable[_Row]) -> None:
        """Learn which rows name the same river before matching any: by code where a row gives
        one, and a name given elsewhere with a code means that coded river."""
        for row in rows:
            code, name = row.values["river_code"], row.values["river_name"]
            if not code or not row.ok("river_code", "river_name"):
                continue
            first_name, first_row = self.code_names.setdefault(code, (name, row))
            if first_name != name:
                self.error(
                    row,
                    "river_name",
                    _(
                        "河流编码「%(code)s」在第%(row)d行对应的是「%(name)s」，同一编码不能对应不同的河流名称。"
                    )
                    % {"code": code, "row": first_row.number, "name": first_name},
                )
                continue
            self.name_codes[name].add(code)
            self.river_codes.add(code)

    def river(self, row: _Row, street: _RegionPlan) -> _RiverPlan | None:
        if not row.ok("river_name", "river_code"):
            return None
        name, code = row.values["river_name"], row.values["river_code"]
        if not code:
            codes = sorted(self.name_codes.get(name, ()))
            if len(codes) > 1:
                self.error(
                    row,
                    "river_code",
                    _("表中有多条名为「%(name)s」的河流（编码 %(codes)s），请填写河流编码。")
                    % {"name": name, "codes": join_items(codes)},
                )
                return None
            code = codes[0] if codes else ""
        key = ("code", code) if code else ("name", name)
        plan = self._cached(
            self.rivers, key, row, lambda: self._find_river(row, street, name, code)
        )
        if plan is not None:
            self._merge(plan, "river_kind", row)
        return plan

    def _find_river(
        self, row: _Row, street: _RegionPlan, name: str, code: str
    ) -> _RiverPlan | tuple[str, str]:
        visible = River.objects.visible_to(self.user)
        if code:
            river = visible.filter(code=code).select_related("region").first()
            if river is None and River.objects.filter(code=code).exists():
                return (
                    "river_code",
                    _("河流编码「%(code)s」已被您管辖范围以外的河流使用。") % {"code": code},
                )
            if river is not None and river.name != name:
                return (
                    "river_name",
                    _("河流编码「%(code)s」已登记为「%(name)s」，与本行的河流名称不一致。")
                    % {"code": code, "name": river.name},
                )
        else:
            matches = list(visible.filter(name=name).select_related("region")[:2])
            if len(matches) > 1:
                return (
                    "river_code",
                    _("您的管辖范围内有多条名为「%(name)s」的河流，请填写河流编码加以区分。")
                    % {"name": name},
                )
            river = matches[0] if matches else None
        if river is not None:
            return _RiverPlan(row=row, instance=river, name=river.name, code=river.code)
        return _RiverPlan(
            row=row,
            new=True,
            name=name,
            code=code or self._free_code(River, f"{street.code}-R", self.river_codes),
            street=street,
        )

    def reach(
        self, row: _Row, river: _RiverPlan, street: _RegionPlan, community: _RegionPlan | None
    ) -> _ReachPlan | None:
        if not row.ok("reach_name"):
            return None
        name = row.values["reach_name"]
        plan = self._cached(
            self.reaches, (river, name), row, lambda: self._find_reach(row, river, name)
        )
        if plan is None:
            return None
        self._merge(plan, "street", row, street)
        if community is not None:
            self._merge(plan, "community", row, community)
        if not plan.new:
            self._check_reach_region(plan, row, street, community)
        self._merge(plan, "bank", row)
        self._merge(plan, "reach_length", row)
        return plan

    def _find_reach(self, row: _Row, river: _RiverPlan, name: str) -> _ReachPlan | tuple[str, str]:
        reach = None if river.new else self._reaches_of(river.instance).get(name)
        if reach is None:
            return _ReachPlan(row=row, new=True, river=river, name=name)
        if not self._in_scope(reach.region_id):
            return (
                "reach_name",
                _("河段「%(name)s」属于「%(region)s」，不在您的管辖范围内。")
                % {"name": name, "region": reach.region.name},
            )
        return _ReachPlan(row=row, instance=reach, river=river, name=name)

    def _check_reach_region(
        self, plan: _ReachPlan, row: _Row, street: _RegionPlan, community: _RegionPlan | None
    ) -> None:
        region = plan.instance.region
        message = _("河段「%(name)s」已登记在「%(region)s」，与本行不符。") % {
            "name": plan.name,
            "region": region.name,
        }
        if community is not None:
            if community.new or community.instance.pk != region.pk:
                self.error(row, "community", message)
        # A street-level row may name a reach in one of the street's communities: a general
        # chief answers for the whole river.
        elif street.new or street.instance.pk not in (region.pk, region.parent_id):
            self.error(row, "street", message)

    def chief(
        self,
        row: _Row,
        street: _RegionPlan,
        community: _RegionPlan | None,
        reach: _ReachPlan | None,
    ) -> None:
        if not row.values["name"] or not row.ok("name", "phone", "role"):
            return
        region = community or street
        name, phone, role = row.values["name"], row.values["phone"], row.values["role"]
        instance = None if region.new else self._serving(region.instance, name, phone, role)
        # A serving chief is one plan however the rows spell the phone; they must agree on it.
        key = ("serving", instance.pk) if instance is not None else (name, phone, role, region)
        plan = self.chiefs.get(key)
        if plan is None:
            plan = self.chiefs[key] = _ChiefPlan(
                row=row,
                instance=instance,
                new=instance is None,
                name=name,
                phone=phone,
                role=role,
                region=region,
            )
        for field_key in ("phone", "title", "unit", "appointed_on"):
            self._merge(plan, field_key, row)
        if reach is not None and reach not in plan.reaches:
            plan.reaches.append(reach)

    # A ledger names the same river and region over and over: one query for each, not per row.

    def _reaches_of(self, river: River) -> dict[str, Reach]:
        if river.pk not in self._river_reaches:
            reaches = Reach.objects.filter(river=river).select_related("region")
            self._river_reaches[river.pk] = {reach.name: reach for reach in reaches}
        return self._river_reaches[river.pk]

    def _serving_in(self, region: Region) -> list[Chief]:
        if region.pk not in self._region_chiefs:
            self._region_chiefs[region.pk] = list(
                Chief.objects.filter(region=region, relieved_on__isnull=True).order_by("pk")
            )
        return self._region_chiefs[region.pk]

    def _serving(self, region: Region, name: str, phone: str, role: str) -> Chief | None:
        """The serving chief a row names: by name, phone and category; or, when the phone is
        new, the one serving chief of that name and category (the sheet changes the phone)."""
        serving = [c for c in self._serving_in(region) if (c.name, c.role) == (name, role)]
        exact = [chief for chief in serving if chief.phone == phone]
        if exact:
            return exact[0]
        return serving[0] if len(serving) == 1 else None

    def _river_plans(self) -> list[_RiverPlan]:
        return [plan for plan in self.rivers.values() if isinstance(plan, _RiverPlan)]

    def _reach_plans(self) -> list[_ReachPlan]:
        return [plan for plan in self.reaches.values() if isinstance(plan, _ReachPlan)]

    def finish(self) -> None:
        """Checks that need every row: what new records still lack, and what changes."""
        managed: set[int] | None = None
        for river in self._river_plans():
            kind = river.value("river_kind")
            if river.new:
                if kind is None and "river_kind" not in river.bad_keys:
                    self.error(river.row, "river_kind", _("新河流须填写河流类型。"))
            elif kind is not None and kind != river.instance.kind:
                if managed is None:
                    managed = set(
                        selectors.river_managed(user=self.user).values_list("pk", flat=True)
                    )
                if river.instance.pk in managed:
                    river.changes["kind"] = kind
                else:
                    self.error(
                        river.values["river_kind"][1],
                        "river_kind",
                        _("该河流由「%(region)s」管理，不能在此修改其类型。")
                        % {"region": river.instance.region.name},
                    )
        for reach in self._reach_plans():
            length, bank = reach.value("reach_length"), reach.value("bank")
            if reach.new:
                if length is None and "reach_length" not in reach.bad_keys:
                    self.error(reach.row, "reach_length", _("新河段须填写河段长度。"))
                continue
            if length is not None and length != reach.instance.length_km:
                reach.changes["length_km"] = length
            if bank is not None and bank != reach.instance.bank:
                reach.changes["bank"] = bank
        held: dict[int, set[int]] = defaultdict(set)
        serving = [chief.instance.pk for chief in self.chiefs.values() if not chief.new]
        for chief_id, reach_id in Chief.reaches.through.objects.filter(
            chief_id__in=serving
        ).values_list("chief_id", "reach_id"):
            held[chief_id].add(reach_id)
        for chief in self.chiefs.values():
            if chief.new:
                if chief.value("appointed_on") is None and "appointed_on" not in chief.bad_keys:
                    self.error(chief.row, "appointed_on", _("新任河长须填写任职日期。"))
                continue
            for key in ("phone", "title", "unit"):
                value = chief.value(key)
                if value is not None and value != getattr(chief.instance, key):
                    chief.changes[key] = value
            has = held[chief.instance.pk]
            added = [r for r in chief.reaches if r.new or r.instance.pk not in has]
            if added:
                chief.changes["reaches"] = added

    # writing

    def apply(self) -> None:
        user = self.user
        for region in self.new_regions:
            self._current = region
            region.instance = model_create(
                model=Region,
                data={
                    "name": region.name,
                    "code": region.code,
                    "level": region.level,
                    "parent": region.parent.instance,
                },
            )
        rivers, reaches = self._river_plans(), self._reach_plans()
        for river in rivers:
            self._current = river
            if river.new:
                lengths = [r.value("reach_length") for r in reaches if r.river is river]
                river.instance = river_create(
                    user=user,
                    name=river.name,
                    code=river.code,
                    kind=river.value("river_kind"),
                    length_km=sum(lengths, Decimal("0")),
                    region=river.street.instance,
                )
            elif river.changes:
                model_update(instance=river.instance, data=river.changes)
        for reach in reaches:
            self._current = reach
            if reach.new:
                reach.instance = model_create(
                    model=Reach,
                    data={
                        "river": reach.river.instance,
                        "region": reach.region.instance,
                        "name": reach.name,
                        "bank": reach.value("bank") or Bank.BOTH,
                        "length_km": reach.value("reach_length"),
                    },
                )
            elif reach.changes:
                model_update(instance=reach.instance, data=reach.changes)
        for chief in self.chiefs.values():
            self._current = chief
            if chief.new:
                chief.instance = chief_appoint(
                    user=user,
                    reaches=[reach.instance for reach in chief.reaches],
                    name=chief.name,
                    phone=chief.phone,
                    role=chief.role,
                    title=chief.value("title", ""),
                    unit=chief.value("unit", ""),
                    region=chief.region.instance,
                    appointed_on=chief.value("appointed_on"),
                )
            elif chief.changes:
                data = dict(chief.changes)
                if "reaches" in data:
                    added = [reach.instance for reach in data["reaches"]]
                    data["reaches"] = [*chief.instance.reaches.all(), *added]
                chief_update(instance=chief.instance, user=user, **data)
        self._current = None

    def audit(self, *, file: IO[bytes] | bytes, rows: int) -> None:
        """One entry for the whole import, naming every record it made or changed (each chief's
        appointment or change also has its own entry, from the roster's services)."""
        kinds = {
            "regions": self.new_regions,
            "rivers": self._river_plans(),
            "reaches": self._reach_plans(),
            "chiefs": list(self.chiefs.values()),
        }
        audit_record(
            user=self.user,
            action=AuditAction.BULK_IMPORT,
            object_type=Chief._meta.label_lower,
            object_repr=SHEET_NAME,
            detail={
                "file": getattr(file, "name", ""),
                "rows": rows,
                "created": {k: [p.instance.pk for p in v if p.new] for k, v in kinds.items()},
                "updated": {
                    k: [p.instance.pk for p in v if not p.new and p.changes]
                    for k, v in kinds.items()
                },
            },
        )

    def report_rejection(self, exc: ValidationError) -> None:
        plan = self._current
        if plan is None:  # pragma: no cover - every write sets it
            self.result.file_errors.extend(exc.messages)
            return
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        )
        for field_name, messages in errors.items():
            column = (
                plan.main_column if field_name == NON_FIELD_ERRORS else plan.column_for(field_name)
            )
            for message in messages:
                self.error(plan.row, column, message)

    def count(self) -> None:
        created, updated = self.result.created, self.result.updated
        created["regions"] = len(self.new_regions)
        for key, plans in (
            ("rivers", self._river_plans()),
            ("reaches", self._reach_plans()),
            ("chiefs", list(self.chiefs.values())),
        ):
            created[key] = sum(1 for plan in plans if plan.new)
            updated[key] = sum(1 for plan in plans if not plan.new and plan.changes)

    def run(self, file: IO[bytes] | bytes) -> RosterImportResult:
        if not self.user.sees_all_regions and self.user.region_id is None:
            self.result.file_errors.append(_("您的账号未绑定区域，不能导入台账。"))
            return self._done()
        try:
            rows = self.read(file)
        except _Failed as exc:
            self.result.file_errors.append(str(exc))
            return self._done()
        for row in rows:
            self.parse(row)
        self.index_rivers(rows)
        for row in rows:
            street = self.street(row)
            if street is None:
                continue
            community = self.community(row, street)
            # A chief's row without a reach names no river.
            river = self.river(row, street) if row.values["river_name"] else None
            reach = self.reach(row, river, street, community) if river is not None else None
            self.chief(row, street, community, reach)
        self.finish()
        if self.result.row_errors:
            return self._done()
        try:
            with transaction.atomic():
                self.apply()
                self.audit(file=file, rows=len(rows))
        except ValidationError as exc:
            self.report_rejection(exc)
        except IntegrityError:
            # Checked a moment ago, so most likely a concurrent edit took a code or name.
            plan = self._current
            self.error(
                plan.row,
                plan.main_column,
                _("保存时数据库拒绝了此行（可能有人同时修改了相同的记录），请重新导入。"),
            )
        if self.result.ok:
            self.count()
        return self._done()

    def _done(self) -> RosterImportResult:
        result = self.result
        order = {header: index for index, header in enumerate(self.headers.values())}
        errors = sorted(
            set(result.row_errors), key=lambda e: (e.row, order.get(e.column, 99), e.message)
        )
        result.error_count = len(errors)
        result.row_errors = errors[:MAX_REPORTED_ERRORS]
        if not result.ok:
            result.created = dict.fromkeys(COUNT_KEYS, 0)
            result.updated = dict.fromkeys(COUNT_KEYS, 0)
        return result


def roster_import(*, user: User, file: IO[bytes] | bytes) -> RosterImportResult:
    """Import the roster ledger: all of it, or — when any cell is wrong — none of it.

    Regions, rivers and reaches are matched by name (rivers by code where given) within what
    ``user`` may see, and created when missing; chiefs are matched among serving entries by
    name, phone, category and region, and appointed when missing. Importing the same file
    again changes nothing.
    """
    return _RosterImport(user).run(file)


def roster_template() -> bytes:
    """An empty roster ledger with the expected header, drop-down lists and filling notes."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    append_row(sheet, [column.header for column in COLUMNS])
    letters = {}
    for index, column in enumerate(COLUMNS, start=1):
        letter = letters[column.key] = get_column_letter(index)
        sheet.cell(row=1, column=index).font = HEADER_FONT
        sheet.column_dimensions[letter].width = column.width
    sheet.freeze_panes = "A2"
    # Text cells keep a landline's leading zero and long codes as typed.
    for key in ("phone", "river_code"):
        sheet.column_dimensions[letters[key]].number_format = "@"
    sheet.column_dimensions[letters["appointed_on"]].number_format = "yyyy-mm-dd"
    for key, (choices, _aliases) in CHOICES.items():
        labels = ",".join(str(label) for _value, label in choices.choices)
        validation = DataValidation(
            type="list",
            formula1=f'"{labels}"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=str(COLUMN_BY_KEY[key].header),
            error=_("请从下拉列表中选择：%(choices)s") % {"choices": choice_labels(choices)},
        )
        validation.add(f"{letters[key]}2:{letters[key]}{TEMPLATE_ROWS + 1}")
        sheet.add_data_validation(validation)

    notes = workbook.create_sheet(HELP_SHEET_NAME)
    append_row(notes, [_("列名"), _("是否必填"), _("填写说明"), _("可选值")])
    for column in COLUMNS:
        allowed = choice_labels(CHOICES[column.key][0]) if column.key in CHOICES else ""
        append_row(notes, [column.header, str(column.need), str(column.help), allowed])
    notes.append([])
    for text in (
        _(
            "每行登记一位河长（或相关人员）负责的一个河段：一人负责多个河段、一个河段有多位河长时，分多行填写。"
        ),
        _("姓名为空的行只登记河流和河段。"),
        _("河流和河段各列都留空的行只登记河长（如不负责具体河段的总河长、联络员）。"),
        _(
            "街道、社区、河流和河段按名称与系统中已有的记录匹配，没有的将新建；"
            "河长按姓名、河长类别和所在区域与在任名录匹配（同名同类别有多人时再按联系电话区分），"
            "没有的将新任命。在任河长的联系电话、职务和单位可直接在台账中修改。"
        ),
        _("河长所在区域：填写了社区的为该社区，社区留空的为街道。"),
        _("导入前会检查整个文件：只要有一处错误，就不导入任何数据，并列出每个错误所在的行和列。"),
        _("同一文件重复导入不会重复登记。更换河长请在系统中办理换任，不要直接改台账中的姓名。"),
    ):
        append_row(notes, [text])
    for index, width in enumerate((18, 14, 70, 50), start=1):
        notes.column_dimensions[get_column_letter(index)].width = width
        notes.cell(row=1, column=index).font = HEADER_FONT
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
