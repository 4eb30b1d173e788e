"""The river file (一河一档): everything the portal holds about one river, read in one place.

``river_file`` gathers the river's basics, its reaches with the chiefs serving now and those
relieved, its signs, outfalls and facilities, its monitoring points with their latest reading's
grade (GB 3838-2002, rivers.water_quality) and whether it meets the target, the year's patrols and
issues, the issues open today and, for the plans' readers, the river plan (一河一策) whose years
cover the year, as the region that asks sees them (its rows and those below it; None: every
region). The
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

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Region, User
from accounts.roles import REGION_READERS
from issues.models import Issue, IssueStatus
from rivers import water_quality as wq
from rivers.models import (
    Bank,
    Chief,
    ChiefRole,
    Facility,
    FacilityKind,
    MonitoringLevel,
    MonitoringPoint,
    Outfall,
    OutfallKind,
    Reach,
    River,
    RiverKind,
    RiverPlan,
    RiverPlanTask,
    RiverPlanTaskNote,
    Sign,
    TaskStatus,
    WaterReading,
)

from .figures import SOURCES, Scope, figure

ROLE_ORDER = {role.value: index for index, role in enumerate(ChiefRole)}


def river_file_rivers(*, user: User) -> QuerySet[River]:
    """The rivers whose file the user may read: those it sees (through a reach, too)."""
    return River.objects.visible_to(user).select_related("region")


def shows_plan(user: User) -> bool:
    """Whether the user's file holds the river plan: the plans are read by the office, the
    leaders and the admins (rivers.api_plans), not by the chiefs."""
    return user.effective_role in REGION_READERS


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
class FileReading:
    """A point's latest reading up to the file's day, graded by GB 3838-2002."""

    sampled_on: datetime.date
    grade: str | None
    grade_label: str
    meets_target: bool | None
    deciding: list[str]
    # Each parameter over the target's limit, with its multiple (超标倍数).
    exceedances: list[dict[str, Any]]


@dataclass(frozen=True)
class FilePoint:
    id: int
    code: str
    name: str
    level_label: str
    reach: str
    water_body_label: str
    target_grade: str
    target_label: str
    readings_in_year: int
    latest: FileReading | None


@dataclass(frozen=True)
class FileTask:
    id: int
    title: str
    responsible: str
    due: datetime.date
    status: str
    status_label: str
    progress: str
    overdue: bool


@dataclass(frozen=True)
class FilePlan:
    id: int
    title: str
    start_year: int
    end_year: int
    problems: str
    goals: str
    tasks: list[FileTask]

    @property
    def heading(self) -> str:
        """The title, with the plan's years unless the title says them already."""
        if str(self.start_year) in self.title:
            return self.title
        return _("%(title)s（%(start)s—%(end)s年）") % {
            "title": self.title,
            "start": self.start_year,
            "end": self.end_year,
        }

    @property
    def open_tasks(self) -> int:
        return sum(1 for task in self.tasks if task.status != TaskStatus.DONE)

    @property
    def overdue_tasks(self) -> int:
        return sum(1 for task in self.tasks if task.overdue)


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
    monitoring_points: list[FilePoint] = field(default_factory=list)
    # The plan whose years cover the file's year (None: none); only for the plans' readers.
    plan: FilePlan | None = None
    plan_shown: bool = False

    @property
    def title(self) -> str:
        return _("%(river)s 一河一档") % {"river": self.river.name}

    @property
    def months(self) -> list[tuple[int, int]]:
        return list(enumerate(self.patrols.by_month, start=1))

    @property
    def points_graded(self) -> int:
        return sum(1 for p in self.monitoring_points if p.latest and p.latest.grade)

    @property
    def points_meeting_target(self) -> int:
        return sum(1 for p in self.monitoring_points if p.latest and p.latest.meets_target)

    @property
    def overdue_count(self) -> int:
        return sum(1 for issue in self.open_issues if issue.overdue)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.plan is not None:
            data["plan"]["open_tasks"] = self.plan.open_tasks
            data["plan"]["overdue_tasks"] = self.plan.overdue_tasks
        if not self.plan_shown:
            del data["plan"]
        return data


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


def _reading(reading: WaterReading) -> FileReading:
    assessment = reading.assessment
    return FileReading(
        sampled_on=reading.sampled_on,
        grade=assessment.grade,
        grade_label=assessment.grade_label,
        meets_target=assessment.meets_target,
        deciding=[str(wq.PARAMETER_LABELS[p]) for p in assessment.deciding],
        exceedances=[
            {"parameter": p, "label": str(wq.PARAMETER_LABELS[p]), "multiple": multiple}
            for p, multiple in assessment.exceedances.items()
        ],
    )


def _points(river: River, region: Region | None, scope: Scope) -> list[FilePoint]:
    """The river's monitoring points, each with its latest reading on or before the file's
    day and the number of readings in the year: two queries."""
    rows = MonitoringPoint.objects.filter(river=river)
    if region is not None:
        rows = rows.in_region(region)
    latest = (
        WaterReading.objects.filter(point=OuterRef("pk"), sampled_on__lte=scope.as_of)
        .order_by("-sampled_on")
        .values("pk")[:1]
    )
    in_year = Q(readings__sampled_on__gte=scope.date_from, readings__sampled_on__lte=scope.as_of)
    points = list(
        rows.select_related("reach")
        .annotate(latest_id=Subquery(latest), in_year=Count("readings", filter=in_year))
        .order_by("code")
    )
    readings = WaterReading.objects.in_bulk([p.latest_id for p in points if p.latest_id])
    result = []
    for point in points:
        reading = readings.get(point.latest_id)
        if reading is not None:
            reading.point = point  # its grade reads the point's water body and target
        result.append(
            FilePoint(
                id=point.pk,
                code=point.code,
                name=point.name,
                level_label=str(MonitoringLevel(point.level).label),
                reach=point.reach.name if point.reach else "",
                water_body_label=str(wq.WaterBody(point.water_body).label),
                target_grade=point.target_grade,
                target_label=str(wq.TargetGrade(point.target_grade).label),
                readings_in_year=point.in_year,
                latest=_reading(reading) if reading is not None else None,
            )
        )
    return result


def _plan(river: River, year: int, today: datetime.date) -> FilePlan | None:
    """The river's plan whose years cover ``year`` (plans of one river never overlap), with its
    tasks by due date and each one's latest progress note: three queries."""
    tasks = RiverPlanTask.objects.select_related("responsible_region").prefetch_related(
        Prefetch("notes", queryset=RiverPlanTaskNote.objects.order_by("at", "pk"))
    )
    plan = (
        RiverPlan.objects.filter(river=river, start_year__lte=year, end_year__gte=year)
        .prefetch_related(Prefetch("tasks", queryset=tasks.order_by("due", "pk")))
        .first()
    )
    if plan is None:
        return None
    return FilePlan(
        id=plan.pk,
        title=plan.title,
        start_year=plan.start_year,
        end_year=plan.end_year,
        problems=plan.problems,
        goals=plan.goals,
        tasks=[
            FileTask(
                id=task.pk,
                title=task.title,
                responsible=task.responsible,
                due=task.due,
                status=task.status,
                status_label=str(TaskStatus(task.status).label),
                progress=task.progress,
                overdue=task.overdue_on(today),
            )
            for task in plan.tasks.all()
        ],
    )


def river_file(
    *,
    river: River,
    region: Region | None,
    year: int,
    with_plan: bool,
    today: datetime.date | None = None,
) -> RiverFileSheet:
    """The file of ``river`` as ``region`` sees it (None: every region): the year's patrols and
    issues up to ``today`` (the whole year once it has ended), the chiefs, open issues and the
    points' latest readings as they stand ``today`` (for a past year: at its end), and with
    ``with_plan`` (``shows_plan``) the river plan covering the year."""
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
        monitoring_points=_points(river, region, scope),
        plan=_plan(river, year, today) if with_plan else None,
        plan_shown=with_plan,
    )
