"""The pushed patch list in (CSV or .xlsx) and the list with verdicts out (.xlsx).

A list is read and checked in full before anything is written: every bad cell is reported with
its row as Excel numbers it and its column as the file spells it, and a list with any error
imports nothing (the same rules as the roster ledger, ``rivers.ledger``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import condition
from core.ledgers import (
    HEADER_SCAN_ROWS,
    MAX_REPORTED_ERRORS,
    ExportColumn,
    Ledger,
    LedgerFileError,
    RowError,
    Table,
    cell_text,
    field_label,
    header_positions,
    is_blank,
    ledger_xlsx,
    normalise_header,
    parse_coordinate,
    read_tables,
)
from core.text import join_items
from issues.models import IssueStatus
from rivers.serializers import CHINA_LAT, CHINA_LON

from .models import MapPatch, PatchBatch, Verdict

MAX_ROWS = 5_000  # a county's pushed list is a few hundred patches
EXPORT_SHEET = "图斑复核"


@dataclass(frozen=True)
class ListColumn:
    key: str
    header: str
    aliases: tuple[str, ...]
    required: bool = True


COLUMNS: tuple[ListColumn, ...] = (
    ListColumn("patch_id", "图斑编号", ("id", "编号", "图斑id", "图斑号")),
    ListColumn("lat", "纬度", ("lat", "latitude")),
    ListColumn("lon", "经度", ("lon", "lng", "long", "longitude")),
    ListColumn("note", "备注", ("note", "notes", "说明"), required=False),
)
HEADER_LOOKUP = {
    normalise_header(text): column.key
    for column in COLUMNS
    for text in (column.header, *column.aliases)
}
PATCH_ID_MAX = MapPatch._meta.get_field("patch_id").max_length
NOTE_MAX = MapPatch._meta.get_field("note").max_length


@dataclass(frozen=True)
class PatchRow:
    row: int
    patch_id: str
    lat: Decimal
    lon: Decimal
    note: str


class PatchListRejected(Exception):
    """The list imports nothing: what is wrong with the file, or with which cells."""

    def __init__(self, *, file_errors: list[str], row_errors: list[RowError]) -> None:
        super().__init__(join_items(file_errors) or _("图斑清单有误。"))
        self.file_errors = file_errors
        self.error_count = len(row_errors)
        self.row_errors = row_errors[:MAX_REPORTED_ERRORS]

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.row_errors)


@dataclass
class _ListReader:
    headers: dict[str, str] = field(default_factory=dict)  # key -> header as the file spells it
    errors: list[RowError] = field(default_factory=list)

    def error(self, row: int, key: str, message: str) -> None:
        self.errors.append(RowError(row, self.headers[key], message))

    def read(self, file: IO[bytes] | bytes) -> list[PatchRow]:
        try:
            tables = read_tables(file)
            header_row, positions, table = self._find_header(tables)
        except LedgerFileError as exc:
            raise PatchListRejected(file_errors=[str(exc)], row_errors=[]) from exc
        body = [(number, cells) for number, cells in table if number > header_row]
        if len(body) > MAX_ROWS:
            # Formatted blank rows below the data count too; only rows with values matter.
            body = [(n, cells) for n, cells in body if not all(is_blank(c) for c in cells)]
        if len(body) > MAX_ROWS:
            message = _("图斑超过 %(limit)d 行的上限，请分批导入。") % {"limit": MAX_ROWS}
            raise PatchListRejected(file_errors=[message], row_errors=[])
        rows: list[PatchRow] = []
        ids: dict[str, list[int]] = defaultdict(list)
        for number, cells in body:
            raw = {
                key: cells[index] if index < len(cells) else None
                for key, index in positions.items()
            }
            if all(is_blank(value) for value in raw.values()):
                continue
            row = self._parse(number, raw)
            if row is not None:
                rows.append(row)
            if patch_id := cell_text(raw.get("patch_id")):
                ids[patch_id].append(number)
        if not ids and not self.errors:
            raise PatchListRejected(file_errors=[_("文件中没有图斑数据行。")], row_errors=[])
        self._check_duplicates(ids)
        if self.errors:
            order = {column.key: index for index, column in enumerate(COLUMNS)}
            by_header = {self.headers[key]: order[key] for key in self.headers}
            errors = sorted(self.errors, key=lambda e: (e.row, by_header.get(e.column, 99)))
            raise PatchListRejected(file_errors=[], row_errors=errors)
        return rows

    def _find_header(self, tables: dict[str, Table]) -> tuple[int, dict[str, int], Table]:
        """The first sheet with a header row naming the id and both coordinates, among the
        top few rows (a title row above the header is common)."""
        for table in tables.values():
            for number, cells in table[:HEADER_SCAN_ROWS]:
                positions, headers, repeated = header_positions(cells, HEADER_LOOKUP)
                if all(column.key in positions for column in COLUMNS if column.required):
                    if repeated:
                        raise LedgerFileError(
                            _("表头中以下列重复出现：%(columns)s。")
                            % {"columns": join_items(repeated)}
                        )
                    self.headers = {column.key: column.header for column in COLUMNS} | headers
                    return number, positions, table
        raise LedgerFileError(
            _(
                "找不到表头。图斑清单须有以下列：图斑编号（或 id、编号）、纬度（lat）、"
                "经度（lon），备注（note）可选。"
            )
        )

    def _parse(self, number: int, raw: dict[str, Any]) -> PatchRow | None:
        ok = True
        patch_id = cell_text(raw.get("patch_id"))
        if not patch_id:
            self.error(number, "patch_id", _("图斑编号不能为空。"))
            ok = False
        elif len(patch_id) > PATCH_ID_MAX:
            self.error(number, "patch_id", _("不能超过 %(n)d 个字符。") % {"n": PATCH_ID_MAX})
            ok = False
        coordinates = {}
        for key, (low, high) in (("lat", CHINA_LAT), ("lon", CHINA_LON)):
            value = raw.get(key)
            if is_blank(value):
                self.error(number, key, _("不能为空。"))
                ok = False
                continue
            try:
                coordinates[key] = parse_coordinate(value, low=low, high=high)
            except ValueError as exc:
                self.error(number, key, str(exc))
                ok = False
        note = cell_text(raw.get("note"))
        if len(note) > NOTE_MAX:
            self.error(number, "note", _("不能超过 %(n)d 个字符。") % {"n": NOTE_MAX})
            ok = False
        if not ok:
            return None
        return PatchRow(number, patch_id, coordinates["lat"], coordinates["lon"], note)

    def _check_duplicates(self, ids: dict[str, list[int]]) -> None:
        for patch_id, numbers in ids.items():
            if len(numbers) < 2:
                continue
            message = _("图斑编号「%(id)s」重复出现（第%(rows)s行）。") % {
                "id": patch_id,
                "rows": join_items(numbers),
            }
            for number in numbers:
                self.error(number, "patch_id", message)


def read_patch_list(file: IO[bytes] | bytes) -> list[PatchRow]:
    """The patches of a pushed list (CSV in UTF-8 or GBK, or .xlsx), all checked; raises
    ``PatchListRejected`` naming every bad cell when any is wrong."""
    return _ListReader().read(file)


# --- export -----------------------------------------------------------------------------------


def _checker(patch: MapPatch) -> str:
    user = patch.checked_by
    if user is None:
        return ""
    return user.get_full_name() or user.username


def export_columns() -> list[ExportColumn]:
    return [
        ExportColumn(_("图斑编号"), lambda p: p.patch_id, 18),
        ExportColumn(_("纬度"), lambda p: p.lat, 12, "0.000000"),
        ExportColumn(_("经度"), lambda p: p.lon, 12, "0.000000"),
        ExportColumn(_("备注"), lambda p: p.note, 30, wrap=True),
        ExportColumn(_("核查结论"), lambda p: str(Verdict(p.verdict).label), 16),
        ExportColumn(_("核查说明"), lambda p: p.verdict_note, 36, wrap=True),
        ExportColumn(_("核查时间"), lambda p: p.checked_at, 18),
        ExportColumn(_("核查人"), _checker, 12),
        ExportColumn(_("照片数"), lambda p: p.photo_count, 8),
        ExportColumn(_("问题编号"), lambda p: p.issue.code if p.issue else "", 20),
        ExportColumn(
            _("问题状态"), lambda p: str(IssueStatus(p.issue.status).label) if p.issue else "", 10
        ),
    ]


def batch_export(*, batch: PatchBatch, patches: QuerySet[MapPatch] | Iterable[MapPatch]) -> bytes:
    """The list with verdicts for reporting upward; ``patches`` carry ``photo_count``."""
    ledger = Ledger(
        name=EXPORT_SHEET,
        columns=export_columns(),
        region=batch.region.full_name,
        conditions=[condition(field_label(MapPatch, "batch"), batch.name)],
    )
    return ledger_xlsx(ledger=ledger, rows=patches)


def batch_export_filename(batch: PatchBatch) -> str:
    name = "".join(ch for ch in batch.name if ch not in '\\/:*?"<>|')
    return f"{EXPORT_SHEET}-{name}-{timezone.localdate():%Y%m%d}.xlsx"
