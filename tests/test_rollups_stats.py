"""``stats/`` served whole from the rollups: the overdue figures from each issue's runs of overdue
days (``OverdueSpan``), found by patrol / assigned / supervised / by source from the issues'
source months, voided issues by the month they were voided, and the chiefs who patrolled from
the chiefs' months. Every figure is written by hand for a street built by hand, and equals the
live count; the rows follow each write and a rebuild leaves them as they were."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from issues.models import Issue, IssueDeadline, IssueEvent, IssueStatus
from reports import rollups
from reports.models import ChiefMonth, OverdueSpan, TreeOverdue
from reports.rollups import overdue_spans
from reports.statistics import ROLLUP_FIGURES, region_statistics
from rivers.models import ChiefRole

from . import factories
from .test_patrols import make_patrol

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment in Shanghai local time, 2025."""
    return datetime.datetime(2025, month, day, hour, minute, tzinfo=SHANGHAI)


def d(month: int, day: int) -> D:
    return D(2025, month, day)


# --- the runs of overdue days, worked out by hand ----------------------------------------------


@pytest.mark.parametrize(
    ("case", "reported_on", "closed_on", "deadline", "history", "expected"),
    [
        ("no deadline at all", d(3, 1), None, None, [], []),
        ("open past its own deadline", d(3, 1), None, d(3, 10), [], [(d(3, 11), None)]),
        ("closed the day after", d(3, 1), d(3, 11), d(3, 10), [], [(d(3, 11), d(3, 11))]),
        ("closed on its deadline", d(3, 1), d(3, 10), d(3, 10), [], []),
        (
            "extended on 3-15 while overdue, closed after the new deadline",
            d(3, 1),
            d(4, 2),
            d(3, 31),
            [(d(3, 1), d(3, 10)), (d(3, 15), d(3, 31))],
            [(d(3, 11), d(3, 14)), (d(4, 1), d(4, 2))],
        ),
        (
            "two settings the same day: the later one holds",
            d(3, 1),
            None,
            d(3, 20),
            [(d(3, 5), d(3, 3)), (d(3, 5), d(3, 20))],
            [(d(3, 21), None)],
        ),
        (
            "a shorter deadline set while overdue: one run, not two",
            d(3, 1),
            None,
            d(3, 10),
            [(d(3, 12), d(3, 5))],
            [(d(3, 11), None)],
        ),
        (
            "the own deadline holds only before the first setting",
            d(3, 1),
            None,
            d(3, 2),
            [(d(3, 5), d(3, 31))],
            [(d(3, 3), d(3, 4)), (d(4, 1), None)],
        ),
    ],
)
def test_the_runs_of_overdue_days_of_an_issue(
    case, reported_on, closed_on, deadline, history, expected
):
    runs = overdue_spans(
        reported_on=reported_on, closed_on=closed_on, deadline=deadline, history=history
    )
    assert runs == expected, case


# --- a street built by hand --------------------------------------------------------------------


def _issue(reach, *, reported, deadline, source="office", status="rectifying", **fields):
    return factories.IssueFactory(
        reach=reach, reported_at=reported, deadline=deadline, source=source, status=status, **fields
    )


def _deadline(issue, *, on, deadline, action="assign"):
    return factories.IssueDeadlineFactory(issue=issue, set_at=on, deadline=deadline, action=action)


def _assigned(issue, moment):
    event = factories.IssueEventFactory(issue=issue, action="assign", to_status="assigned")
    IssueEvent.objects.filter(pk=event.pk).update(at=moment)


@pytest.fixture
def world(street_a, street_b):
    """Street 1 in 2025 (its figures by hand in BY_HAND):
    - E (patrol, supervised): found 3-01, deadline 3-10 (assigned 3-01), a 督办 at 00:30 on 3-15
      sets 3-31, closed 4-02: overdue 3-11..3-14 and 4-01..4-02;
    - X (public): found 3-20, deadline 3-25, assigned on 4-02 (after March), still open:
      overdue from 3-26 on;
    - V (patrol): found 3-01, deadline 3-05, voided on 3-20 while overdue: counts only as voided;
    - L (patrol): found 2-01, deadline 2-10 (assigned 2-01), closed 3-03: overdue 2-11..3-03;
    - C (superior): found 3-01, deadline 3-30, closed at 10:00 on 3-31: overdue on 3-31 (during
      March) but closed by its end;
    Chiefs: 甲 (社区1) patrols 社区1's reach on 3-03 and 社区2's on 3-04 (one chief, two
    regions); 乙 (社区2) only invalidly in March, validly on 4-10; 丙 (社区1), relieved on
    3-15, patrols on 2-10 and (no longer serving) on 3-20; a cleaner patrols on 3-05 (not a
    chief); street 2's chief patrols street 1's reach on 3-06 (counts in street 2).
    Street 2 also has an overdue issue street 1 never counts."""
    r1, r2 = street_a.reaches
    w = {}
    w["E"] = e = _issue(
        r1, reported=at(3, 1), deadline=d(3, 31), source="patrol", supervised=True,
        status=IssueStatus.CLOSED, closed_at=at(4, 2, 15),
    )  # fmt: skip
    _deadline(e, on=at(3, 1, 11), deadline=d(3, 10))
    _deadline(e, on=at(3, 15, 0, 30), deadline=d(3, 31), action="escalate")
    _assigned(e, at(3, 1, 11))
    w["X"] = x = _issue(r2, reported=at(3, 20), deadline=d(3, 25), source="public")
    _deadline(x, on=at(3, 20, 11), deadline=d(3, 25))
    _assigned(x, at(4, 2))
    w["V"] = v = _issue(
        r1, reported=at(3, 1), deadline=d(3, 5), source="patrol", status=IssueStatus.VOIDED,
        voided_at=at(3, 20), void_reason="duplicate",
    )  # fmt: skip
    _deadline(v, on=at(3, 2), deadline=d(3, 5))
    w["L"] = late = _issue(
        r2, reported=at(2, 1), deadline=d(2, 10), source="patrol", status=IssueStatus.CLOSED,
        closed_at=at(3, 3, 15),
    )  # fmt: skip
    _deadline(late, on=at(2, 1, 11), deadline=d(2, 10))
    _assigned(late, at(2, 1, 11))
    w["C"] = _issue(
        r1, reported=at(3, 1), deadline=d(3, 30), source="superior", status=IssueStatus.CLOSED,
        closed_at=at(3, 31, 10),
    )  # fmt: skip
    _issue(street_b.reaches[0], reported=at(3, 1), deadline=d(3, 2))

    jia, yi = street_a.chiefs
    make_patrol(jia, r1, d(3, 3))
    make_patrol(jia, r2, d(3, 4))
    make_patrol(yi, r2, d(3, 10), valid=False)
    make_patrol(yi, r2, d(4, 10))
    bing = factories.ChiefFactory(
        name="丙", region=street_a.communities[0], reaches=[r1], relieved_on=d(3, 15)
    )
    make_patrol(bing, r1, d(2, 10))
    make_patrol(bing, r1, d(3, 20))
    cleaner = factories.ChiefFactory(
        name="保洁员", region=street_a.communities[0], reaches=[r1], role=ChiefRole.CLEANER
    )
    make_patrol(cleaner, r1, d(3, 5))
    make_patrol(street_b.chiefs[0], r1, d(3, 6))
    rollups.rebuild(first=d(1, 1), last=d(12, 31))
    return w


MONTH, FEB, APRIL = (d(3, 1), d(3, 31)), (d(2, 1), d(2, 28)), (d(4, 1), d(4, 30))
QUARTER, SECOND, YEAR = (d(1, 1), d(3, 31)), (d(4, 1), d(6, 30)), (d(1, 1), d(12, 31))
BY_HAND = {
    MONTH: {
        "issues_overdue_in_period": 4,  # E, X, L, C
        "issues_overdue": 1,  # X (E's deadline is 3-31 that day, L and C closed)
        "issues_found": 3,  # E, X, C
        "issues_found_by_patrol": 1,  # E
        "issues_assigned": 1,  # E (X only on 4-02)
        "issues_supervised": 1,
        "issues_voided": 1,  # V, on 3-20
        "by_source": {"patrol": 1, "public": 1, "superior": 1},
        "patrolling_chiefs": 1,  # 甲, once for two regions
    },
    FEB: {
        "issues_overdue_in_period": 1,  # L
        "issues_overdue": 1,  # L
        "issues_found": 1,
        "issues_found_by_patrol": 1,
        "issues_assigned": 1,
        "issues_supervised": 0,
        "issues_voided": 0,
        "by_source": {"patrol": 1},
        "patrolling_chiefs": 1,  # 丙
    },
    APRIL: {
        "issues_overdue_in_period": 2,  # E (4-01..4-02), X
        "issues_overdue": 1,  # X
        "issues_found": 0,
        "issues_found_by_patrol": 0,
        "issues_assigned": 0,
        "issues_supervised": 0,
        "issues_voided": 0,
        "by_source": {},
        "patrolling_chiefs": 1,  # 乙
    },
    QUARTER: {
        "issues_overdue_in_period": 4,
        "issues_overdue": 1,
        "issues_found": 4,  # E, X, L, C
        "issues_found_by_patrol": 2,  # E, L
        "issues_assigned": 2,  # E, L
        "issues_supervised": 1,
        "issues_voided": 1,
        "by_source": {"patrol": 2, "public": 1, "superior": 1},
        "patrolling_chiefs": 2,  # 甲, 丙
    },
    SECOND: {
        "issues_overdue_in_period": 2,
        "issues_overdue": 1,
        "issues_found": 0,
        "issues_found_by_patrol": 0,
        "issues_assigned": 0,
        "issues_supervised": 0,
        "issues_voided": 0,
        "by_source": {},
        "patrolling_chiefs": 1,
    },
    YEAR: {
        "issues_overdue_in_period": 4,
        "issues_overdue": 1,
        "issues_found": 4,
        "issues_found_by_patrol": 2,
        "issues_assigned": 3,  # E, L, X
        "issues_supervised": 1,
        "issues_voided": 1,
        "by_source": {"patrol": 2, "public": 1, "superior": 1},
        "patrolling_chiefs": 3,  # 甲, 乙, 丙
    },
}


def _figures(stats) -> dict:
    return {
        **{key: getattr(stats, key) for key in BY_HAND[MONTH] if key != "by_source"},
        "by_source": {key: n for key, n in stats.issues_by_source.items() if n},
    }


@pytest.mark.parametrize("period", list(BY_HAND), ids=lambda p: f"{p[0]}..{p[1]}")
def test_stats_from_the_rollups_are_the_hand_count_and_the_live_count(world, street_a, period):
    date_from, date_to = period
    street = street_a.street
    live = region_statistics(region=street, date_from=date_from, date_to=date_to)
    served = region_statistics(
        region=street, date_from=date_from, date_to=date_to, from_rollups=True
    )
    assert _figures(served) == BY_HAND[period]
    assert served.as_dict() == live.as_dict()


def test_the_other_street_counts_its_own_chief_and_issue(world, street_b):
    served = region_statistics(
        region=street_b.street, date_from=d(3, 1), date_to=d(3, 31), from_rollups=True
    )
    assert (served.patrolling_chiefs, served.issues_overdue, served.issues_found) == (1, 1, 1)
    live = region_statistics(region=street_b.street, date_from=d(3, 1), date_to=d(3, 31))
    assert served.as_dict() == live.as_dict()


def test_every_issue_figure_and_the_patrolling_chiefs_come_from_the_rollups(world, street_a):
    # Emptied, the new tables say nothing: the figures are read from them, not counted live.
    TreeOverdue.objects.all().delete()
    ChiefMonth.objects.update(patrolled=0)
    served = region_statistics(
        region=street_a.street, date_from=d(3, 1), date_to=d(3, 31), from_rollups=True
    )
    assert (served.issues_overdue_in_period, served.issues_overdue) == (0, 0)
    assert served.patrolling_chiefs == 0
    assert {
        "issues_overdue",
        "issues_overdue_in_period",
        "issues_found_by_patrol",
        "issues_assigned",
        "issues_supervised",
        "issues_voided",
        "issues_by_source",
        "patrolling_chiefs",
    } <= ROLLUP_FIGURES


def _spans(issue) -> list[tuple]:
    return list(
        OverdueSpan.objects.filter(issue=issue)
        .order_by("first_day")
        .values_list("first_day", "last_day", "closed_on")
    )


def test_the_spans_of_the_world_are_as_written(world):
    assert _spans(world["E"]) == [(d(3, 11), d(3, 14), d(4, 2)), (d(4, 1), d(4, 2), d(4, 2))]
    assert _spans(world["X"]) == [(d(3, 26), None, None)]
    assert _spans(world["V"]) == []
    assert _spans(world["L"]) == [(d(2, 11), d(3, 3), d(3, 3))]
    assert _spans(world["C"]) == [(d(3, 31), d(3, 31), d(3, 31))]


def test_a_rebuild_leaves_the_rows_as_they_were(world):
    before = sorted(OverdueSpan.objects.values_list("issue_id", "first_day", "last_day"))
    assert len(before) == 6  # E twice, X, L, C and street 2's issue
    rollups.rebuild(first=d(1, 1), last=d(12, 31))
    assert sorted(OverdueSpan.objects.values_list("issue_id", "first_day", "last_day")) == before


# --- the rows follow every write ---------------------------------------------------------------


def _stats_equal_live(street, period=YEAR):
    live = region_statistics(region=street, date_from=period[0], date_to=period[1])
    served = region_statistics(
        region=street, date_from=period[0], date_to=period[1], from_rollups=True
    )
    assert served.as_dict() == live.as_dict()
    return served


def test_closing_reopening_extending_and_voiding_refresh_the_rollups(
    world, street_a, django_capture_on_commit_callbacks
):
    x = Issue.objects.get(pk=world["X"].pk)
    street = street_a.street
    # Closed on 4-05: overdue 3-26..4-05, no longer at the year's end.
    with django_capture_on_commit_callbacks(execute=True):
        x.status, x.closed_at = IssueStatus.CLOSED, at(4, 5, 15)
        x.save()
    assert _spans(x) == [(d(3, 26), d(4, 5), d(4, 5))]
    assert _stats_equal_live(street).issues_overdue == 0
    # Reopened (the acceptance taken back): overdue again from 3-26 on.
    with django_capture_on_commit_callbacks(execute=True):
        x.status, x.closed_at = IssueStatus.RECTIFYING, None
        x.save()
    assert _spans(x) == [(d(3, 26), None, None)]
    assert _stats_equal_live(street).issues_overdue == 1
    # A 督办 on 4-10 gives it until 12-31 (the history row alone, no save of the issue): the
    # days overdue before it stay, none after.
    with django_capture_on_commit_callbacks(execute=True):
        _deadline(x, on=at(4, 10), deadline=d(12, 31), action="escalate")
    # (The new deadline runs out too: overdue again from 2026-01-01, after the year.)
    assert _spans(x) == [(d(3, 26), d(4, 9), None), (D(2026, 1, 1), None, None)]
    year = _stats_equal_live(street)
    assert (year.issues_overdue, year.issues_overdue_in_period) == (0, 4)
    # Voided on 5-01: no overdue days at all, one more voided in May.
    with django_capture_on_commit_callbacks(execute=True):
        x.status, x.voided_at, x.void_reason = IssueStatus.VOIDED, at(5, 1), "invalid"
        x.save()
    assert _spans(x) == []
    may = _stats_equal_live(street, (d(5, 1), d(5, 31)))
    assert may.issues_voided == 1
    year = _stats_equal_live(street)
    assert (year.issues_overdue_in_period, year.issues_found, year.issues_voided) == (3, 3, 2)
    # What the writes left is what a rebuild makes.
    touched = _tree_rows()
    rollups.rebuild(first=d(1, 1), last=d(12, 31))
    assert _tree_rows() == touched


def _tree_rows() -> list[tuple]:
    return sorted(
        TreeOverdue.objects.values_list(
            "region_id", "first_month", "last_month", "previous_month", "end_month", "spans"
        ),
        key=str,
    )


def test_an_issue_moved_to_another_street_moves_its_spans(
    world, street_a, street_b, django_capture_on_commit_callbacks
):
    x = Issue.objects.get(pk=world["X"].pk)
    with django_capture_on_commit_callbacks(execute=True):
        x.reach, x.region = street_b.reaches[1], street_b.communities[1]
        x.save()
    assert _stats_equal_live(street_a.street).issues_overdue == 0
    assert _stats_equal_live(street_b.street).issues_overdue == 2


def test_an_assignment_and_a_supervision_refresh_the_source_rows(
    world, street_a, django_capture_on_commit_callbacks
):
    c = Issue.objects.get(pk=world["C"].pk)
    with django_capture_on_commit_callbacks(execute=True):
        _assigned(c, at(3, 2))
    # The line is stamped "now" when written (auto_now_add) and moved back to 3-02 by an
    # update, which announces nothing; the next write of the issue reads it as it stands.
    with django_capture_on_commit_callbacks(execute=True):
        c.supervised = True
        c.save()
    march = _stats_equal_live(street_a.street, MONTH)
    assert (march.issues_assigned, march.issues_supervised) == (2, 2)


def test_a_patrol_and_a_relief_refresh_the_patrolling_chiefs(
    world, street_a, django_capture_on_commit_callbacks
):
    yi = street_a.chiefs[1]
    with django_capture_on_commit_callbacks(execute=True):
        make_patrol(yi, street_a.reaches[1], d(3, 12))
    assert _stats_equal_live(street_a.street, MONTH).patrolling_chiefs == 2
    # 甲 relieved on 3-03: its patrol of 3-04 no longer counts, that of 3-03 still does.
    jia = street_a.chiefs[0]
    with django_capture_on_commit_callbacks(execute=True):
        jia.relieved_on = d(3, 3)
        jia.save()
    assert _stats_equal_live(street_a.street, MONTH).patrolling_chiefs == 2
    with django_capture_on_commit_callbacks(execute=True):
        jia.relieved_on = d(3, 2)
        jia.save()
    assert _stats_equal_live(street_a.street, MONTH).patrolling_chiefs == 1


def test_the_world_holds_what_its_docstring_says(world):
    assert Issue.objects.count() == 6
    assert IssueDeadline.objects.count() == 5
    assert IssueEvent.objects.filter(action="assign").count() == 3


@pytest.mark.parametrize(
    ("period", "overdue"), [(FEB, 1), (MONTH, 1), (APRIL, 1), (QUARTER, 1)], ids=str
)
def test_the_dashboard_of_an_ended_period_reads_the_overdue_runs(world, street_a, period, overdue):
    from accounts.models import Role
    from reports.dashboard import dashboard

    from .conftest import make_account

    office = make_account(Role.OFFICE, street_a.street)
    board = dashboard(user=office, region=street_a.street, date_from=period[0], date_to=period[1])
    assert board.figures["issues_overdue"] == overdue
    TreeOverdue.objects.all().delete()  # read from the runs: now none
    board = dashboard(user=office, region=street_a.street, date_from=period[0], date_to=period[1])
    assert board.figures["issues_overdue"] == 0
