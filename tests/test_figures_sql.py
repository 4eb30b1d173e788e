# ruff: noqa: S608 - the oracle's SQL is assembled from constants of this file; values go as parameters.
"""An oracle the code cannot bend: every registered figure of the demo street, recomputed by raw
SQL written here from each figure's definition (shared/API.md, "Figures: what each one means",
and the registry's one-sentence definitions), never from ``reports.figures``' conditions.

1. Every figure counted from rows, for three periods (the year 2026 as of 4 December, running;
   2026 Q3, ended; November 2026), against ``region_statistics``.
2. The compliance figures of November 2026 (patrols required and counted, chiefs short, the
   patrol rate), by hand over the demo's rules and patrols, fetched raw.
3. ``stats/records/`` (as the street's office) against ``stats/`` for 2026 Q3 and the running
   year, figure by figure and part by part; ``stats/definitions/`` names every figure in Chinese.

The demo (built as of 4 December 2026) gets a few edge records on top (``_edges``: local
midnight, terms, a 督办's new deadline, a mid-week appointment, a November-only rule), and the
oracle's own counts of them are checked by hand first. Two tests hold that compliance asks the
scope, not the clock, what "today" is (a report made on a Sunday owes no week ending that day).

Dates are local (Asia/Shanghai): every timestamp is cut to its local day in SQL. A region means
itself and every region below it, followed through the parent links.
"""

import datetime
import json
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Region, User
from demo.street import build_demo
from issues.models import Issue, IssueEvent
from reports.figures import FIGURES
from reports.statistics import region_statistics
from rivers.models import Chief, ChiefRole, Facility, Reach

from . import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
ONE_DAY = datetime.timedelta(days=1)

TODAY = datetime.date(2026, 12, 4)

PERIODS = {
    # name: (date_from, date_to, as_of): as_of written by hand, the last day counted.
    "year-2026-running": (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), TODAY),
    "2026-Q3": (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30), datetime.date(2026, 9, 30)),
    "2026-11": (
        datetime.date(2026, 11, 1),
        datetime.date(2026, 11, 30),
        datetime.date(2026, 11, 30),
    ),
}

# --- the SQL oracle -----------------------------------------------------------------------------

# The region and every region below it, however deep.
SUBTREE = """
WITH RECURSIVE sub(id) AS (
    SELECT id FROM rivers_region WHERE id = %(region)s
    UNION
    SELECT r.id FROM rivers_region r JOIN sub ON r.parent_id = sub.id
)
"""


def local(column: str) -> str:
    return f"(({column}) AT TIME ZONE 'Asia/Shanghai')::date"


IN_PERIOD = "BETWEEN %(date_from)s AND %(as_of)s"
PATROLLING = "('general_chief', 'street_chief', 'community_chief')"

# A patrol made on a day its chief held the post.
WHILE_SERVING = (
    f"{local('p.started_at')} >= c.appointed_on "
    f"AND (c.relieved_on IS NULL OR {local('p.started_at')} <= c.relieved_on)"
)


def _rivers(extra: str = "") -> str:
    # A river is the region's when a region of it manages it or one of its reaches lies there.
    return f"""
    SELECT count(*) FROM rivers_river rv
    WHERE (rv.region_id IN (SELECT id FROM sub)
           OR EXISTS (SELECT 1 FROM rivers_reach rc
                      WHERE rc.river_id = rv.id AND rc.region_id IN (SELECT id FROM sub)))
    {extra}
    """


def _patrols(roles: str, valid: bool) -> str:
    return f"""
    SELECT count(*) FROM patrols_patrol p
    JOIN rivers_reach rc ON rc.id = p.reach_id
    JOIN rivers_chief c ON c.id = p.chief_id
    WHERE rc.region_id IN (SELECT id FROM sub)
      AND {local("p.started_at")} {IN_PERIOD}
      AND c.role IN {roles} AND p.valid = {"TRUE" if valid else "FALSE"}
      AND {WHILE_SERVING}
    """


# Issues found in the period (reported on a local day of it), voided ones excepted.
FOUND = f"""
    FROM issues_issue i
    WHERE i.region_id IN (SELECT id FROM sub)
      AND {local("i.reported_at")} {IN_PERIOD}
      AND i.status <> 'voided'
"""


def _deadline_on(day: str) -> str:
    """The deadline in force on ``day``: the last history row set on or before it, else the
    issue's own deadline."""
    return f"""COALESCE(
        (SELECT d.deadline FROM issues_issuedeadline d
         WHERE d.issue_id = i.id AND {local("d.set_at")} <= {day}
         ORDER BY d.set_at DESC, d.id DESC LIMIT 1),
        i.deadline)"""


def _sum(table: str, column: str, extra: str = "") -> str:
    return f"""
    SELECT COALESCE(SUM(a.{column}), 0) FROM {table} a
    WHERE a.region_id IN (SELECT id FROM sub) AND a.date {IN_PERIOD} {extra}
    """


def _count(table: str, extra: str = "") -> str:
    return f"""
    SELECT count(*) FROM {table} a
    WHERE a.region_id IN (SELECT id FROM sub) AND a.date {IN_PERIOD} {extra}
    """


def _assets_checked(asset: str, check: str, fk: str, by_kind: bool) -> str:
    select = "x.kind, count(*)" if by_kind else "count(*)"
    group = "GROUP BY x.kind" if by_kind else ""
    return f"""
    SELECT {select} FROM {asset} x JOIN rivers_reach rc ON rc.id = x.reach_id
    WHERE rc.region_id IN (SELECT id FROM sub)
      AND EXISTS (SELECT 1 FROM {check} k WHERE k.{fk} = x.id AND k.date {IN_PERIOD})
    {group}
    """


def _assets(asset: str) -> str:
    return f"""
    SELECT x.kind, count(*) FROM {asset} x JOIN rivers_reach rc ON rc.id = x.reach_id
    WHERE rc.region_id IN (SELECT id FROM sub) GROUP BY x.kind
    """


def _serving_on_as_of(alias: str = "c") -> str:
    return (
        f"{alias}.appointed_on <= %(as_of)s "
        f"AND ({alias}.relieved_on IS NULL OR {alias}.relieved_on >= %(as_of)s)"
    )


FOUR = "AND a.campaign = 'four_disorders'"

# Figure key -> SQL: one number, or (part, n) rows for a breakdown. Parameters: region,
# date_from, date_to, as_of. Each written from the figure's definition sentence.
ORACLE: dict[str, str] = {
    # 区域内的河流、洪道、沟渠、湖泊和水库
    "rivers": _rivers(),
    # 区域内类型为洪道的河流
    "flood_channels": _rivers("AND rv.kind = 'flood_channel'"),
    # 区域内的河段
    "reaches": "SELECT count(*) FROM rivers_reach rc WHERE rc.region_id IN (SELECT id FROM sub)",
    # 截至统计日没有在任总河长、街级或社区级河长负责的河段
    "reaches_without_chief": f"""
        SELECT count(*) FROM rivers_reach rc
        WHERE rc.region_id IN (SELECT id FROM sub)
          AND NOT EXISTS (
            SELECT 1 FROM rivers_chief_reaches cr JOIN rivers_chief c ON c.id = cr.chief_id
            WHERE cr.reach_id = rc.id AND c.role IN {PATROLLING} AND {_serving_on_as_of()})
    """,
    # 截至统计日在任的河长等人员（岗位数），按类别
    "chiefs": f"""
        SELECT c.role, count(*) FROM rivers_chief c
        WHERE c.region_id IN (SELECT id FROM sub) AND {_serving_on_as_of()}
        GROUP BY c.role
    """,
    # 期间任一时间在任过的人员（人数），按类别
    "chiefs_served": """
        SELECT c.role, count(*) FROM rivers_chief c
        WHERE c.region_id IN (SELECT id FROM sub)
          AND c.appointed_on <= %(as_of)s
          AND (c.relieved_on IS NULL OR c.relieved_on >= %(date_from)s)
        GROUP BY c.role
    """,
    # 区域内的河长公示牌
    "signs": """
        SELECT count(*) FROM rivers_sign s JOIN rivers_reach rc ON rc.id = s.reach_id
        WHERE rc.region_id IN (SELECT id FROM sub)
    """,
    # 期间有更新记录的公示牌
    "signs_updated": f"""
        SELECT count(*) FROM rivers_sign s JOIN rivers_reach rc ON rc.id = s.reach_id
        WHERE rc.region_id IN (SELECT id FROM sub)
          AND EXISTS (SELECT 1 FROM activities_signupdate u
                      WHERE u.sign_id = s.id AND u.date {IN_PERIOD})
    """,
    # 总河长、街级和社区级河长在任期间的有效巡河次数（不含无效巡河和保洁员保洁）
    "patrols": _patrols(PATROLLING, valid=True),
    # 上述河长未达到巡河规则的巡河记录
    "patrols_invalid": _patrols(PATROLLING, valid=False),
    # 保洁员的有效保洁记录
    "cleaning_rounds": _patrols("('cleaner')", valid=True),
    # 期间在任时至少有一次有效巡河的河长（不含保洁员）
    "patrolling_chiefs": f"""
        SELECT count(*) FROM rivers_chief c
        WHERE c.region_id IN (SELECT id FROM sub) AND c.role IN {PATROLLING}
          AND EXISTS (SELECT 1 FROM patrols_patrol p
                      WHERE p.chief_id = c.id AND p.valid
                        AND {local("p.started_at")} {IN_PERIOD} AND {WHILE_SERVING})
    """,
    # 期间发现（上报）的问题，不含作废的
    "issues_found": f"SELECT count(*) {FOUND}",
    # 期间发现的问题中来源为河长巡河的
    "issues_found_by_patrol": f"SELECT count(*) {FOUND} AND i.source = 'patrol'",
    # 期间发现的问题中，截至统计日已交办的 (its timeline reached 已交办 by as_of)
    "issues_assigned": f"""
        SELECT count(*) {FOUND}
          AND EXISTS (SELECT 1 FROM issues_issueevent e
                      WHERE e.issue_id = i.id AND e.to_status = 'assigned'
                        AND {local("e.at")} <= %(as_of)s)
    """,
    # 期间发现的问题中，截至统计日已整改销号的
    "issues_found_closed": f"""
        SELECT count(*) {FOUND} AND i.closed_at IS NOT NULL
          AND {local("i.closed_at")} <= %(as_of)s
    """,
    # 期间整改销号的问题，无论何时发现
    "issues_closed": f"""
        SELECT count(*) FROM issues_issue i
        WHERE i.region_id IN (SELECT id FROM sub) AND i.status = 'closed'
          AND {local("i.closed_at")} {IN_PERIOD}
    """,
    # 期间作废的问题
    "issues_voided": f"""
        SELECT count(*) FROM issues_issue i
        WHERE i.region_id IN (SELECT id FROM sub) AND i.status = 'voided'
          AND {local("i.voided_at")} {IN_PERIOD}
    """,
    # 截至统计日仍未销号且已超过当日有效整改时限的问题: reported by the end of as_of, not
    # closed on or before it, and the deadline in force on as_of lies before it.
    "issues_overdue": f"""
        SELECT count(*) FROM issues_issue i
        WHERE i.region_id IN (SELECT id FROM sub) AND i.status <> 'voided'
          AND {local("i.reported_at")} <= %(as_of)s
          AND (i.closed_at IS NULL OR {local("i.closed_at")} > %(as_of)s)
          AND {_deadline_on("%(as_of)s")} < %(as_of)s
    """,
    # 期间任一天未销号且已超过当日有效整改时限的问题: some day t of the period on which the
    # issue was reported (on or before t), not yet closed (not before t) and past the deadline
    # in force on t; a later 督办 deadline does not undo the days before it.
    "issues_overdue_in_period": f"""
        SELECT count(DISTINCT i.id)
        FROM issues_issue i
        CROSS JOIN generate_series(%(date_from)s::date, %(as_of)s::date, interval '1 day') g(t)
        WHERE i.region_id IN (SELECT id FROM sub) AND i.status <> 'voided'
          AND {local("i.reported_at")} <= g.t::date
          AND (i.closed_at IS NULL OR {local("i.closed_at")} >= g.t::date)
          AND {_deadline_on("g.t::date")} < g.t::date
    """,
    # 期间发现的问题中被督办过的
    "issues_supervised": f"SELECT count(*) {FOUND} AND i.supervised",
    # 期间发现的问题，按问题类别 / 按来源
    "issues_by_category": f"SELECT i.category, count(*) {FOUND} GROUP BY i.category",
    "issues_by_source": f"SELECT i.source, count(*) {FOUND} GROUP BY i.source",
    # 期间登记的宣传活动, and what they registered
    "publicity_events": _count("activities_publicityevent"),
    "publicity_units": _sum("activities_publicityevent", "units"),
    "publicity_participants": _sum("activities_publicityevent", "participants"),
    "banners": _sum("activities_publicityevent", "banners"),
    "slogans": _sum("activities_publicityevent", "slogans"),
    "leaflets": _sum("activities_publicityevent", "leaflets"),
    # 期间登记的河道清理行动（各类行动合计）, and their sums
    "cleanups": _count("activities_cleanup"),
    "cleanup_points": _sum("activities_cleanup", "points"),
    "garbage_t": _sum("activities_cleanup", "garbage_t"),
    "garbage_m3": _sum("activities_cleanup", "garbage_m3"),
    "cleanup_participants": _sum("activities_cleanup", "participants"),
    "cleanup_volunteers": _sum("activities_cleanup", "volunteers"),
    "vehicles": _sum("activities_cleanup", "vehicles"),
    "net_m": _sum("activities_cleanup", "net_m"),
    "warning_signs": _sum("activities_cleanup", "warning_signs"),
    "cleanup_banners": _sum("activities_cleanup", "banners"),
    # 期间“清四乱”专项行动的清理行动, and theirs
    "four_disorders_cleanups": _count("activities_cleanup", FOUR),
    "four_disorders_points": _sum("activities_cleanup", "points", FOUR),
    "four_disorders_garbage_t": _sum("activities_cleanup", "garbage_t", FOUR),
    "four_disorders_garbage_m3": _sum("activities_cleanup", "garbage_m3", FOUR),
    # 期间召开的工作会议 / 开展的培训 / 会议和培训的参加人数之和
    "meetings": _count("activities_meeting", "AND a.kind = 'work_meeting'"),
    "trainings": _count("activities_meeting", "AND a.kind = 'training'"),
    "meeting_attendees": _sum("activities_meeting", "attendees"),
    # 期间人大、纪委监委、社会监督员和河长办的督查（不含河长的联合排查）, their problems
    "inspections": _count(
        "activities_inspection",
        "AND a.inspector IN ('congress', 'discipline', 'public_supervisor', 'office')",
    ),
    "inspection_problems": _sum(
        "activities_inspection",
        "problems_found",
        "AND a.inspector IN ('congress', 'discipline', 'public_supervisor', 'office')",
    ),
    # 期间河长与河道警长等联合开展的排查
    "joint_checks": _count("activities_inspection", "AND a.inspector = 'joint'"),
    # 期间有排查记录的入河排污口（按类型；合计）; 区域内登记的入河排污口，按类型
    "outfalls": _assets_checked("rivers_outfall", "activities_outfallcheck", "outfall_id", True),
    "outfalls_checked": _assets_checked(
        "rivers_outfall", "activities_outfallcheck", "outfall_id", False
    ),
    "outfalls_total": _assets("rivers_outfall"),
    # 期间有排查记录的设施，按类型; 区域内登记的河道设施，按类型
    "facilities": _assets_checked(
        "rivers_facility", "activities_facilitycheck", "facility_id", True
    ),
    "facilities_total": _assets("rivers_facility"),
    # 期间设施排查中结果为发现问题的记录
    "facility_problems": f"""
        SELECT count(*) FROM activities_facilitycheck k
        JOIN rivers_facility x ON x.id = k.facility_id
        JOIN rivers_reach rc ON rc.id = x.reach_id
        WHERE rc.region_id IN (SELECT id FROM sub) AND k.date {IN_PERIOD}
          AND k.result = 'problem'
    """,
    # 上述问题中截至统计日已整改销号的
    "facility_issues_closed": f"""
        SELECT count(*) FROM activities_facilitycheck k
        JOIN rivers_facility x ON x.id = k.facility_id
        JOIN rivers_reach rc ON rc.id = x.reach_id
        JOIN issues_issue i ON i.id = k.issue_id
        WHERE rc.region_id IN (SELECT id FROM sub) AND k.date {IN_PERIOD}
          AND k.result = 'problem'
          AND i.status = 'closed' AND {local("i.closed_at")} <= %(as_of)s
    """,
    # 期间现场复核的图斑
    "map_patches_checked": f"""
        SELECT count(*) FROM map_patches_mappatch m
        WHERE m.region_id IN (SELECT id FROM sub) AND {local("m.checked_at")} {IN_PERIOD}
    """,
}


def _oracle(key: str, params: dict) -> int | Decimal | dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(SUBTREE + ORACLE[key], params)
        rows = cursor.fetchall()
    if FIGURES[key].kind == "breakdown":
        return {part: n for part, n in rows if n}
    ((value,),) = rows
    return value


# --- the demo -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def edge_changes(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo street with its year and the edge records (``_edges``), built once for the
    module and rolled back after it; yields what the edges changed, by the oracle."""
    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(MEDIA_ROOT=str(media)),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        build_demo(today=TODAY)
        before = _all_oracles()
        _edges()
        yield _delta(before, _all_oracles())
        transaction.set_rollback(True)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), SHANGHAI)


def _edges() -> None:
    """A few records on top of the demo, where a figure is easy to get wrong: local midnight,
    patrols outside a chief's term, a 督办 that moves a deadline (set just after local
    midnight), an issue closed the day after its deadline, a voided one, one at the street's
    own level, checked map patches, a river that only flows through, a facility problem
    closed after the quarter."""
    street = Region.objects.get(name="东风街道")
    county = street.parent
    relieved = Chief.objects.get(region__parent=street, relieved_on__isnull=False)
    successor = Chief.objects.get(
        region=relieved.region,
        role=relieved.role,
        relieved_on__isnull=True,
        appointed_on__gt=relieved.appointed_on,
    )
    chief = (
        Chief.objects.filter(
            region__parent=street,
            role=ChiefRole.COMMUNITY_CHIEF,
            relieved_on__isnull=True,
            appointed_on__lt=datetime.date(2026, 1, 1),
        )
        .exclude(region=relieved.region)
        .order_by("region__code")
        .first()
    )
    reach = chief.reaches.order_by("pk").first()
    community = reach.region

    def patrol(who: Chief, where: Reach, started: datetime.datetime) -> None:
        factories.PatrolFactory(
            chief=who, reach=where, started_at=started, started_on=started.date(), valid=True
        )

    # 23:50 on 30 September is in Q3; 00:10 on 1 October (still 30 September in UTC) is not.
    patrol(chief, reach, _at(datetime.date(2026, 9, 30), 23, 50))
    patrol(chief, reach, _at(datetime.date(2026, 10, 1), 0, 10))
    # Outside the term: after the predecessor's relief, before the successor's appointment.
    patrol(relieved, relieved.reaches.first(), _at(datetime.date(2026, 8, 10), 9))
    patrol(successor, successor.reaches.first(), _at(successor.appointed_on, 9) - ONE_DAY * 11)

    def issue(reported: datetime.datetime, deadline, *, status="assigned", **extra) -> Issue:
        fields = {"reach": reach, "region": community, **extra}
        made = factories.IssueFactory(
            reported_at=reported, deadline=deadline, status=status, **fields
        )
        event(made, "report", "reported", reported)
        if deadline is not None:
            factories.IssueDeadlineFactory(issue=made, deadline=deadline, set_at=reported)
        return made

    def event(made: Issue, action: str, to_status: str, at: datetime.datetime) -> None:
        row = factories.IssueEventFactory(issue=made, action=action, to_status=to_status)
        IssueEvent.objects.filter(pk=row.pk).update(at=at)

    # Found at 23:30 on 30 September, assigned and closed just after midnight.
    e1 = issue(
        _at(datetime.date(2026, 9, 30), 23, 30),
        datetime.date(2026, 10, 10),
        status="closed",
        closed_at=_at(datetime.date(2026, 10, 1), 0, 30),
    )
    event(e1, "assign", "assigned", _at(datetime.date(2026, 10, 1), 0, 5))
    # Overdue from 6 to 9 November, then a 督办 gives it until 20 December.
    e2 = issue(_at(datetime.date(2026, 11, 1), 8), datetime.date(2026, 11, 5), supervised=True)
    factories.IssueDeadlineFactory(
        issue=e2, deadline=datetime.date(2026, 12, 20), set_at=_at(datetime.date(2026, 11, 10), 10)
    )
    Issue.objects.filter(pk=e2.pk).update(deadline=datetime.date(2026, 12, 20))
    # Closed the day after its deadline.
    issue(
        _at(datetime.date(2026, 11, 2), 9),
        datetime.date(2026, 11, 12),
        status="closed",
        closed_at=_at(datetime.date(2026, 11, 13), 10),
    )
    # Overdue on 16 November only: the new deadline is set at 00:30 on the 17th (local).
    e4 = issue(_at(datetime.date(2026, 11, 3), 9), datetime.date(2026, 11, 15))
    factories.IssueDeadlineFactory(
        issue=e4,
        deadline=datetime.date(2026, 12, 31),
        set_at=_at(datetime.date(2026, 11, 17), 0, 30),
    )
    Issue.objects.filter(pk=e4.pk).update(deadline=datetime.date(2026, 12, 31))
    # Voided after its deadline passed: it counts as voided and nowhere else.
    issue(
        _at(datetime.date(2026, 11, 4), 9),
        datetime.date(2026, 11, 6),
        status="voided",
        void_reason="duplicate",
        voided_at=_at(datetime.date(2026, 11, 20), 10),
    )
    # Reported at the street's own level, no reach, no deadline, never assigned.
    issue(_at(datetime.date(2026, 11, 5), 9), None, status="reported", reach=None, region=street)

    # Map patches checked either side of midnight closing Q3, and one not checked.
    batch = factories.PatchBatchFactory(region=street)
    for checked in (
        _at(datetime.date(2026, 9, 30), 23, 30),
        _at(datetime.date(2026, 10, 1), 0, 10),
        None,
    ):
        factories.MapPatchFactory(batch=batch, region=community, checked_at=checked)

    # A flood channel the county manages, flowing through one community on a reach no chief has.
    through = factories.RiverFactory(region=county, kind="flood_channel")
    unguarded = factories.ReachFactory(river=through, region=community)
    # ...until a second community chief takes it on, on Wednesday 11 November: the weeks of
    # 16-22 November (one patrol) and 23-29 November (none) are the only ones served in full.
    newcomer = factories.ChiefFactory(
        region=community, appointed_on=datetime.date(2026, 11, 11), reaches=[unguarded]
    )
    patrol(newcomer, unguarded, _at(datetime.date(2026, 11, 5), 9))  # before the appointment
    patrol(newcomer, unguarded, _at(datetime.date(2026, 11, 18), 9))
    # In November only, general chiefs patrol twice a week: a month-naming rule wins over the
    # catch-all monthly one, so November's weeks are owed, and neither the week across 1
    # November nor the month itself (both cut by the change of rule).
    factories.PatrolRuleFactory(
        role=ChiefRole.GENERAL_CHIEF, period="week", min_count=2, months=[11]
    )

    # A facility problem found in Q3, its ticket closed in October.
    facility = (
        Facility.objects.filter(reach__region=community).first()
        or Facility.objects.filter(reach__region__parent=street).order_by("pk").first()
    )
    ticket = issue(
        _at(datetime.date(2026, 9, 15), 9),
        datetime.date(2026, 9, 25),
        status="closed",
        closed_at=_at(datetime.date(2026, 10, 5), 9),
        source="inspection",
    )
    factories.FacilityCheckFactory(
        facility=facility, date=datetime.date(2026, 9, 15), result="problem", issue=ticket
    )


@pytest.fixture
def street(edge_changes, db) -> Region:
    return Region.objects.get(name="东风街道")


def _all_oracles() -> dict:
    street = Region.objects.get(name="东风街道")
    return {
        period: {key: _oracle(key, _params(street, period)) for key in ORACLE} for period in PERIODS
    }


def _delta(before: dict, after: dict) -> dict:
    """What the edge records added to each figure, by the oracle: {period: {key: change}}."""
    changes: dict = {}
    for period, values in after.items():
        for key, value in values.items():
            old = before[period][key]
            if isinstance(value, dict):
                change = {
                    part: value.get(part, 0) - old.get(part, 0)
                    for part in value.keys() | old.keys()
                    if value.get(part, 0) != old.get(part, 0)
                }
            else:
                change = value - old
            if change:
                changes.setdefault(period, {})[key] = change
    return changes


def _params(street: Region, period: str) -> dict:
    date_from, date_to, as_of = PERIODS[period]
    return {"region": street.pk, "date_from": date_from, "date_to": date_to, "as_of": as_of}


# --- 1. every counted figure against its SQL ------------------------------------------------------


def test_every_counted_figure_has_an_oracle():
    counted = {key for key, fig in FIGURES.items() if fig.source is not None}
    assert counted - set(ORACLE) == set(), "figures without an SQL oracle here"
    assert set(ORACLE) - counted == set(), "oracles of figures no longer counted from rows"


@pytest.mark.parametrize("period", list(PERIODS))
def test_every_counted_figure_equals_its_sql(street, period):
    params = _params(street, period)
    stats = region_statistics(
        region=street, date_from=params["date_from"], date_to=params["date_to"], today=TODAY
    )
    assert stats.as_of == params["as_of"]
    wrong = {}
    for key, fig in FIGURES.items():
        if fig.source is None:
            continue
        expected = _oracle(key, params)
        got = getattr(stats, key)
        if fig.kind == "breakdown":
            got = {part: n for part, n in got.items() if n}
        if got != expected:
            wrong[key] = {"code": got, "sql": expected}
    assert wrong == {}, f"{period}: figures that differ from their definition's SQL: {wrong}"


def test_the_oracle_counts_the_edges_as_the_definitions_say(edge_changes, street):
    """The oracle itself, checked on the edge records by hand (see ``_edges``)."""
    assets = {"rivers": 1, "flood_channels": 1, "reaches": 1}
    # The newcomer (appointed 11 November) holds the new reach on 30 November and 4 December.
    newcomer = {
        "chiefs": {"community_chief": 1},
        "chiefs_served": {"community_chief": 1},
        "patrols": 1,
        "patrolling_chiefs": 1,
    }
    assert edge_changes["2026-Q3"] == {
        **assets,
        "reaches_without_chief": 1,
        # 23:50 on 30 September; not the 00:10 of 1 October, nor the relieved chief's.
        "patrols": 1,
        # The 23:30 issue and the facility's ticket; neither assigned nor closed by 30 Sep.
        "issues_found": 2,
        "issues_by_category": {"dumping": 2},
        "issues_by_source": {"office": 1, "inspection": 1},
        # The ticket: deadline 25 September, still open on the 30th.
        "issues_overdue": 1,
        "issues_overdue_in_period": 1,
        "map_patches_checked": 1,
        "facility_problems": 1,
    }
    assert edge_changes["2026-11"] == {
        **assets,
        **newcomer,
        "issues_found": 4,
        "issues_by_category": {"dumping": 4},
        "issues_by_source": {"office": 4},
        "issues_found_closed": 1,
        "issues_closed": 1,
        "issues_voided": 1,
        # 6-9 November; 13 November (closed that day, a day late); 16 November only.
        "issues_overdue_in_period": 3,
        "issues_supervised": 1,
    }
    assert edge_changes["year-2026-running"] == {
        **assets,
        **newcomer,
        "patrols": 3,
        "issues_found": 6,
        "issues_by_category": {"dumping": 6},
        "issues_by_source": {"office": 5, "inspection": 1},
        "issues_assigned": 1,
        "issues_found_closed": 3,
        "issues_closed": 3,
        "issues_voided": 1,
        "issues_overdue_in_period": 4,
        "issues_supervised": 1,
        "map_patches_checked": 2,
        "facility_problems": 1,
        "facility_issues_closed": 1,
    }


def test_the_demo_is_not_empty_where_it_matters(street):
    """The oracle proves little over zeros: the demo's year fills the figures it compares."""
    params = _params(street, "year-2026-running")
    for key in (
        "patrols",
        "patrols_invalid",
        "cleaning_rounds",
        "patrolling_chiefs",
        "issues_found",
        "issues_closed",
        "issues_voided",
        "issues_overdue_in_period",
        "issues_supervised",
        "publicity_events",
        "cleanups",
        "four_disorders_cleanups",
        "meetings",
        "inspections",
        "joint_checks",
        "outfalls_checked",
        "facility_problems",
        "signs_updated",
    ):
        assert _oracle(key, params), key


# --- 2. compliance of November 2026, by hand ----------------------------------------------------

PATROLLING_ROLES = ("general_chief", "street_chief", "community_chief")


def _period_of(kind: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The whole period of ``kind`` holding ``day``: weeks run Monday to Sunday; a 旬 is days
    1-10, 11-20, 21 to the month's end."""
    if kind == "day":
        return day, day
    if kind == "week":
        monday = day - datetime.timedelta(days=day.weekday())
        return monday, monday + datetime.timedelta(days=6)
    next_month = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    month_end = next_month - datetime.timedelta(days=1)
    if kind == "dekad":
        if day.day <= 10:
            return day.replace(day=1), day.replace(day=10)
        if day.day <= 20:
            return day.replace(day=11), day.replace(day=20)
        return day.replace(day=21), month_end
    if kind == "month":
        return day.replace(day=1), month_end
    if kind == "quarter":
        first = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        last = first.replace(month=first.month + 2)
        return first, _period_of("month", last)[1]
    raise AssertionError(kind)


def _rule_on(rules: list[dict], role: str, day: datetime.date) -> dict | None:
    """The rule in force for ``role`` on ``day``: one naming the day's month wins over one
    naming none."""
    live = [
        r
        for r in rules
        if r["role"] == role
        and r["valid_from"] <= day
        and (r["valid_to"] is None or day <= r["valid_to"])
        and (not r["months"] or day.month in r["months"])
    ]
    named = [r for r in live if r["months"]]
    pick = named or live
    assert len(pick) <= 1, f"two rules for {role} on {day}"
    return pick[0] if pick else None


def _fetch(sql: str, params: dict) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [col[0] for col in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _compliance_by_hand(street: Region, date_from, as_of, today) -> dict:
    rules = _fetch(
        "SELECT id, role, period, min_count, months, valid_from, valid_to FROM patrols_patrolrule",
        {},
    )
    for rule in rules:
        # jsonb comes back as its text from a raw cursor.
        if isinstance(rule["months"], str):
            rule["months"] = json.loads(rule["months"])
    # Owed periods per role: whole periods under one rule every day, ending in [date_from,
    # as_of] and before today (a period ending today has not ended).
    owed: dict[str, set] = defaultdict(set)
    day = date_from - datetime.timedelta(days=100)
    while day <= as_of:
        for role in PATROLLING_ROLES:
            rule = _rule_on(rules, role, day)
            if rule is None:
                continue
            start, end = _period_of(rule["period"], day)
            if not (date_from <= end <= as_of and end < today):
                continue
            span = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
            if all(_rule_on(rules, role, d) is rule for d in span):
                owed[role].add((start, end, rule["min_count"]))
        day += datetime.timedelta(days=1)

    chiefs = _fetch(
        SUBTREE + f"SELECT c.id, c.role, c.appointed_on, c.relieved_on FROM rivers_chief c "
        f"WHERE c.region_id IN (SELECT id FROM sub) AND c.role IN {PATROLLING}",
        {"region": street.pk},
    )
    patrol_days = defaultdict(list)
    for row in _fetch(
        f"SELECT p.chief_id, {local('p.started_at')} AS day FROM patrols_patrol p WHERE p.valid",
        {},
    ):
        patrol_days[row["chief_id"]].append(row["day"])

    required = counted = short = 0
    per_chief = {}
    for chief in chiefs:
        chief_short = False
        chief_required = chief_counted = 0
        for start, end, min_count in owed[chief["role"]]:
            served = chief["appointed_on"] <= start and (
                chief["relieved_on"] is None or chief["relieved_on"] >= end
            )
            if not served:
                continue
            n = sum(1 for d in patrol_days[chief["id"]] if start <= d <= end)
            chief_required += min_count
            chief_counted += min(n, min_count)
            chief_short |= n < min_count
        required += chief_required
        counted += chief_counted
        short += chief_short
        per_chief[chief["id"]] = (chief_required, chief_counted, chief_short)
    return {
        "required": required,
        "counted": counted,
        "short": short,
        "owed": owed,
        "chiefs": per_chief,
    }


def _compliance_figures(stats) -> dict:
    return {
        "patrols_required": stats.patrols_required,
        "patrols_counted": stats.patrols_counted,
        "chiefs_short": stats.chiefs_short,
        "patrol_rate": stats.patrol_rate,
    }


def _expected(hand: dict) -> dict:
    rate = min(Decimal(1), Decimal(hand["counted"]) / Decimal(hand["required"]))
    return {
        "patrols_required": Decimal(hand["required"]),
        "patrols_counted": hand["counted"],
        "chiefs_short": hand["short"],
        "patrol_rate": rate.quantize(Decimal("0.0001"), ROUND_HALF_UP),
    }


def test_compliance_of_november_by_hand(street):
    date_from, date_to, as_of = PERIODS["2026-11"]
    # The compliance selector asks the clock whether a period has ended: on any day after
    # 30 November, every period ending in November has.
    real_today = timezone.localdate()
    assert real_today > as_of
    hand = _compliance_by_hand(street, date_from, as_of, real_today)
    # The week of 26 October - 1 November counts in November (it ends there), the week of
    # 30 November - 6 December does not.
    weeks = sorted(hand["owed"]["community_chief"])
    assert weeks[0][:2] == (datetime.date(2026, 10, 26), datetime.date(2026, 11, 1))
    assert weeks[-1][1] == datetime.date(2026, 11, 29)
    # The general chiefs' November rule: its four whole weeks, twice each; nothing of the
    # monthly rule (November is cut by the change), nor the week across 1 November.
    assert sorted(hand["owed"]["general_chief"]) == [
        (datetime.date(2026, 11, day), datetime.date(2026, 11, day + 6), 2)
        for day in (2, 9, 16, 23)
    ]
    newcomer = Chief.objects.get(region__parent=street, appointed_on=datetime.date(2026, 11, 11))
    assert hand["chiefs"][newcomer.pk] == (2, 1, True)

    stats = region_statistics(region=street, date_from=date_from, date_to=date_to, today=TODAY)
    assert _compliance_figures(stats) == _expected(hand)


def test_compliance_as_of_a_sunday_owes_no_week_ending_that_day(street):
    """On Sunday 29 November the week ending that day has not ended: region_statistics(today=)
    must owe it no patrols, whatever the clock says."""
    date_from, date_to = PERIODS["2026-11"][:2]
    today = datetime.date(2026, 11, 29)
    hand = _compliance_by_hand(street, date_from, today, today)
    assert max(end for _, end, _ in hand["owed"]["community_chief"]) == datetime.date(2026, 11, 22)
    stats = region_statistics(region=street, date_from=date_from, date_to=date_to, today=today)
    assert stats.as_of == today
    assert _compliance_figures(stats) == _expected(hand)


def test_records_as_of_a_sunday_owe_no_week_ending_that_day(street):
    """A report printed on Sunday 29 November links its figures' records with as_of=29 Nov:
    they must owe what the report owed that day, not what the clock owes now."""
    date_from, date_to = PERIODS["2026-11"][:2]
    day = datetime.date(2026, 11, 29)
    hand = _compliance_by_hand(street, date_from, day, day)
    answer = _office().get(
        "/api/v1/stats/records/",
        {
            "figure": "patrols_required",
            "region": street.pk,
            "date_from": date_from,
            "date_to": date_to,
            "as_of": day,
        },
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["as_of"] == "2026-11-29"
    assert Decimal(str(answer.json()["total"])) == hand["required"]


# --- 3. stats/records/ against stats/ -------------------------------------------------------------


def _number(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _office() -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.get(username="office"))
    return client


# 2026 Q3 (ended), and the year 2026 as stats/ sees it today (running: as_of is the clock's day).
@pytest.mark.parametrize("period", ["2026-Q3", "year-2026-running"])
def test_records_reproduce_every_figure(street, period):
    date_from, date_to, _ = PERIODS[period]
    client = _office()
    query = {"region": street.pk, "date_from": date_from, "date_to": date_to}
    answer = client.get("/api/v1/stats/", query)
    assert answer.status_code == 200, answer.content
    stats = answer.json()
    expected_as_of = min(date_to, timezone.localdate())
    assert stats["as_of"] == expected_as_of.isoformat()

    wrong = {}

    def records(key: str, **extra) -> dict:
        got = client.get(
            "/api/v1/stats/records/", {"figure": key, "page_size": 1, **query, **extra}
        )
        assert got.status_code == 200, (key, extra, got.content)
        return got.json()

    for key, fig in FIGURES.items():
        value = stats[key]
        listed = records(key)
        if fig.kind == "rate":
            numerator, denominator = (stats[part] for part in fig.rate_of)
            seen = (_number(listed["numerator"]), _number(listed["denominator"]))
            if seen != (_number(numerator), _number(denominator)):
                wrong[key] = {"stats": (numerator, denominator), "records": seen}
            elif denominator:
                rate = min(Decimal(1), _number(numerator) / _number(denominator))
                if _number(value) != rate.quantize(Decimal("0.0001"), ROUND_HALF_UP):
                    wrong[key] = {"stats": value, "records rate": rate}
        elif fig.kind == "breakdown":
            if listed["count"] != sum(value.values()):
                wrong[key] = {"stats": sum(value.values()), "records": listed["count"]}
            for part, n in value.items():
                in_part = records(key, part=part)["count"]
                if in_part != n:
                    wrong[f"{key}[{part}]"] = {"stats": n, "records": in_part}
        elif fig.kind == "sum" or fig.key in ("patrols_required", "patrols_counted"):
            if _number(listed["total"]) != _number(value):
                wrong[key] = {"stats": value, "records total": listed["total"]}
        elif listed["count"] != value:
            wrong[key] = {"stats": value, "records count": listed["count"]}
    assert wrong == {}, f"{period}: stats/records/ disagrees with stats/: {wrong}"


def test_definitions_name_every_figure_in_chinese(street):
    client = _office()
    answer = client.get("/api/v1/stats/definitions/")
    assert answer.status_code == 200
    rows = {row["key"]: row for row in answer.json()}
    assert set(rows) == set(FIGURES)
    chinese = re.compile(r"[\u4e00-\u9fff]")
    for key, row in rows.items():
        assert chinese.search(row["label"]), key
        assert chinese.search(row["definition"]), key
        assert row["unit"], key
