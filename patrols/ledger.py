"""The patrol ledgers: every patrol (巡河记录台账), and each chief's patrols against the rules
(巡河率) for a period. Both are written by ``core.ledgers`` in the layout every ledger has."""

from collections.abc import Iterable, Sequence

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Region
from core.ledgers import ExportColumn, field_label
from core.text import join_clauses
from rivers.models import Chief, ChiefRole, Reach

from .models import Finding, Patrol
from .selectors import ComplianceRow
from .serializers import ComplianceSerializer

COMPLIANCE_LEDGER_NAME = gettext_lazy("河长巡河情况")


def _minutes(patrol: Patrol) -> int:
    return round((patrol.ended_at - patrol.started_at).total_seconds() / 60)


def _photos(patrol: Patrol) -> int:
    return sum(len(finding.photos.all()) for finding in patrol.findings.all())


def patrol_ledger_table(
    patrols: QuerySet[Patrol],
) -> tuple[list[ExportColumn], list[Patrol]]:
    """One row a patrol: when, who, where (the region in full), how long and how far, whether
    it counts, what was seen. ``patrols`` come from ``selectors.patrol_list``."""
    rows = list(patrols)
    regions = Region.objects.filter(pk__in={p.reach.region_id for p in rows}).full_names()
    roles = dict(ChiefRole.choices)

    def label(name: str) -> str:
        return field_label(Patrol, name)

    columns = [
        ExportColumn(label("started_on"), lambda p: p.started_on),
        ExportColumn(label("chief"), lambda p: p.chief.name),
        ExportColumn(field_label(Chief, "role"), lambda p: str(roles.get(p.chief.role, ""))),
        ExportColumn(field_label(Reach, "region"), lambda p: regions.get(p.reach.region_id, "")),
        ExportColumn(label("reach"), lambda p: str(p.reach)),
        ExportColumn(label("started_at"), lambda p: p.started_at),
        ExportColumn(label("ended_at"), lambda p: p.ended_at),
        ExportColumn(_("时长（分钟）"), _minutes, number_format="0"),
        ExportColumn(label("distance_km"), lambda p: p.distance_km, number_format="0.00"),
        ExportColumn(label("valid"), lambda p: p.valid),
        ExportColumn(label("invalid_reason"), lambda p: p.invalid_reason),
        ExportColumn(label("notes"), lambda p: p.notes, wrap=True),
        ExportColumn(
            str(Finding._meta.verbose_name_plural),
            lambda p: join_clauses(finding.description for finding in p.findings.all()),
            wrap=True,
        ),
        ExportColumn(_("照片数"), _photos, number_format="0"),
        ExportColumn(label("filed_late"), lambda p: p.filed_late),
        ExportColumn(label("late_reason"), lambda p: p.late_reason),
        ExportColumn(label("created_at"), lambda p: p.created_at),
    ]
    return columns, rows


def compliance_ledger_table(
    rows: Sequence[ComplianceRow],
) -> tuple[list[ExportColumn], Iterable[ComplianceRow]]:
    """One row a chief: the patrols the rules required over the period's whole periods, the
    valid ones done, those counted, the rate, and whether a whole period fell short."""
    regions = Region.objects.filter(pk__in={row.region_id for row in rows}).full_names()
    roles = dict(ChiefRole.choices)
    fields = ComplianceSerializer().fields

    def label(name: str) -> str:
        return str(fields[name].label)

    columns = [
        ExportColumn(label("name"), lambda row: row.name),
        ExportColumn(label("role"), lambda row: str(roles.get(row.role, row.role))),
        ExportColumn(field_label(Chief, "region"), lambda row: regions.get(row.region_id, "")),
        ExportColumn(label("required"), lambda row: row.required, number_format="0"),
        ExportColumn(label("done"), lambda row: row.done, number_format="0"),
        ExportColumn(label("counted"), lambda row: row.counted, number_format="0"),
        ExportColumn(label("rate"), lambda row: row.rate, number_format="0.0%"),
        ExportColumn(_("未达标"), lambda row: row.short),
    ]
    return columns, rows
