"""The water-quality readings ledger (水质监测数据): import from the sheet monitoring stations send
(point code, sampling date, one column per parameter in mg/L), its template, and the readings
list's export in the same shape with the grade beside.

As the sign, outfall and facility ledgers (``rivers.ledger_assets``): the file is checked in full
before anything is written; every bad cell is reported with its Excel row and column, and a file
with any error imports nothing. A row names its point by code among the points the account sees;
a point's reading of a day is the same record, so importing a file again changes nothing, and a
corrected sheet updates the day's values (a blank cell clears the stored value).
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from core.ledgers import (
    MAX_REPORTED_ERRORS,
    ExportColumn,
    ImportColumn,
    LedgerFileError,
    LedgerRow,
    LedgerSheet,
    RowError,
    cell_text,
    import_template,
    parse_date_cell,
    parse_text,
    read_ledger,
)
from core.services import model_create, model_update
from core.text import join_items

from . import water_quality as wq
from .models import MonitoringPoint, WaterReading

SHEET_NAME = "水质监测数据"
TEMPLATE_FILENAME = "水质监测数据导入模板.xlsx"
# A county's points times twelve months is a few hundred rows; each row is one write.
MAX_ROWS = 2_000
VALUE_PLACES = 4  # the model's decimal places

# The headers stations use for each parameter, besides the template's own.
PARAMETER_ALIASES = {
    "do": ("DO", "溶解氧(mg/L)", "溶解氧（mg/L）"),
    "codmn": ("CODMn", "高锰酸盐指数(mg/L)", "高锰酸盐指数（mg/L）"),
    "cod": ("COD", "CODcr", "化学需氧量(COD)", "化学需氧量(mg/L)", "化学需氧量（mg/L）"),
    "bod5": ("BOD5", "BOD₅", "五日生化需氧量(mg/L)", "五日生化需氧量（mg/L）"),
    "nh3n": ("NH3-N", "氨氮(NH3-N)", "氨氮(mg/L)", "氨氮（mg/L）"),
    "tp": ("TP", "总磷(以P计)", "总磷(mg/L)", "总磷（mg/L）"),
    "tn": ("TN", "总氮(以N计)", "总氮(mg/L)", "总氮（mg/L）"),
}


def _parameter_parser(parameter: str):
    def parse(value: Any) -> Decimal:
        number = Decimal("NaN")
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            number = Decimal(str(value))
        elif not isinstance(value, bool):
            with contextlib.suppress(InvalidOperation):
                number = Decimal(cell_text(value))
        if not number.is_finite():
            raise ValueError(
                _("「%(value)s」不是数字，请填写以 mg/L 计的数值；未监测的项目留空。")
                % {"value": cell_text(value)}
            )
        problem = wq.physical_range_problem(parameter, number)
        if problem:
            raise ValueError(problem)
        if number != round(number, VALUE_PLACES):
            raise ValueError(
                _("最多保留 %(n)d 位小数。") % {"n": VALUE_PLACES},
            )
        return number

    return parse


# The sheet's headers are Chinese in every language, as the stations write them: the export
# writes them and the import reads them back.
PARAMETER_NAMES = {
    "do": "溶解氧",
    "codmn": "高锰酸盐指数",
    "cod": "化学需氧量",
    "bod5": "五日生化需氧量",
    "nh3n": "氨氮",
    "tp": "总磷",
    "tn": "总氮",
}


def _parameter_header(parameter: str) -> str:
    return f"{PARAMETER_NAMES[parameter]}（mg/L）"


COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn(
        "code",
        "断面编码",
        parse_text(40),
        aliases=("断面代码", "监测断面编码", "点位编码", "站点编码"),
        help=gettext_lazy("系统中已登记的监测断面编码，须在您的管辖范围内。"),
        number_format="@",
    ),
    ImportColumn(
        "name",
        "断面名称",
        parse_text(100),
        required=False,
        aliases=("监测断面", "点位名称"),
        help=gettext_lazy("仅供核对，不导入；以断面编码为准。"),
        width=18,
    ),
    ImportColumn(
        "sampled_on",
        "采样日期",
        parse_date_cell,
        aliases=("监测日期", "采样时间", "日期"),
        help=gettext_lazy("如 2024-03-05；同一断面同一天只有一条数据。"),
        width=12,
    ),
    *(
        ImportColumn(
            parameter,
            _parameter_header(parameter),
            _parameter_parser(parameter),
            required=False,
            aliases=(PARAMETER_NAMES[parameter], *PARAMETER_ALIASES[parameter]),
            help=gettext_lazy("mg/L；未监测留空。合理范围 0～%(high)s。")
            % {"high": wq.PHYSICAL_MAX[parameter]},
        )
        for parameter in wq.PARAMETERS
    ),
)

NOTES = (
    gettext_lazy(
        "导入前会检查整个文件：只要有一处错误，就不导入任何数据，并列出每个错误所在的行和列。"
    ),
    gettext_lazy("每行至少填写一项监测值；总氮只参与湖泊、水库断面的评价。"),
    gettext_lazy(
        "同一文件重复导入不会重复登记；已有同一断面同一天的数据时，以文件中的数值为准"
        "（留空的项目会被清除）。"
    ),
)


@dataclass
class WaterImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    file_errors: list[str] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.row_errors

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.row_errors)


@dataclass(eq=False)
class _Plan:
    row: LedgerRow
    point: MonitoringPoint
    sampled_on: datetime.date
    values: dict[str, Decimal | None]
    instance: WaterReading | None = None  # the day's reading, or the one made for the row
    new: bool = False
    changes: dict[str, Any] = field(default_factory=dict)


def _plan(sheet: LedgerSheet, user: User) -> list[_Plan]:
    codes = {row.values["code"] for row in sheet.rows if row.ok("code")}
    points = {
        point.code: point
        for point in MonitoringPoint.objects.visible_to(user).filter(code__in=codes)
    }
    days = {row.values["sampled_on"] for row in sheet.rows if row.ok("sampled_on")}
    existing = {
        (reading.point_id, reading.sampled_on): reading
        for reading in WaterReading.objects.filter(point__in=points.values(), sampled_on__in=days)
    }
    seen: dict[tuple[int, datetime.date], int] = {}
    plans = []
    for row in sheet.rows:
        point = points.get(row.values["code"]) if row.ok("code") else None
        if row.ok("code") and point is None:
            sheet.error(
                row,
                "code",
                _("断面编码「%(code)s」未登记，或不在您的管辖范围内。")
                % {"code": row.values["code"]},
            )
        values = {p: row.values[p] for p in wq.PARAMETERS}
        if row.ok(*wq.PARAMETERS) and all(v is None for v in values.values()):
            sheet.error(row, "code", _("至少填写一项监测值。"))
        if point is None or not row.ok("sampled_on", *wq.PARAMETERS) or row.bad:
            continue
        key = (point.pk, row.values["sampled_on"])
        if key in seen:
            sheet.error(
                row,
                "sampled_on",
                _("与第 %(row)d 行是同一断面同一天的数据。") % {"row": seen[key]},
            )
            continue
        seen[key] = row.number
        instance = existing.get(key)
        plan = _Plan(row, point, row.values["sampled_on"], values, instance, instance is None)
        if instance is not None:
            plan.changes = {p: v for p, v in values.items() if getattr(instance, p) != v}
        plans.append(plan)
    return plans


def water_reading_import(*, user: User, file: IO[bytes] | bytes) -> WaterImportResult:
    """Import the readings in ``file`` (.xlsx or CSV): all of them or, when any cell is wrong,
    none. A point's reading of a day is added, or updated where the values differ."""
    result = WaterImportResult()
    if not user.sees_all_regions and user.region_id is None:
        result.file_errors.append(_("您的账号未绑定区域，不能导入台账。"))
        return result
    try:
        sheet = read_ledger(file, sheet_name=SHEET_NAME, columns=COLUMNS, max_rows=MAX_ROWS)
    except LedgerFileError as exc:
        result.file_errors.append(str(exc))
        return result
    plans = _plan(sheet, user)
    if not sheet.errors:
        try:
            with transaction.atomic():
                _apply(plans)
                audit_record(
                    user=user,
                    action=AuditAction.BULK_IMPORT,
                    object_type=WaterReading._meta.label_lower,
                    object_repr=SHEET_NAME,
                    detail={
                        "file": getattr(file, "name", ""),
                        "rows": len(sheet.rows),
                        "created": [p.instance.pk for p in plans if p.new],
                        "updated": [p.instance.pk for p in plans if p.changes],
                    },
                )
        except IntegrityError:
            # Checked a moment ago: most likely someone entered the same day meanwhile.
            result.file_errors.append(
                _("保存时数据库拒绝了数据（可能有人同时录入了同一断面同一天的数据），请重新导入。")
            )
    errors = sheet.sorted_errors()
    result.error_count = len(errors)
    result.row_errors = errors[:MAX_REPORTED_ERRORS]
    if result.ok:
        result.created = sum(1 for p in plans if p.new)
        result.updated = sum(1 for p in plans if p.changes)
        result.unchanged = len(plans) - result.created - result.updated
    return result


def _apply(plans: Iterable[_Plan]) -> None:
    for plan in plans:
        if plan.new:
            plan.instance = model_create(
                model=WaterReading,
                data={"point": plan.point, "sampled_on": plan.sampled_on, **plan.values},
            )
        elif plan.changes:
            model_update(instance=plan.instance, data=plan.changes)


def water_reading_template() -> bytes:
    """The empty ledger with its header and filling notes."""
    return import_template(sheet_name=SHEET_NAME, columns=COLUMNS, notes=NOTES)


def readings_ledger_table(
    readings: models.QuerySet[WaterReading],
) -> tuple[list[ExportColumn], list[WaterReading]]:
    """The readings list as a ledger in the import's shape, with the grade, the target and the
    exceedances beside: export, correct in Excel, import back."""

    def value(parameter: str):
        return lambda reading: getattr(reading, parameter)

    def deciding(reading: WaterReading) -> str:
        return join_items(str(wq.PARAMETER_LABELS[p]) for p in reading.assessment.deciding)

    def exceedances(reading: WaterReading) -> str:
        return join_items(
            _("%(name)s超标%(multiple)s倍") % {"name": wq.PARAMETER_LABELS[p], "multiple": multiple}
            for p, multiple in reading.assessment.exceedances.items()
        )

    def grade(reading: WaterReading) -> str:
        code = reading.assessment.grade
        return str(wq.Grade(code).label) if code else ""

    def meets(reading: WaterReading) -> str:
        met = reading.assessment.meets_target
        return "" if met is None else (_("是") if met else _("否"))

    header = {column.key: column.header for column in COLUMNS}
    columns = [
        ExportColumn(header["code"], lambda r: r.point.code),
        ExportColumn(header["name"], lambda r: r.point.name),
        ExportColumn(header["sampled_on"], lambda r: r.sampled_on),
        *(
            ExportColumn(_parameter_header(p), value(p), number_format="0.000")
            for p in wq.PARAMETERS
        ),
        ExportColumn(_("水质类别"), grade),
        ExportColumn(_("水质目标"), lambda r: r.point.get_target_grade_display()),
        ExportColumn(_("是否达标"), meets),
        ExportColumn(_("定类项目"), deciding, wrap=True),
        ExportColumn(_("超标倍数"), exceedances, wrap=True),
    ]
    return columns, list(readings.select_related("point"))
