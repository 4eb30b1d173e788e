"""The registry of figures: every figure the portal prints, defined once.

Each ``Figure`` says what it is called, its unit, what it means in one sentence (the definitions of
``shared/API.md``, "Figures: what each one means") and which records it counts: a *source* (the
region's rows of one model, already cut to the period where every figure of that source shares
the cut) and a condition on those rows. The same pair answers both questions an office asks:
"how many?" (``reports.statistics`` aggregates every figure of a source in one SQL query) and
"which ones?" (``stats/records/`` lists ``source.filter(condition)``). A figure and its records can
therefore never disagree. The ``stats/`` API, the dashboard's rollups, the bulletins and the
reports all read these definitions; none of them counts on its own.

A few figures are not a count or a sum of rows: the patrol figures owed under the rules
(``patrols_required``, ``patrols_counted``, ``chiefs_short``) come from the compliance selector,
the water-quality figures count monitoring points by their grade for the period (``graded``, see
``point_periods``), and the rates divide two registered figures. They are registered here too,
with their records.

Dates: ``as_of`` is the last day counted (``date_to``, or today while the period runs). No
figure counts a day after it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from activities.models import (
    Campaign,
    CheckResult,
    Cleanup,
    FacilityCheck,
    Inspection,
    Inspector,
    Meeting,
    MeetingKind,
    OutfallCheck,
    PublicityEvent,
    SignUpdate,
)
from calendars.models import IssueCategory
from issues.models import Issue, IssueEvent, IssueSource, IssueStatus
from map_patches.models import MapPatch
from patrols.models import Patrol
from rivers import water_quality as wq
from rivers.models import (
    PATROLLING_ROLES,
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
    WaterReading,
)
from rivers.querysets import serving_q

__all__ = [
    "FIGURES",
    "Figure",
    "PointPeriod",
    "Scope",
    "figure",
    "graded_points",
    "point_periods",
    "records_of",
    "water_figures",
    "year_before",
]


# --- the period a figure is counted over -------------------------------------------------------


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass(frozen=True)
class Scope:
    """A region and a period: what every figure is asked for."""

    region: Region | None
    date_from: datetime.date
    date_to: datetime.date
    as_of: datetime.date
    # The day the figures are made on: a rule period ending that day has not ended yet.
    today: datetime.date | None = None

    @classmethod
    def of(
        cls,
        *,
        region: Region | None,
        date_from: datetime.date,
        date_to: datetime.date,
        today: datetime.date | None = None,
    ) -> Scope:
        today = today or timezone.localdate()
        # A period that has not begun counts nothing: as_of falls before date_from.
        return cls(
            region=region,
            date_from=date_from,
            date_to=date_to,
            as_of=min(date_to, today),
            today=today,
        )

    @property
    def start(self) -> datetime.datetime:
        return _day_start(self.date_from)

    @property
    def end(self) -> datetime.datetime:
        """The first moment after ``as_of``."""
        return _day_start(self.as_of + datetime.timedelta(days=1))

    @property
    def running(self) -> bool:
        return self.as_of < self.date_to

    def dates(self, field: str = "date") -> Q:
        return Q(**{f"{field}__gte": self.date_from, f"{field}__lte": self.as_of})

    def moments(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})


# --- sources: the region's rows of one model ---------------------------------------------------


def _while_serving(prefix: str = "chief__") -> Q:
    """A patrol made on a day its chief held the post."""
    return Q(started_on__gte=F(f"{prefix}appointed_on")) & (
        Q(**{f"{prefix}relieved_on__isnull": True}) | Q(started_on__lte=F(f"{prefix}relieved_on"))
    )


def _in(model: type, scope: Scope) -> QuerySet:
    """The model's rows in the scope's region and below (every region when it names none: the
    rollups count all regions at once and group by region)."""
    if scope.region is None:
        return model.objects.all()
    return model.objects.in_region(scope.region)


@dataclass(frozen=True)
class Source:
    """The rows a group of figures counts: ``rows(scope)`` (scoped to the region and, where all
    its figures share it, to the period), and how one row is shown in ``stats/records/``."""

    key: str
    record_type: str
    rows: Callable[[Scope], QuerySet]
    date: Callable[[Any], datetime.date | None]
    label: Callable[[Any], str]
    url: Callable[[Any], str | None]


def _workbench(resource: str) -> Callable[[Any], str | None]:
    def url(row: Any) -> str:
        # workbench:detail, written out: reports sits below workbench and does not import it.
        return f"/workbench/{resource}/{row.pk}/"

    return url


def _issue_url(row: Any) -> str:
    return f"/issues/{row.pk}/"


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


SOURCES: dict[str, Source] = {
    source.key: source
    for source in (
        Source(
            "rivers",
            "river",
            lambda s: _in(River, s),
            lambda row: None,
            lambda row: row.name,
            _workbench("rivers"),
        ),
        Source(
            "reaches",
            "reach",
            lambda s: _in(Reach, s).select_related("river"),
            lambda row: None,
            lambda row: row.name,
            _workbench("reaches"),
        ),
        Source(
            "chiefs",
            "chief",
            lambda s: _in(Chief, s).select_related("region"),
            lambda row: row.appointed_on,
            lambda row: f"{row.name}（{row.region.name}{ChiefRole(row.role).label}）",
            _workbench("chiefs"),
        ),
        Source(
            "signs",
            "sign",
            lambda s: _in(Sign, s).select_related("reach"),
            lambda row: row.updated_on,
            lambda row: f"{row.code} {row.reach.name}",
            _workbench("signs"),
        ),
        Source(
            "patrols",
            "patrol",
            lambda s: (
                _in(Patrol, s)
                .filter(s.dates("started_on"))
                .select_related("chief", "reach")
                .defer("track_raw", "track")
            ),
            lambda row: row.started_on,
            lambda row: f"{row.chief.name} · {row.reach.name}",
            _workbench("patrols"),
        ),
        Source(
            "issues",
            "issue",
            lambda s: _in(Issue, s).select_related("region"),
            lambda row: _local_date(row.reported_at),
            lambda row: f"{row.title}（{row.region.name}）",
            _issue_url,
        ),
        Source(
            "publicity_events",
            "publicity_event",
            lambda s: _in(PublicityEvent, s).filter(s.dates()),
            lambda row: row.date,
            lambda row: row.title,
            _workbench("publicity-events"),
        ),
        Source(
            "cleanups",
            "cleanup",
            lambda s: _in(Cleanup, s).filter(s.dates()),
            lambda row: row.date,
            lambda row: row.title,
            _workbench("cleanups"),
        ),
        Source(
            "meetings",
            "meeting",
            lambda s: _in(Meeting, s).filter(s.dates()),
            lambda row: row.date,
            lambda row: row.title,
            _workbench("meetings"),
        ),
        Source(
            "inspections",
            "inspection",
            lambda s: _in(Inspection, s).filter(s.dates()),
            lambda row: row.date,
            lambda row: row.title,
            _workbench("inspections"),
        ),
        Source(
            "outfalls",
            "outfall",
            lambda s: _in(Outfall, s).select_related("reach"),
            lambda row: None,
            lambda row: f"{row.name}（{row.reach.name}）",
            _workbench("outfalls"),
        ),
        Source(
            "facilities",
            "facility",
            lambda s: _in(Facility, s).select_related("reach"),
            lambda row: None,
            lambda row: f"{row.name}（{row.reach.name}）",
            _workbench("facilities"),
        ),
        Source(
            "facility_checks",
            "facility_check",
            lambda s: _in(FacilityCheck, s).filter(s.dates()).select_related("facility"),
            lambda row: row.date,
            lambda row: row.facility.name,
            _workbench("facility-checks"),
        ),
        Source(
            "map_patches",
            "map_patch",
            lambda s: _in(MapPatch, s).filter(s.moments("checked_at")),
            lambda row: _local_date(row.checked_at),
            lambda row: str(row),
            lambda row: None,
        ),
    )
}


# --- water quality: a monitoring point's grade for a period --------------------------------------


@dataclass(frozen=True)
class PointPeriod:
    """A monitoring point with readings in a period, graded for the period.

    The grade of an assessment period is the grade of the period's MEAN concentration of each
    parameter (算术平均值), by the single-factor method of GB 3838-2002, as 《地表水环境质量评价
    办法（试行）》(环办〔2011〕22号, 数据统计) prescribes for a section's monthly, quarterly and
    annual assessment: the readings of the period are averaged per parameter, then the means are
    graded (``water_quality.assess``), never the readings one by one. A parameter missing from
    some readings is averaged over those that have it; the means are not rounded before grading.
    """

    point_id: int
    name: str
    code: str
    water_body: str
    target: str
    readings: int
    last_sampled: datetime.date
    means: dict[str, Any]

    @property
    def assessment(self) -> wq.Assessment:
        return wq.assess(self.means, water_body=self.water_body, target=self.target)

    @property
    def grade(self) -> str | None:
        return self.assessment.grade

    @property
    def meets_target(self) -> bool:
        return bool(self.assessment.meets_target)


def point_periods(scope: Scope) -> list[PointPeriod]:
    """The scope's monitoring points with a reading from ``date_from`` to ``as_of``, each with
    its means per parameter: one query (AVG per parameter GROUP BY point), graded in Python."""
    rows = (
        _in(WaterReading, scope)
        .filter(scope.dates("sampled_on"))
        .values(
            "point_id",
            "point__name",
            "point__code",
            "point__water_body",
            "point__target_grade",
        )
        .annotate(
            n=Count("pk"),
            last=Max("sampled_on"),
            **{f"mean_{p}": Avg(p) for p in wq.PARAMETERS},
        )
        .order_by("point__code")
    )
    return [
        PointPeriod(
            point_id=row["point_id"],
            name=row["point__name"],
            code=row["point__code"],
            water_body=row["point__water_body"],
            target=row["point__target_grade"],
            readings=row["n"],
            last_sampled=row["last"],
            means={p: row[f"mean_{p}"] for p in wq.PARAMETERS if row[f"mean_{p}"] is not None},
        )
        for row in rows
    ]


def graded_points(key: str, scope: Scope, periods: list[PointPeriod] | None = None) -> list:
    """The points a water-quality figure counts (``periods``: ``point_periods(scope)`` if
    already read)."""
    fig = figure(key)
    if fig.graded is None:
        raise ValueError(f"{key} does not count graded points")
    periods = point_periods(scope) if periods is None else periods
    return [period for period in periods if fig.graded(period)]


def water_figures(scope: Scope) -> dict[str, int]:
    """Every water-quality figure of the scope, from one read of the points' period means."""
    periods = point_periods(scope)
    return {
        key: len(graded_points(key, scope, periods))
        for key, fig in FIGURES.items()
        if fig.graded is not None
    }


def year_before(scope: Scope) -> Scope:
    """The same days a year earlier, ``date_from`` to ``as_of`` (29 February falls on the
    28th): what "较上年" compares with. An unfinished period is compared day for day."""

    def back(day: datetime.date) -> datetime.date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:
            return day.replace(year=day.year - 1, day=28)

    return Scope.of(
        region=scope.region,
        date_from=back(scope.date_from),
        date_to=back(scope.as_of),
        today=scope.today,
    )


# --- figures -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure. ``where`` picks the rows of ``source`` it counts (all of them when None);
    ``total`` names the field summed instead of counting rows; ``by`` breaks it down by a field
    (a dict figure, one entry per choice of ``choices``)."""

    key: str
    label: Promise
    unit: Promise
    definition: Promise
    source: str | None = None
    where: Callable[[Scope], Q] | None = None
    total: str | None = None
    places: int = 0
    by: str | None = None
    choices: Any = None
    # A rate divides two registered figures; a figure with neither source nor rate_of comes
    # from the compliance selector (see the module's doc).
    rate_of: tuple[str, str] | None = None
    # A queryset method that picks the rows where a Q cannot say it (the deadline history):
    # such a figure is counted by a query of its own.
    narrow: Callable[[QuerySet, Scope], QuerySet] | None = None
    # A water-quality figure: the monitoring points of ``point_periods`` it counts (a grade is
    # computed in Python from the period's means, so no SQL condition can pick them).
    graded: Callable[[PointPeriod], bool] | None = None

    @property
    def kind(self) -> str:
        if self.rate_of:
            return "rate"
        if self.by:
            return "breakdown"
        return "sum" if self.total or self.places else "count"

    def condition(self, scope: Scope) -> Q:
        return self.where(scope) if self.where else Q()

    def rows(self, scope: Scope) -> QuerySet:
        if self.graded is not None:
            raise ValueError(f"{self.key} counts graded points: see graded_points")
        if self.source is None:
            raise ValueError(f"{self.key} is not counted from rows")
        rows = SOURCES[self.source].rows(scope).filter(self.condition(scope))
        return self.narrow(rows, scope) if self.narrow else rows


_N = _("个")
_TIMES = _("次")
_PERSONS = _("人")
_PERSON_TIMES = _("人次")


def _patrols_by(roles, *, valid: bool) -> Callable[[Scope], Q]:
    return lambda s: Q(chief__role__in=roles, valid=valid) & _while_serving()


def _found(s: Scope) -> Q:
    return s.moments("reported_at") & ~Q(status=IssueStatus.VOIDED)


def _assigned(s: Scope) -> Q:
    return _found(s) & Q(
        Exists(IssueEvent.objects.filter(issue=OuterRef("pk"), action="assign", at__lt=s.end))
    )


def _found_closed(s: Scope) -> Q:
    return _found(s) & Q(closed_at__lt=s.end)


def _closed(s: Scope) -> Q:
    return s.moments("closed_at") & Q(status=IssueStatus.CLOSED)


def _overdue(rows: QuerySet, s: Scope) -> QuerySet:
    return rows.overdue_on(s.as_of)


def _overdue_in_period(rows: QuerySet, s: Scope) -> QuerySet:
    return rows.overdue_during(s.date_from, s.as_of)


def _checked(model, asset: str) -> Callable[[Scope], Q]:
    return lambda s: Q(
        Exists(model.objects.filter(s.dates(), **{asset: OuterRef("pk")}).order_by())
    )


def _patrolling(s: Scope) -> Q:
    patrols = Patrol.objects.filter(
        _while_serving(), s.dates("started_on"), chief=OuterRef("pk"), valid=True
    )
    return Q(role__in=PATROLLING_ROLES) & Q(Exists(patrols.order_by()))


def _served(s: Scope) -> Q:
    return serving_q(s.date_from, s.as_of)


def _uncovered(s: Scope) -> Q:
    serving = Chief.objects.filter(
        serving_q(s.as_of, s.as_of), role__in=PATROLLING_ROLES, reaches=OuterRef("pk")
    )
    return ~Q(Exists(serving.order_by()))


def _four_disorders(s: Scope) -> Q:
    return Q(campaign=Campaign.FOUR_DISORDERS)


def _not_joint(s: Scope) -> Q:
    return ~Q(inspector=Inspector.JOINT)


def _is(**lookups: Any) -> Callable[[Scope], Q]:
    return lambda s: Q(**lookups)


_REGISTERED: list[Figure] = [
    # -- waters, assets and the roster (as they stand on as_of) --
    Figure("rivers", _("河流"), _("条"), _("区域内的河流、洪道、沟渠、湖泊和水库"), "rivers"),
    Figure(
        "flood_channels",
        _("洪道"),
        _("条"),
        _("区域内类型为洪道的河流"),
        "rivers",
        _is(kind=RiverKind.FLOOD_CHANNEL),
    ),
    Figure("reaches", _("河段"), _N, _("区域内的河段"), "reaches"),
    Figure(
        "reaches_without_chief",
        _("无在任河长的河段"),
        _N,
        _("截至统计日没有在任总河长、街级或社区级河长负责的河段；为0时才称河长全覆盖"),
        "reaches",
        _uncovered,
    ),
    Figure(
        "chiefs",
        _("在任人员"),
        _("名"),
        _("截至统计日在任的河长等人员（岗位数），按类别；期中更替的岗位只计一次"),
        "chiefs",
        lambda s: serving_q(s.as_of, s.as_of),
        by="role",
        choices=ChiefRole,
    ),
    Figure(
        "chiefs_served",
        _("期间任职人员"),
        _("名"),
        _("期间任一时间在任过的人员（人数），按类别；期中更替的岗位计两人"),
        "chiefs",
        _served,
        by="role",
        choices=ChiefRole,
    ),
    Figure("signs", _("公示牌"), _("块"), _("区域内的河长公示牌"), "signs"),
    Figure(
        "signs_updated",
        _("更新公示牌"),
        _("块"),
        _("期间有更新记录的公示牌"),
        "signs",
        _checked(SignUpdate, "sign"),
    ),
    # -- patrols --
    Figure(
        "patrols",
        _("巡河"),
        _TIMES,
        _("总河长、街级和社区级河长在任期间的有效巡河次数（不含无效巡河和保洁员保洁）"),
        "patrols",
        _patrols_by(PATROLLING_ROLES, valid=True),
    ),
    Figure(
        "patrols_invalid",
        _("无效巡河"),
        _TIMES,
        _("上述河长未达到巡河规则（时长、里程）的巡河记录"),
        "patrols",
        _patrols_by(PATROLLING_ROLES, valid=False),
    ),
    Figure(
        "cleaning_rounds",
        _("保洁"),
        _TIMES,
        _("保洁员的有效保洁记录；保洁不是巡河"),
        "patrols",
        _patrols_by({ChiefRole.CLEANER}, valid=True),
    ),
    Figure(
        "patrolling_chiefs",
        _("巡河河长"),
        _PERSONS,
        _("期间在任时至少有一次有效巡河的河长（不含保洁员）"),
        "chiefs",
        _patrolling,
    ),
    Figure(
        "patrols_required",
        _("应巡河"),
        _TIMES,
        _(
            "截至统计日已结束的完整规则周期内，河长按巡河规则应巡河的次数（不按比例折算未结束的周期）"
        ),
        places=2,
    ),
    Figure(
        "patrols_counted",
        _("计入巡河"),
        _TIMES,
        _("上述周期内的有效巡河，每个周期最多计入规则要求的次数"),
    ),
    Figure(
        "patrol_rate",
        _("巡河率"),
        _("%"),
        _("计入巡河次数 ÷ 应巡河次数，均截至统计日"),
        rate_of=("patrols_counted", "patrols_required"),
    ),
    Figure(
        "chiefs_short",
        _("巡河未达标河长"),
        _PERSONS,
        _("至少有一个已结束的完整规则周期巡河次数不足的河长"),
    ),
    # -- issues (voided ones count only in issues_voided) --
    Figure(
        "issues_found",
        _("发现问题"),
        _N,
        _("期间发现（上报）的问题，不含作废的"),
        "issues",
        _found,
    ),
    Figure(
        "issues_found_by_patrol",
        _("巡河发现问题"),
        _N,
        _("期间发现的问题中来源为河长巡河的"),
        "issues",
        lambda s: _found(s) & Q(source=IssueSource.PATROL),
    ),
    Figure(
        "issues_assigned",
        _("交办问题"),
        _N,
        _("期间发现的问题中，截至统计日已交办的"),
        "issues",
        _assigned,
    ),
    Figure(
        "issues_found_closed",
        _("已整改问题"),
        _N,
        _("期间发现的问题中，截至统计日已整改销号的"),
        "issues",
        _found_closed,
    ),
    Figure(
        "issues_closed",
        _("期间销号问题"),
        _N,
        _("期间整改销号的问题，无论何时发现"),
        "issues",
        _closed,
    ),
    Figure(
        "issues_voided",
        _("作废问题"),
        _N,
        _("期间作废（重复、无效、不属于本辖区）的问题"),
        "issues",
        lambda s: s.moments("voided_at") & Q(status=IssueStatus.VOIDED),
    ),
    Figure(
        "issues_overdue",
        _("逾期未整改问题"),
        _N,
        _("截至统计日仍未销号且已超过当日有效整改时限的问题"),
        "issues",
        narrow=_overdue,
    ),
    Figure(
        "issues_overdue_in_period",
        _("期间逾期问题"),
        _N,
        _("期间任一天未销号且已超过当日有效整改时限的问题（督办另定时限不抹去已逾期的时间）"),
        "issues",
        narrow=_overdue_in_period,
    ),
    Figure(
        "resolution_rate",
        _("问题整改率"),
        _("%"),
        _("已整改问题 ÷ 发现问题"),
        rate_of=("issues_found_closed", "issues_found"),
    ),
    Figure(
        "issues_supervised",
        _("督办问题"),
        _N,
        _("期间发现的问题中被督办过的"),
        "issues",
        lambda s: _found(s) & Q(supervised=True),
    ),
    Figure(
        "issues_by_category",
        _("发现问题（按类别）"),
        _N,
        _("期间发现的问题，按问题类别"),
        "issues",
        _found,
        by="category",
        choices=IssueCategory,
    ),
    Figure(
        "issues_by_source",
        _("发现问题（按来源）"),
        _N,
        _("期间发现的问题，按来源"),
        "issues",
        _found,
        by="source",
        choices=IssueSource,
    ),
    # -- publicity --
    Figure("publicity_events", _("宣传活动"), _TIMES, _("期间登记的宣传活动"), "publicity_events"),
    Figure(
        "publicity_units",
        _("参与单位"),
        _("家"),
        _("期间宣传活动登记的参与企事业单位数之和"),
        "publicity_events",
        total="units",
    ),
    Figure(
        "publicity_participants",
        _("宣传参与群众"),
        _PERSON_TIMES,
        _("期间宣传活动登记的参与人数之和"),
        "publicity_events",
        total="participants",
    ),
    Figure(
        "banners",
        _("横幅"),
        _("条"),
        _("期间宣传活动张贴的横幅"),
        "publicity_events",
        total="banners",
    ),
    Figure(
        "slogans",
        _("宣传标语"),
        _("条"),
        _("期间宣传活动张贴的标语"),
        "publicity_events",
        total="slogans",
    ),
    Figure(
        "leaflets",
        _("宣传单"),
        _("份"),
        _("期间宣传活动发放的宣传单"),
        "publicity_events",
        total="leaflets",
    ),
    # -- cleanups: every cleanup, and the 清四乱 campaign apart --
    Figure(
        "cleanups", _("清理行动"), _TIMES, _("期间登记的河道清理行动（各类行动合计）"), "cleanups"
    ),
    Figure(
        "cleanup_points",
        _("清理垃圾点位"),
        _("处"),
        _("期间清理行动清理的点位之和"),
        "cleanups",
        total="points",
    ),
    Figure(
        "garbage_t",
        _("清理垃圾（吨）"),
        _("吨"),
        _("期间清理行动清运垃圾吨数之和"),
        "cleanups",
        total="garbage_t",
        places=2,
    ),
    Figure(
        "garbage_m3",
        _("清理垃圾（方）"),
        _("方"),
        _("期间清理行动清理垃圾方量之和"),
        "cleanups",
        total="garbage_m3",
        places=2,
    ),
    Figure(
        "cleanup_participants",
        _("清理参与人员"),
        _PERSON_TIMES,
        _("期间清理行动参与人次之和"),
        "cleanups",
        total="participants",
    ),
    Figure(
        "cleanup_volunteers",
        _("志愿者"),
        _PERSON_TIMES,
        _("期间清理行动登记的志愿者人次之和"),
        "cleanups",
        total="volunteers",
    ),
    Figure(
        "vehicles",
        _("出动车辆"),
        _("辆次"),
        _("期间清理行动出动车辆之和"),
        "cleanups",
        total="vehicles",
    ),
    Figure(
        "net_m",
        _("防护网"),
        _("米"),
        _("期间清理行动安装防护网米数之和"),
        "cleanups",
        total="net_m",
        places=1,
    ),
    Figure(
        "warning_signs",
        _("警示牌"),
        _("面"),
        _("期间清理行动设立的警示牌之和"),
        "cleanups",
        total="warning_signs",
    ),
    Figure(
        "cleanup_banners",
        _("条幅"),
        _("个"),
        _("期间清理行动悬挂的条幅之和"),
        "cleanups",
        total="banners",
    ),
    Figure(
        "four_disorders_cleanups",
        _("清四乱专项行动"),
        _TIMES,
        _("期间“清四乱”专项行动的清理行动"),
        "cleanups",
        _four_disorders,
    ),
    Figure(
        "four_disorders_points",
        _("清四乱清理点位"),
        _("处"),
        _("期间“清四乱”专项行动清理的点位之和"),
        "cleanups",
        _four_disorders,
        total="points",
    ),
    Figure(
        "four_disorders_garbage_t",
        _("清四乱清理垃圾（吨）"),
        _("吨"),
        _("期间“清四乱”专项行动清运垃圾吨数之和"),
        "cleanups",
        _four_disorders,
        total="garbage_t",
        places=2,
    ),
    Figure(
        "four_disorders_garbage_m3",
        _("清四乱清理垃圾（方）"),
        _("方"),
        _("期间“清四乱”专项行动清理垃圾方量之和"),
        "cleanups",
        _four_disorders,
        total="garbage_m3",
        places=2,
    ),
    # -- meetings and inspections --
    Figure(
        "meetings",
        _("工作会议"),
        _TIMES,
        _("期间召开的河长制工作会议"),
        "meetings",
        _is(kind=MeetingKind.WORK_MEETING),
    ),
    Figure(
        "trainings",
        _("培训会"),
        _TIMES,
        _("期间开展的河长制培训"),
        "meetings",
        _is(kind=MeetingKind.TRAINING),
    ),
    Figure(
        "meeting_attendees",
        _("参会参训"),
        _PERSON_TIMES,
        _("期间会议和培训的参加人数之和"),
        "meetings",
        total="attendees",
    ),
    Figure(
        "inspections",
        _("督查"),
        _TIMES,
        _("期间人大、纪委监委、社会监督员和河长办的督查（不含河长的联合排查）"),
        "inspections",
        _not_joint,
    ),
    Figure(
        "inspection_problems",
        _("督查反馈问题"),
        _("处"),
        _("上述督查反馈的问题处数之和"),
        "inspections",
        _not_joint,
        total="problems_found",
    ),
    Figure(
        "joint_checks",
        _("联合排查"),
        _TIMES,
        _("期间河长与河道警长等联合开展的排查"),
        "inspections",
        _is(inspector=Inspector.JOINT),
    ),
    # -- checks of outfalls and facilities --
    Figure(
        "outfalls",
        _("排查排污口"),
        _N,
        _("期间有排查记录的入河排污口，按类型"),
        "outfalls",
        _checked(OutfallCheck, "outfall"),
        by="kind",
        choices=OutfallKind,
    ),
    Figure(
        "outfalls_checked",
        _("排查排污口合计"),
        _N,
        _("期间有排查记录的入河排污口"),
        "outfalls",
        _checked(OutfallCheck, "outfall"),
    ),
    Figure(
        "outfalls_total",
        _("现有排污口"),
        _N,
        _("区域内登记的入河排污口，按类型"),
        "outfalls",
        by="kind",
        choices=OutfallKind,
    ),
    Figure(
        "facilities",
        _("排查设施"),
        _N,
        _("期间有排查记录的便民桥、过水路面、过水涵洞和污水处理厂，按类型"),
        "facilities",
        _checked(FacilityCheck, "facility"),
        by="kind",
        choices=FacilityKind,
    ),
    Figure(
        "facilities_total",
        _("现有设施"),
        _N,
        _("区域内登记的河道设施，按类型"),
        "facilities",
        by="kind",
        choices=FacilityKind,
    ),
    Figure(
        "facility_problems",
        _("设施排查发现问题"),
        _("处"),
        _("期间设施排查中结果为发现问题的记录"),
        "facility_checks",
        _is(result=CheckResult.PROBLEM),
    ),
    Figure(
        "facility_issues_closed",
        _("设施问题已整改"),
        _("处"),
        _("上述问题中截至统计日已整改销号的"),
        "facility_checks",
        lambda s: Q(
            result=CheckResult.PROBLEM,
            issue__status=IssueStatus.CLOSED,
            issue__closed_at__lt=s.end,
        ),
    ),
    Figure(
        "map_patches_checked",
        _("复核图斑"),
        _("处"),
        _("期间现场复核的图斑"),
        "map_patches",
    ),
    # -- water quality (GB 3838-2002; a point's grade for the period: see PointPeriod) --
    Figure(
        "monitoring_points",
        _("监测断面"),
        _N,
        _("期间有水质监测数据的监测断面"),
        graded=lambda point: True,
    ),
    Figure(
        "points_meeting_target",
        _("达到目标水质的断面"),
        _N,
        _(
            "上述断面中，期间各项目监测值的算术平均值按GB 3838-2002单因子法评价的水质类别"
            "达到或优于其水质目标的"
        ),
        graded=lambda point: point.meets_target,
    ),
    Figure(
        "points_worse_than_v",
        _("劣Ⅴ类断面"),
        _N,
        _("上述断面中，期间算术平均值评价为劣Ⅴ类的"),
        graded=lambda point: point.grade == wq.Grade.WORSE_THAN_V,
    ),
    Figure(
        "target_rate",
        _("断面水质达标率"),
        _("%"),
        _("达到目标水质的断面 ÷ 监测断面"),
        rate_of=("points_meeting_target", "monitoring_points"),
    ),
]

FIGURES: dict[str, Figure] = {f.key: f for f in _REGISTERED}


def figure(key: str) -> Figure:
    """The registered figure ``key``; a misspelt key is an error, never a silent zero."""
    try:
        return FIGURES[key]
    except KeyError:
        raise KeyError(f"no figure {key!r} is registered") from None


def records_of(key: str, scope: Scope, part: str | None = None) -> QuerySet:
    """The rows a counted figure counts (for a breakdown, those of one ``part`` if given)."""
    fig = figure(key)
    rows = fig.rows(scope)
    if fig.by and part is not None:
        rows = rows.filter(**{fig.by: part})
    return rows


def describe(source_key: str, row: Any) -> dict[str, Any]:
    """One row as ``stats/records/`` lists it."""
    source = SOURCES[source_key]
    return {
        "type": source.record_type,
        "id": row.pk,
        "date": source.date(row),
        "label": source.label(row),
        "url": source.url(row),
    }
