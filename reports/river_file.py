"""The river file (一河一档): everything the portal holds about one river, read in one place.

``river_file`` gathers the river's basics, its reaches with the chiefs serving now and those
relieved, its signs, outfalls and facilities, the year's patrols and issues and the issues open
today, as the region that asks sees them (its rows and those below it; None: every region). The
page (``/rivers/<pk>/file/``), the API (``GET rivers/{id}/file/``) and the PDF
(reports/river_file_documents.py) all print what it returns.

It reads patrols and issues, so it lives here, above the work apps, not in ``rivers``. The
year's patrols and issues are the registry's figures (reports.figures) cut to the river's
reaches: ``patrols`` are the valid patrols of general, street and community chiefs while in
post, never a cleaner's round (``cleaning_rounds``, shown apart); ``issues_found`` and
``issues_found_closed`` are the issues found in the year and, of those, the ones closed. A
fixed number of queries, whatever the size of the river.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Prefetch, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Region, User
from issues.models import Issue, IssueStatus
from rivers.models import (
    Bank,
    Chief,
    ChiefRole,
    Facility,
    FacilityKind,
    Outfall,
    OutfallKind,
    Reach,
    River,
    RiverKind,
    Sign,
)

from .figures import SOURCES, Scope, figure

ROLE_ORDER = {role.value: index for index, role in enumerate(ChiefRole)}


def river_file_rivers(*, user: User) -> QuerySet[River]:
    """The rivers whose file the user may read: those it sees (through a reach, too)."""
    return River.objects.visible_to(user).select_related("region")


def file_region(user: User) -> Region | None:
    """The region whose rows a user's river file holds: its own, or None (every region) for an
    account that sees them all."""
    return None if user.sees_all_regions else user.region


@dataclass(frozen=True)
class FileChief:
    id: int
    name: str
    role: str
    role_label: str
    title: str
    unit: str
    phone: str
    region: str
    appointed_on: datetime.date
    relieved_on: datetime.date | None


@dataclass(frozen=True)
class FileReach:
    id: int
    name: str
    region: str
    bank: str
    bank_label: str
    length_km: Decimal
    chiefs: list[FileChief]
    past_chiefs: list[FileChief]


@dataclass(frozen=True)
class FileAsset:
    """A sign, an outfall or a facility: where it is and on which reach."""

    id: int
    name: str
    kind: str
    kind_label: str
    reach: str
    lat: Decimal
    lon: Decimal
    updated_on: datetime.date | None = None


@dataclass(frozen=True)
class ChiefPatrols:
    chief_id: int
    name: str
    role_label: str
    patrols: int


@dataclass(frozen=True)
class FilePatrols:
    patrols: int
    by_month: list[int]
    by_chief: list[ChiefPatrols]
    cleaning_rounds: int


@dataclass(frozen=True)
class FileIssues:
    found: int
    found_closed: int
    closed: int


@dataclass(frozen=True)
class OpenIssue:
    id: int
    code: str
    title: str
    status: str
    status_label: str
    reach: str
    reported_on: datetime.date
    deadline: datetime.date | None
    overdue: bool
    overdue_days: int


@dataclass(frozen=True)
class FileBasics:
    id: int
    name: str
    code: str
    kind: str
    kind_label: str
    length_km: Decimal
    region: str
    regions: list[str]


@dataclass
class RiverFileSheet:
    """What the page, the API and the PDF of one river's file say."""

    river: FileBasics
    year: int
    date_from: datetime.date
    as_of: datetime.date
    made_on: datetime.date
    scope: str
    reaches: list[FileReach]
    signs: list[FileAsset]
    outfalls: list[FileAsset]
    facilities: list[FileAsset]
    patrols: FilePatrols
    issues: FileIssues
    open_issues: list[OpenIssue]
    # The parts the water-quality and river-plan work adds (None / empty until they exist).
    monitoring_points: list[dict[str, Any]] = field(default_factory=list)
    plan: dict[str, Any] | None = None

    @property
    def title(self) -> str:
        return _("%(river)s 一河一档") % {"river": self.river.name}

    @property
    def months(self) -> list[tuple[int, int]]:
        return list(enumerate(self.patrols.by_month, start=1))

    @property
    def overdue_count(self) -> int:
        return sum(1 for issue in self.open_issues if issue.overdue)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _chief(chief: Chief) -> FileChief:
    return FileChief(
        id=chief.pk,
        name=chief.name,
        role=chief.role,
        role_label=str(ChiefRole(chief.role).label),
        title=chief.title,
        unit=chief.unit,
        phone=chief.phone,
        region=chief.region.name,
        appointed_on=chief.appointed_on,
        relieved_on=chief.relieved_on,
    )


def _reaches(river: River, region: Region | None, today: datetime.date) -> list[FileReach]:
    rows = Reach.objects.filter(river=river)
    if region is not None:
        rows = rows.in_region(region)
    appointed = Chief.objects.filter(appointed_on__lte=today).select_related("region").order_by()
    reaches = []
    for reach in rows.select_related("region").prefetch_related(
        Prefetch("chiefs", queryset=appointed, to_attr="appointed")
    ):
        chiefs = sorted(reach.appointed, key=lambda c: (ROLE_ORDER[c.role], c.appointed_on, c.pk))
        serving = [c for c in chiefs if c.relieved_on is None or c.relieved_on >= today]
        past = sorted(
            (c for c in chiefs if c.relieved_on is not None and c.relieved_on < today),
            key=lambda c: (c.relieved_on, c.pk),
            reverse=True,
        )
        reaches.append(
            FileReach(
                id=reach.pk,
                name=reach.name,
                region=reach.region.name,
                bank=reach.bank,
                bank_label=str(Bank(reach.bank).label),
                length_km=reach.length_km,
                chiefs=[_chief(c) for c in serving],
                past_chiefs=[_chief(c) for c in past],
            )
        )
    return reaches


def _assets(model, river: River, region: Region | None, kinds=None) -> list[FileAsset]:
    rows = model.objects.filter(reach__river=river)
    if region is not None:
        rows = rows.in_region(region)
    assets = []
    for row in rows.select_related("reach"):
        is_sign = model is Sign
        assets.append(
            FileAsset(
                id=row.pk,
                name=row.code if is_sign else row.name,
                kind="" if is_sign else row.kind,
                kind_label="" if is_sign else str(kinds(row.kind).label),
                reach=row.reach.name,
                lat=row.lat,
                lon=row.lon,
                updated_on=row.updated_on if is_sign else None,
            )
        )
    return assets


def _patrols(river: River, scope: Scope) -> FilePatrols:
    patrols = figure("patrols").condition(scope)
    cleaning = figure("cleaning_rounds").condition(scope)
    rows = SOURCES["patrols"].rows(scope).filter(reach__river=river).order_by()
    by_month = [0] * 12
    for month, n in (
        rows.filter(patrols)
        .annotate(month=ExtractMonth("started_on"))
        .values_list("month")
        .annotate(n=Count("pk"))
    ):
        by_month[month - 1] = n
    by_chief = [
        ChiefPatrols(chief_id=chief_id, name=name, role_label=str(ChiefRole(role).label), patrols=n)
        for chief_id, name, role, n in rows.filter(patrols)
        .values_list("chief_id", "chief__name", "chief__role")
        .annotate(n=Count("pk"))
        .order_by("-n", "chief__name", "chief_id")
    ]
    cleaning_rounds = rows.filter(cleaning).count()
    return FilePatrols(
        patrols=sum(by_month),
        by_month=by_month,
        by_chief=by_chief,
        cleaning_rounds=cleaning_rounds,
    )


def _issues(river: River, scope: Scope) -> FileIssues:
    counts = (
        SOURCES["issues"]
        .rows(scope)
        .filter(reach__river=river)
        .order_by()
        .aggregate(
            found=Count("pk", filter=figure("issues_found").condition(scope)),
            found_closed=Count("pk", filter=figure("issues_found_closed").condition(scope)),
            closed=Count("pk", filter=figure("issues_closed").condition(scope)),
        )
    )
    return FileIssues(**counts)


def _open_issues(river: River, region: Region | None, today: datetime.date) -> list[OpenIssue]:
    rows = Issue.objects.filter(reach__river=river)
    if region is not None:
        rows = rows.in_region(region)
    issues = []
    for issue in (
        rows.open()
        .with_deadline_on(today)
        .select_related("reach")
        .order_by(F("deadline_in_force").asc(nulls_last=True), "reported_at", "pk")
    ):
        deadline = issue.deadline_in_force
        overdue = deadline is not None and deadline < today
        issues.append(
            OpenIssue(
                id=issue.pk,
                code=issue.code,
                title=issue.title,
                status=issue.status,
                status_label=str(IssueStatus(issue.status).label),
                reach=issue.reach.name,
                reported_on=timezone.localdate(issue.reported_at),
                deadline=deadline,
                overdue=overdue,
                overdue_days=(today - deadline).days if overdue else 0,
            )
        )
    return issues


def river_file(
    *,
    river: River,
    region: Region | None,
    year: int,
    today: datetime.date | None = None,
) -> RiverFileSheet:
    """The file of ``river`` as ``region`` sees it (None: every region): the year's patrols and
    issues up to ``today`` (the whole year once it has ended), the chiefs and open issues as
    they stand ``today``."""
    today = today or timezone.localdate()
    scope = Scope.of(
        region=region,
        date_from=datetime.date(year, 1, 1),
        date_to=datetime.date(year, 12, 31),
        today=today,
    )
    reaches = _reaches(river, region, today)
    regions = list(dict.fromkeys([river.region.name, *(reach.region for reach in reaches)]))
    return RiverFileSheet(
        river=FileBasics(
            id=river.pk,
            name=river.name,
            code=river.code,
            kind=river.kind,
            kind_label=str(RiverKind(river.kind).label),
            length_km=river.length_km,
            region=river.region.name,
            regions=regions,
        ),
        year=year,
        date_from=scope.date_from,
        as_of=scope.as_of,
        made_on=today,
        scope=region.name if region is not None else _("全部区域"),
        reaches=reaches,
        signs=_assets(Sign, river, region),
        outfalls=_assets(Outfall, river, region, OutfallKind),
        facilities=_assets(Facility, river, region, FacilityKind),
        patrols=_patrols(river, scope),
        issues=_issues(river, scope),
        open_issues=_open_issues(river, region, today),
    )
