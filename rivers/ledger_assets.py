"""The ledgers of public signs (河长公示牌), outfalls (入河排污口) and river facilities (涉河设施):
import from the Excel or CSV sheet offices keep, and their templates.

One importer serves the three, driven by each ledger's columns (``core.ledgers.ImportColumn``).
A row names its reach by river and reach name (the river's code too where two rivers share a
name), among the reaches of the account's region. A sign is the same record when its code is;
an outfall or a facility when its reach and name are. The file is checked in full before
anything is written: every bad cell is reported with its Excel row and column, and a file with
any error imports nothing. Importing the same file again changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.models import AuditAction
from audit.services import audit_record
from core.ledgers import (
    MAX_REPORTED_ERRORS,
    ImportColumn,
    LedgerFileError,
    LedgerRow,
    LedgerSheet,
    RowError,
    import_template,
    parse_choice,
    parse_coordinate,
    parse_date_cell,
    parse_text,
    read_ledger,
)
from core.services import model_create, model_update

from .models import Facility, FacilityKind, Outfall, OutfallKind, Reach, River, Sign
from .serializers import CHINA_LAT, CHINA_LON
from .validators import sign_code_problem

# A street keeps a few dozen of each; a county a few hundred. Each row is one insert or update,
# so the cap keeps an import well inside the web worker's timeout.
MAX_ROWS = 2_000


def _text(model: type[models.Model], field_name: str):
    return parse_text(model._meta.get_field(field_name).max_length)


def _sign_code(value: Any) -> str:
    code = _text(Sign, "code")(value)
    problem = sign_code_problem(code)
    if problem is not None:
        raise ValueError(problem)
    return code


# The reach every asset stands on, and where; the same in the three ledgers.
REACH_COLUMNS = (
    ImportColumn(
        "river_name",
        "河流名称",
        _text(River, "name"),
        aliases=("河流", "河湖名称", "所在河流"),
        help=gettext_lazy("所在河流的名称，须是系统中已登记的河流。"),
        width=16,
    ),
    ImportColumn(
        "river_code",
        "河流编码",
        _text(River, "code"),
        required=False,
        aliases=("河湖编码",),
        help=gettext_lazy("您的管辖范围内有同名河流时必须填写，以区分是哪一条；否则可留空。"),
        width=16,
        number_format="@",
    ),
    ImportColumn(
        "reach_name",
        "河段名称",
        _text(Reach, "name"),
        aliases=("河段", "所在河段"),
        help=gettext_lazy(
            "该河流在系统中登记的河段名称，河段须在您的管辖范围内；"
            "系统中还没有的河段请先登记（或通过河长名录导入）。"
        ),
        width=18,
    ),
)
POSITION_COLUMNS = (
    ImportColumn(
        "lat",
        "纬度",
        partial(parse_coordinate, low=CHINA_LAT[0], high=CHINA_LAT[1]),
        aliases=("lat", "latitude", "北纬"),
        help=gettext_lazy("WGS-84 十进制度数，如 34.757800。"),
        width=12,
    ),
    ImportColumn(
        "lon",
        "经度",
        partial(parse_coordinate, low=CHINA_LON[0], high=CHINA_LON[1]),
        aliases=("lon", "lng", "longitude", "东经"),
        help=gettext_lazy("WGS-84 十进制度数，如 113.664900。"),
        width=12,
    ),
)
REACH_KEYS = ("river_name", "river_code", "reach_name")

# Words the offices' own papers use for the same kinds.
OUTFALL_ALIASES = {
    "雨水排放口": OutfallKind.RAIN,
    "生活污水排口": OutfallKind.DOMESTIC,
    "生活污水排放口": OutfallKind.DOMESTIC,
    "工业废水排口": OutfallKind.INDUSTRIAL,
    "工业排放口": OutfallKind.INDUSTRIAL,
}
FACILITY_ALIASES = {
    "便桥": FacilityKind.FOOTBRIDGE,
    "涵洞": FacilityKind.CULVERT,
    "污水厂": FacilityKind.SEWAGE_PLANT,
}

_ALL_OR_NOTHING = gettext_lazy(
    "导入前会检查整个文件：只要有一处错误，就不导入任何数据，并列出每个错误所在的行和列。"
)
_FILES = gettext_lazy(
    "可以上传本模板（.xlsx），也可以上传另存为 CSV（UTF-8 或 GBK 编码）的表格；"
    "表头上方可以有标题行，序号、备注等其他列不导入。"
)
_AGAIN = gettext_lazy("同一文件重复导入不会重复登记：与系统中一致的行不作改动。")


@dataclass(frozen=True)
class AssetLedger:
    slug: str  # the URL's word: signs, outfalls, facilities
    model: type[models.Model]
    sheet_name: str  # the ledger's name, as the template's sheet and the audit entry name it
    columns: tuple[ImportColumn, ...]
    identity: str  # the field naming the record: across the portal, or within its reach
    identity_in_reach: bool
    notes: tuple[Promise, ...]

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def template_filename(self) -> str:
        return f"{self.sheet_name}导入模板.xlsx"

    @property
    def fields(self) -> tuple[str, ...]:
        """The model fields a row sets besides its reach (the columns share their names)."""
        return tuple(c.key for c in self.columns if c.key not in REACH_KEYS)


SIGNS = AssetLedger(
    slug="signs",
    model=Sign,
    sheet_name="河长公示牌",
    columns=(
        ImportColumn(
            "code",
            "公示牌编号",
            _sign_code,
            aliases=("编号", "公示牌编码", "河长公示牌编号", "牌号"),
            help=gettext_lazy(
                "印在公示牌二维码地址中的编号，全系统唯一：只用英文字母、数字和连字符，如 GSP-001。"
            ),
            width=16,
            number_format="@",
        ),
        *REACH_COLUMNS,
        *POSITION_COLUMNS,
        ImportColumn(
            "updated_on",
            "更新日期",
            parse_date_cell,
            aliases=("更新时间", "最近更新日期"),
            help=gettext_lazy(
                "公示牌内容最近一次更新的日期，如 2023-01-05、2023/1/5 或 2023年1月5日。"
            ),
            number_format="yyyy-mm-dd",
        ),
    ),
    identity="code",
    identity_in_reach=False,
    notes=(
        gettext_lazy(
            "每行登记一块公示牌：按公示牌编号与系统中已有的公示牌匹配，有的更新，没有的新增。"
        ),
        _ALL_OR_NOTHING,
        _AGAIN,
        _FILES,
    ),
)
OUTFALLS = AssetLedger(
    slug="outfalls",
    model=Outfall,
    sheet_name="入河排污口",
    columns=(
        ImportColumn(
            "name",
            "排污口名称",
            _text(Outfall, "name"),
            aliases=("名称", "排口名称", "入河排污口名称", "排污口"),
            help=gettext_lazy("同一河段内不能重名。"),
            width=22,
        ),
        ImportColumn(
            "kind",
            "排污口类型",
            parse_choice(OutfallKind, OUTFALL_ALIASES),
            aliases=("类型", "排口类型"),
            help=gettext_lazy("从下拉列表中选择。"),
            choices=OutfallKind,
            width=20,
        ),
        *REACH_COLUMNS,
        *POSITION_COLUMNS,
    ),
    identity="name",
    identity_in_reach=True,
    notes=(
        gettext_lazy(
            "每行登记一个排污口：按所在河段和排污口名称与系统中已有的排污口匹配，"
            "有的更新，没有的新增。"
        ),
        _ALL_OR_NOTHING,
        _AGAIN,
        _FILES,
    ),
)
FACILITIES = AssetLedger(
    slug="facilities",
    model=Facility,
    sheet_name="涉河设施",
    columns=(
        ImportColumn(
            "name",
            "设施名称",
            _text(Facility, "name"),
            aliases=("名称", "涉河设施名称", "设施"),
            help=gettext_lazy("同一河段内不能重名。"),
            width=22,
        ),
        ImportColumn(
            "kind",
            "设施类型",
            parse_choice(FacilityKind, FACILITY_ALIASES),
            aliases=("类型",),
            help=gettext_lazy("从下拉列表中选择。"),
            choices=FacilityKind,
            width=16,
        ),
        *REACH_COLUMNS,
        *POSITION_COLUMNS,
    ),
    identity="name",
    identity_in_reach=True,
    notes=(
        gettext_lazy(
            "每行登记一处设施：按所在河段和设施名称与系统中已有的设施匹配，有的更新，没有的新增。"
        ),
        _ALL_OR_NOTHING,
        _AGAIN,
        _FILES,
    ),
)
ASSET_LEDGERS: dict[str, AssetLedger] = {
    ledger.slug: ledger for ledger in (SIGNS, OUTFALLS, FACILITIES)
}


@dataclass
class AssetImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    file_errors: list[str] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    error_count: int = 0  # may exceed len(row_errors): a long list is cut short

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.row_errors

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.row_errors)


@dataclass(eq=False)
class _Plan:
    row: LedgerRow
    data: dict[str, Any]
    instance: models.Model | None = None  # the registered record, or the one made for the row
    new: bool = False
    changes: dict[str, Any] = field(default_factory=dict)


class _AssetImport:
    def __init__(self, ledger: AssetLedger, user: User) -> None:
        self.ledger = ledger
        self.user = user
        self.result = AssetImportResult()
        self.sheet: LedgerSheet | None = None
        self.plans: list[_Plan] = []
        self._current: _Plan | None = None
        # A ledger names the same river over and over: one query per river, not per row.
        self._rivers: dict[tuple[str, str], River | tuple[str, str]] = {}
        self._reaches: dict[int, dict[str, Reach]] = {}

    def error(self, row: LedgerRow, key: str, message: str) -> None:
        self.sheet.error(row, key, message)

    # matching against the database (reads only)

    def reach(self, row: LedgerRow) -> Reach | None:
        if not row.ok(*REACH_KEYS):
            return None
        river = self._river(row)
        if river is None:
            return None
        name = row.values["reach_name"]
        if river.pk not in self._reaches:
            visible = Reach.objects.visible_to(self.user).filter(river=river)
            self._reaches[river.pk] = {reach.name: reach for reach in visible}
        reach = self._reaches[river.pk].get(name)
        if reach is None:
            # Said the same way whether the reach is elsewhere or nowhere: outside the account's
            # region a record does not exist.
            self.error(
                row,
                "reach_name",
                _(
                    "河流「%(river)s」在您的管辖范围内没有名为「%(reach)s」的河段；"
                    "请检查河段名称，或先在系统中登记该河段。"
                )
                % {"river": river.name, "reach": name},
            )
        return reach

    def _river(self, row: LedgerRow) -> River | None:
        name, code = row.values["river_name"], row.values["river_code"] or ""
        found = self._rivers.get((name, code))
        if found is None:
            found = self._rivers[(name, code)] = self._find_river(name, code)
        if isinstance(found, tuple):
            self.error(row, *found)
            return None
        return found

    def _find_river(self, name: str, code: str) -> River | tuple[str, str]:
        visible = River.objects.visible_to(self.user)
        if code:
            river = visible.filter(code=code).first()
            if river is None:
                return (
                    "river_code",
                    _("在您的管辖范围内找不到编码为「%(code)s」的河流。") % {"code": code},
                )
            if river.name != name:
                return (
                    "river_name",
                    _("河流编码「%(code)s」登记的河流是「%(name)s」，与本行的河流名称不一致。")
                    % {"code": code, "name": river.name},
                )
            return river
        matches = list(visible.filter(name=name)[:2])
        if len(matches) > 1:
            return (
                "river_code",
                _("您的管辖范围内有多条名为「%(name)s」的河流，请填写河流编码加以区分。")
                % {"name": name},
            )
        if not matches:
            return (
                "river_name",
                _(
                    "在您的管辖范围内找不到河流「%(name)s」；请检查河流名称，或先在系统中登记该河流。"
                )
                % {"name": name},
            )
        return matches[0]

    def plan(self, reaches: dict[LedgerRow, Reach | None]) -> None:
        """Which record each row is: a new one, or one already registered (changed or not)."""
        ledger, model = self.ledger, self.ledger.model
        identity = ledger.identity

        def key_of(row: LedgerRow) -> Any:
            value = row.values[identity]
            if value is None or not row.ok(identity):
                return None
            if ledger.identity_in_reach:
                reach = reaches.get(row)
                return None if reach is None else (reach.pk, value)
            return value

        keys = {row: key_of(row) for row in self.sheet.rows}
        existing: dict[Any, list[models.Model]] = defaultdict(list)
        values = {key[1] if ledger.identity_in_reach else key for key in keys.values() if key}
        if values:
            query = model.objects.filter(**{f"{identity}__in": values}).order_by("pk")
            if ledger.identity_in_reach:
                query = query.filter(reach__in={key[0] for key in keys.values() if key})
            for instance in query:
                value = getattr(instance, identity)
                key = (instance.reach_id, value) if ledger.identity_in_reach else value
                existing[key].append(instance)
        found = [instance.pk for instances in existing.values() for instance in instances]
        visible = set(
            model.objects.visible_to(self.user).filter(pk__in=found).values_list("pk", flat=True)
        )

        first_rows: dict[Any, LedgerRow] = {}
        for row in self.sheet.rows:
            key = keys[row]
            if key is None:
                continue
            first = first_rows.setdefault(key, row)
            if first is not row:
                self.error(
                    row,
                    identity,
                    _("与第%(row)d行是同一条记录（%(value)s），同一记录只能填写一行。")
                    % {"row": first.number, "value": row.values[identity]},
                )
                continue
            matches = existing.get(key, [])
            if len(matches) > 1:
                self.error(
                    row,
                    identity,
                    _(
                        "该河段已登记了 %(n)d 个名为「%(name)s」的%(kind)s，无法确定要更新哪一个；"
                        "请先在系统中改名或删除重复的记录。"
                    )
                    % {"n": len(matches), "name": row.values[identity], "kind": ledger.label},
                )
                continue
            instance = matches[0] if matches else None
            if instance is not None and instance.pk not in visible:
                # Only a portal-wide identity (a sign's code) can lead outside the region.
                self.error(
                    row,
                    identity,
                    _("「%(value)s」已被您管辖范围以外的%(kind)s使用。")
                    % {"value": row.values[identity], "kind": ledger.label},
                )
                continue
            reach = reaches.get(row)
            if reach is None or not row.ok(*ledger.fields):
                continue
            data = {"reach": reach, **{name: row.values[name] for name in ledger.fields}}
            plan = _Plan(row=row, data=data, instance=instance, new=instance is None)
            if instance is not None:
                plan.changes = {
                    name: value
                    for name, value in data.items()
                    if (
                        instance.reach_id != value.pk
                        if name == "reach"
                        else getattr(instance, name) != value
                    )
                }
            self.plans.append(plan)

    # writing

    def apply(self) -> None:
        model = self.ledger.model
        for plan in self.plans:
            self._current = plan
            if plan.new:
                plan.instance = model_create(model=model, data=plan.data)
            elif plan.changes:
                model_update(instance=plan.instance, data=plan.changes)
        self._current = None

    def audit(self, *, file: IO[bytes] | bytes) -> None:
        """One entry for the whole import, naming every record it made or changed."""
        audit_record(
            user=self.user,
            action=AuditAction.BULK_IMPORT,
            object_type=self.ledger.model._meta.label_lower,
            object_repr=self.ledger.sheet_name,
            detail={
                "file": getattr(file, "name", ""),
                "rows": len(self.sheet.rows),
                "created": [plan.instance.pk for plan in self.plans if plan.new],
                "updated": [plan.instance.pk for plan in self.plans if plan.changes],
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
        columns = {column.key for column in self.ledger.columns}
        for field_name, messages in errors.items():
            if field_name == "reach":
                key = "reach_name"
            elif field_name in columns:
                key = field_name
            else:
                key = self.ledger.identity
            for message in messages:
                self.error(plan.row, key, message)

    def run(self, file: IO[bytes] | bytes) -> AssetImportResult:
        if not self.user.sees_all_regions and self.user.region_id is None:
            self.result.file_errors.append(_("您的账号未绑定区域，不能导入台账。"))
            return self._done()
        try:
            self.sheet = read_ledger(
                file,
                sheet_name=self.ledger.sheet_name,
                columns=self.ledger.columns,
                max_rows=MAX_ROWS,
            )
        except LedgerFileError as exc:
            self.result.file_errors.append(str(exc))
            return self._done()
        reaches = {row: self.reach(row) for row in self.sheet.rows}
        self.plan(reaches)
        if self.sheet.errors:
            return self._done()
        try:
            with transaction.atomic():
                self.apply()
                self.audit(file=file)
        except ValidationError as exc:
            self.report_rejection(exc)
        except IntegrityError:
            # Checked a moment ago, so most likely a concurrent edit took the same code.
            plan = self._current
            if plan is None:  # pragma: no cover - only writes raise it
                raise
            self.error(
                plan.row,
                self.ledger.identity,
                _("保存时数据库拒绝了此行（可能有人同时修改了相同的记录），请重新导入。"),
            )
        if self.result.ok and not self.sheet.errors:
            self.result.created = sum(1 for plan in self.plans if plan.new)
            self.result.updated = sum(1 for plan in self.plans if not plan.new and plan.changes)
            self.result.unchanged = len(self.plans) - self.result.created - self.result.updated
        return self._done()

    def _done(self) -> AssetImportResult:
        result = self.result
        errors = self.sheet.sorted_errors() if self.sheet is not None else []
        result.error_count = len(errors)
        result.row_errors = errors[:MAX_REPORTED_ERRORS]
        if not result.ok:
            result.created = result.updated = result.unchanged = 0
        return result


def asset_import(*, user: User, kind: str, file: IO[bytes] | bytes) -> AssetImportResult:
    """Import the ledger of ``kind`` (signs, outfalls or facilities): all of it or, when any
    cell is wrong, none of it. Rows are matched to registered records (signs by code, outfalls
    and facilities by reach and name) and update them, or add new ones; a row that agrees with
    its record changes nothing."""
    return _AssetImport(ASSET_LEDGERS[kind], user).run(file)


def asset_template(*, kind: str) -> bytes:
    """The empty ledger of ``kind`` with its header, drop-down lists and filling notes."""
    ledger = ASSET_LEDGERS[kind]
    return import_template(sheet_name=ledger.sheet_name, columns=ledger.columns, notes=ledger.notes)
