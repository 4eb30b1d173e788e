"""The deadline history (IssueDeadline): every write that sets a deadline adds a row, and the
overdue queries read the deadline in force on each day from it, so that a 督办 with a new
deadline does not erase the days an issue was already overdue. Dates are local (Shanghai)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import Role
from calendars import services as calendar_services
from issues import selectors, services
from issues.models import Issue, IssueDeadline, IssueEvent, IssueStatus

from . import factories
from .conftest import make_account

D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment in Shanghai local time, 2024."""
    return datetime.datetime(2024, month, day, hour, minute, tzinfo=SHANGHAI)


def _issue(reach, *, reported, deadline, status="rectifying", closed=None, **fields) -> Issue:
    return factories.IssueFactory(
        reach=reach,
        reported_at=reported,
        deadline=deadline,
        status=status,
        closed_at=closed,
        **fields,
    )


def _row(issue, *, on, deadline, action="assign"):
    return factories.IssueDeadlineFactory(issue=issue, set_at=on, deadline=deadline, action=action)


@pytest.fixture
def world(street_a):
    """Issues with their deadline histories written by hand, 2024."""
    reach = street_a.reaches[0]
    w = {}
    # Deadline 3-10; a 督办 at 00:30 on 3-15 (still 3-14 in UTC) sets 3-31; closed 00:30 on 4-02
    # (still 4-01 in UTC).
    w["escalated"] = escalated = _issue(
        reach,
        reported=at(3, 1),
        deadline=D(2024, 3, 31),
        status=IssueStatus.CLOSED,
        closed=at(4, 2, 0, 30),
        supervised=True,
    )
    _row(escalated, on=at(3, 1, 11), deadline=D(2024, 3, 10))
    _row(escalated, on=at(3, 15, 0, 30), deadline=D(2024, 3, 31), action="escalate")
    # Deadline 3-05, voided on 3-20 while long overdue.
    w["voided"] = voided = _issue(
        reach,
        reported=at(3, 1),
        deadline=D(2024, 3, 5),
        status=IssueStatus.VOIDED,
        voided_at=at(3, 20),
        void_reason="duplicate",
    )
    _row(voided, on=at(3, 2), deadline=D(2024, 3, 5))
    # Assigned on 3-02 with deadline 3-10, never escalated, still being fixed.
    w["plain"] = plain = _issue(reach, reported=at(3, 1), deadline=D(2024, 3, 10))
    _row(plain, on=at(3, 2), deadline=D(2024, 3, 10))
    # Deadline 3-10 written without any history (a bulk insert): the issue's own deadline.
    w["bare"] = _issue(
        reach, reported=at(3, 1), deadline=D(2024, 3, 10), status=IssueStatus.ASSIGNED
    )
    # Reported in April, deadline 4-12.
    w["april"] = april = _issue(reach, reported=at(4, 10), deadline=D(2024, 4, 12))
    _row(april, on=at(4, 10, 11), deadline=D(2024, 4, 12))
    # Deadline 3-10, closed on 3-09: never late.
    w["on_time"] = on_time = _issue(
        reach,
        reported=at(3, 1),
        deadline=D(2024, 3, 10),
        status=IssueStatus.CLOSED,
        closed=at(3, 9),
    )
    _row(on_time, on=at(3, 1, 11), deadline=D(2024, 3, 10))
    # Deadline 3-10, closed in the afternoon of 3-11: one day late.
    w["late"] = late = _issue(
        reach,
        reported=at(3, 1),
        deadline=D(2024, 3, 10),
        status=IssueStatus.CLOSED,
        closed=at(3, 11, 15),
    )
    _row(late, on=at(3, 1, 11), deadline=D(2024, 3, 10))
    # Two settings on 3-05: 3-03 in the morning, corrected to 3-20 in the afternoon.
    w["corrected"] = corrected = _issue(reach, reported=at(3, 1), deadline=D(2024, 3, 20))
    _row(corrected, on=at(3, 5, 9), deadline=D(2024, 3, 3))
    _row(corrected, on=at(3, 5, 15), deadline=D(2024, 3, 20), action="edit")
    return w


def _on(day: D) -> set[int]:
    return set(Issue.objects.overdue_on(day).values_list("pk", flat=True))


def _during(first: D, last: D) -> set[int]:
    return set(Issue.objects.overdue_during(first, last).values_list("pk", flat=True))


def _names(world, pks: set[int]) -> set[str]:
    return {name for name, issue in world.items() if issue.pk in pks}


def test_an_escalated_issue_stays_overdue_for_the_days_before_its_escalation(world):
    assert "escalated" in _names(world, _during(D(2024, 3, 1), D(2024, 3, 31)))
    assert "escalated" in _names(world, _on(D(2024, 3, 12)))
    # 00:30 on 3-15 in Shanghai: the new deadline holds from 3-15, so 3-14 is still overdue.
    assert "escalated" in _names(world, _on(D(2024, 3, 14)))
    assert "escalated" in _names(world, _during(D(2024, 3, 14), D(2024, 3, 14)))
    assert "escalated" not in _names(world, _on(D(2024, 3, 15)))
    assert "escalated" not in _names(world, _on(D(2024, 3, 20)))
    assert "escalated" not in _names(world, _during(D(2024, 3, 15), D(2024, 3, 31)))
    assert "escalated" not in _names(world, _during(D(2024, 3, 1), D(2024, 3, 10)))
    # 4-01: open all day and past 3-31; closed at 00:30 on 4-02.
    assert "escalated" in _names(world, _on(D(2024, 4, 1)))
    assert "escalated" in _names(world, _during(D(2024, 4, 1), D(2024, 4, 30)))
    assert "escalated" not in _names(world, _on(D(2024, 4, 2)))
    assert "escalated" not in _names(world, _during(D(2024, 5, 1), D(2024, 5, 31)))


def test_a_voided_issue_is_never_overdue(world):
    for day in (D(2024, 3, 10), D(2024, 3, 19), D(2024, 3, 25)):
        assert "voided" not in _names(world, _on(day))
    assert "voided" not in _names(world, _during(D(2024, 1, 1), D(2024, 12, 31)))


def test_a_never_escalated_issue_is_overdue_from_the_day_after_its_deadline(world):
    assert "plain" not in _names(world, _on(D(2024, 3, 10)))
    assert "plain" in _names(world, _on(D(2024, 3, 11)))
    assert "plain" not in _names(world, _during(D(2024, 3, 1), D(2024, 3, 10)))
    assert "plain" in _names(world, _during(D(2024, 3, 11), D(2024, 3, 11)))
    assert "plain" in _names(world, _during(D(2024, 6, 1), D(2024, 6, 30)))


def test_without_history_the_issues_own_deadline_holds(world):
    assert "bare" not in _names(world, _on(D(2024, 3, 10)))
    assert "bare" in _names(world, _on(D(2024, 3, 11)))
    assert "bare" not in _names(world, _during(D(2024, 3, 1), D(2024, 3, 10)))
    assert "bare" in _names(world, _during(D(2024, 3, 5), D(2024, 3, 11)))


def test_an_issue_counts_only_once_reported(world):
    assert "april" not in _names(world, _during(D(2024, 3, 1), D(2024, 3, 31)))
    assert "april" not in _names(world, _on(D(2024, 3, 20)))
    assert "april" not in _names(world, _during(D(2024, 4, 1), D(2024, 4, 12)))
    assert "april" in _names(world, _during(D(2024, 4, 13), D(2024, 4, 13)))


def test_closed_on_time_never_late_and_closed_a_day_late_overdue_that_day(world):
    assert "on_time" not in _names(world, _during(D(2024, 1, 1), D(2024, 12, 31)))
    # Open in the morning of 3-11 and past 3-10; closed that afternoon.
    assert "late" in _names(world, _during(D(2024, 3, 11), D(2024, 3, 11)))
    assert "late" not in _names(world, _on(D(2024, 3, 11)))
    assert "late" not in _names(world, _during(D(2024, 3, 12), D(2024, 12, 31)))


def test_the_last_setting_of_a_day_is_the_one_in_force_that_day(world):
    assert "corrected" not in _names(world, _on(D(2024, 3, 5)))
    assert "corrected" not in _names(world, _during(D(2024, 3, 1), D(2024, 3, 20)))
    assert "corrected" in _names(world, _on(D(2024, 3, 21)))


def test_the_whole_world_on_one_day_and_in_one_month(world):
    assert _names(world, _on(D(2024, 3, 12))) == {"escalated", "plain", "bare"}
    assert _names(world, _during(D(2024, 3, 1), D(2024, 3, 31))) == {
        "escalated",
        "plain",
        "bare",
        "late",
        "corrected",
    }
    assert _names(world, _during(D(2024, 4, 1), D(2024, 4, 30))) == {
        "escalated",
        "plain",
        "bare",
        "april",
        "corrected",
    }


def test_one_query_each_and_usable_in_a_scoped_filter(
    world, street_a, street_b, django_assert_num_queries
):
    elsewhere = _issue(street_b.reaches[0], reported=at(3, 1), deadline=D(2024, 3, 10))
    scoped = Issue.objects.in_region(street_a.street)
    with django_assert_num_queries(1):
        assert scoped.overdue_on(D(2024, 3, 12)).count() == 3
    with django_assert_num_queries(1):
        assert scoped.overdue_during(D(2024, 3, 1), D(2024, 3, 31)).count() == 5
    assert elsewhere.pk in _on(D(2024, 3, 12))
    with django_assert_num_queries(1):
        inside = list(
            scoped.filter(
                pk__in=Issue.objects.overdue_during(D(2024, 4, 1), D(2024, 4, 30)).values("pk")
            )
        )
    assert len(inside) == 5
    # Two windows chained: overdue in March and in April alike.
    both = scoped.overdue_during(D(2024, 3, 1), D(2024, 3, 31)).overdue_during(
        D(2024, 4, 1), D(2024, 4, 30)
    )
    assert _names(world, set(both.values_list("pk", flat=True))) == {
        "escalated",
        "plain",
        "bare",
        "corrected",
    }


def test_overdue_days_counts_every_overdue_day_once(world):
    def days(name: str, today: D) -> int:
        issue = world[name]
        history = list(issue.deadlines.order_by("set_at", "pk"))
        return selectors.issue_overdue_days(issue=issue, history=history, today=today)

    # 3-11 .. 3-14 under 3-10, then 4-01 and 4-02 (closed that day) under 3-31.
    assert days("escalated", D(2024, 12, 31)) == 6
    assert days("plain", D(2024, 3, 15)) == 5  # 3-11 .. 3-15
    assert days("bare", D(2024, 3, 10)) == 0
    assert days("late", D(2024, 12, 31)) == 1
    assert days("on_time", D(2024, 12, 31)) == 0
    assert days("voided", D(2024, 12, 31)) == 0
    assert days("corrected", D(2024, 3, 22)) == 2  # 3-21, 3-22


# --- The writes that add rows ------------------------------------------------------------------


def _rows(issue) -> list[tuple]:
    return [
        (row.action, row.deadline, row.set_by_id)
        for row in IssueDeadline.objects.filter(issue=issue).order_by("set_at", "pk")
    ]


def test_report_assign_escalate_and_edit_each_add_a_row(street_a, office_a):
    issue = services.issue_report(
        user=office_a,
        title="岸边乱堆",
        category="dumping",
        source="office",
        reach=street_a.reaches[0],
        reported_at=at(3, 1),
        deadline=D(2024, 3, 8),
    )
    assert _rows(issue) == [("report", D(2024, 3, 8), office_a.pk)]
    services.issue_act(
        issue_id=issue.pk,
        user=office_a,
        action="assign",
        deadline=D(2024, 3, 10),
        assignee={"chief": street_a.chiefs[0]},
    )
    services.issue_act(issue_id=issue.pk, user=office_a, action="remind", comment="抓紧")
    services.issue_act(issue_id=issue.pk, user=office_a, action="escalate", deadline=D(2024, 3, 31))
    issue.refresh_from_db()
    services.issue_update(instance=issue, user=office_a, deadline=D(2024, 4, 5))
    assert _rows(issue) == [
        ("report", D(2024, 3, 8), office_a.pk),
        ("assign", D(2024, 3, 10), office_a.pk),
        ("escalate", D(2024, 3, 31), office_a.pk),
        ("edit", D(2024, 4, 5), office_a.pk),
    ]
    escalate = IssueEvent.objects.get(issue=issue, action="escalate")
    assert IssueDeadline.objects.get(issue=issue, action="escalate").event == escalate


def test_a_deadline_set_outside_the_services_is_kept_before_the_first_change(street_a, office_a):
    issue = _issue(
        street_a.reaches[0],
        reported=at(3, 1),
        deadline=D(2024, 3, 10),
        status=IssueStatus.ASSIGNED,
        assignee_chief=street_a.chiefs[0],
    )
    services.issue_act(issue_id=issue.pk, user=office_a, action="escalate", deadline=D(2099, 3, 31))
    rows = list(IssueDeadline.objects.filter(issue=issue).order_by("set_at", "pk"))
    assert [(r.action, r.deadline) for r in rows] == [
        ("edit", D(2024, 3, 10)),
        ("escalate", D(2099, 3, 31)),
    ]
    assert rows[0].set_at == at(3, 1)
    # So March stays overdue although the issue's deadline is now far off.
    assert issue.pk in _during(D(2024, 3, 1), D(2024, 3, 31))


def test_clearing_a_deadline_is_refused(street_a, office_a):
    issue = _issue(street_a.reaches[0], reported=at(3, 1), deadline=D(2024, 3, 10))
    with pytest.raises(Exception, match="不能清空"):
        services.issue_update(instance=issue, user=office_a, deadline=None)
    issue.refresh_from_db()
    assert issue.deadline == D(2024, 3, 10)


def test_the_automatic_escalation_writes_its_new_deadline_into_the_history(street_a, settings):
    calendar_services.calendar_sync_statutory()
    settings.ISSUE_ESCALATE_GRACE_DAYS = 3
    office = make_account(Role.OFFICE, street_a.street)
    issue = services.issue_report(
        user=office,
        title="河道内有建筑垃圾",
        category="dumping",
        source="patrol",
        reach=street_a.reaches[0],
        reported_at=timezone.make_aware(datetime.datetime(2024, 9, 20, 9, 0)),
    )
    services.issue_act(
        issue_id=issue.pk,
        user=office,
        action="assign",
        deadline=D(2024, 10, 8),
        assignee={"chief": street_a.chiefs[0]},
    )
    # The morning job of 10-14 (4 working days after 10-08), dated as it would have run.
    escalated = services.issue_auto_escalate(
        issue_id=issue.pk, overdue_deadline=D(2024, 10, 8), today=D(2024, 10, 14)
    )
    assert escalated is not None and escalated.deadline > D(2024, 10, 14)
    rows = list(IssueDeadline.objects.filter(issue=issue).order_by("set_at", "pk"))
    assert [(r.action, r.deadline, r.set_by_id) for r in rows] == [
        ("assign", D(2024, 10, 8), office.pk),
        ("escalate", escalated.deadline, None),
    ]
    assert rows[1].event.action == "escalate" and rows[1].event.by is None
    # The services stamp the present; the world is put back to when it happened.
    IssueDeadline.objects.filter(pk=rows[0].pk).update(set_at=at(9, 20, 10))
    IssueDeadline.objects.filter(pk=rows[1].pk).update(set_at=at(10, 14, 8))
    assert issue.pk in _during(D(2024, 10, 9), D(2024, 10, 13))
    assert issue.pk in _on(D(2024, 10, 13))
    assert issue.pk not in _on(D(2024, 10, 14))


def test_the_migration_rebuilds_the_history_from_the_timeline_and_the_orders(street_a, office_a):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("issues.migrations.0005_void_and_deadline_history")
    reach = street_a.reaches[0]
    # Assigned 3-01 (3-10), escalated 3-15 (3-31) with its order.
    timed = _issue(reach, reported=at(3, 1), deadline=D(2024, 3, 31))
    assign = factories.IssueEventFactory(
        issue=timed, action="assign", to_status="assigned", deadline=D(2024, 3, 10), by=office_a
    )
    escalate = factories.IssueEventFactory(
        issue=timed, action="escalate", to_status="assigned", deadline=D(2024, 3, 31)
    )
    IssueEvent.objects.filter(pk=assign.pk).update(at=at(3, 1, 11))
    IssueEvent.objects.filter(pk=escalate.pk).update(at=at(3, 15, 9))
    factories.SupervisionOrderFactory(
        issue=timed,
        event=escalate,
        original_deadline=D(2024, 3, 10),
        deadline=D(2024, 3, 31),
        issued_at=at(3, 15, 9),
    )
    # An order whose original deadline no event set; the current deadline set by no event.
    orphan = _issue(reach, reported=at(3, 1), deadline=D(2024, 4, 20))
    factories.SupervisionOrderFactory(
        issue=orphan, original_deadline=D(2024, 3, 5), deadline=D(2024, 3, 25), issued_at=at(3, 10)
    )
    # A deadline and no history at all.
    bare = _issue(reach, reported=at(3, 1), deadline=D(2024, 3, 10))
    IssueDeadline.objects.all().delete()

    migration.backfill_deadline_history(apps, None)

    def rows(issue):
        return [
            (r.action, r.deadline, r.set_at, r.set_by_id, r.event_id)
            for r in IssueDeadline.objects.filter(issue=issue).order_by("set_at", "pk")
        ]

    assert rows(timed) == [
        ("assign", D(2024, 3, 10), at(3, 1, 11), office_a.pk, assign.pk),
        ("escalate", D(2024, 3, 31), at(3, 15, 9), None, escalate.pk),
    ]
    assert rows(orphan) == [
        ("edit", D(2024, 3, 5), at(3, 1), None, None),
        ("escalate", D(2024, 3, 25), at(3, 10), None, None),
        ("edit", D(2024, 4, 20), at(3, 10), None, None),
    ]
    assert orphan.pk in _on(D(2024, 3, 7)) and orphan.pk not in _on(D(2024, 3, 12))
    assert rows(bare) == [("edit", D(2024, 3, 10), at(3, 1), None, None)]
    assert timed.pk in _on(D(2024, 3, 12)) and timed.pk not in _on(D(2024, 3, 20))
