"""What must always hold is held by the database itself, not only by Django's validation.

Every bad row here is written with raw SQL (an UPDATE, or an INSERT copying a good row), as a
script, a bulk path or a hand-typed psql session would: PostgreSQL refuses it by the named
constraint. The demo (seed_demo, tests/test_seed_demo.py) is built under these constraints.
"""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from activities.models import Cleanup
from issues.models import Issue
from patrols.models import Patrol
from reports.models import Report
from rivers.models import Chief

from . import factories

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def _refused(sql: str, params: list, constraint: str) -> None:
    """``sql`` must fail on ``constraint`` (check or unique), leaving the row as it was."""
    with pytest.raises(IntegrityError) as refused, transaction.atomic(), connection.cursor() as c:
        c.execute(sql, params)
    assert refused.value.__cause__.diag.constraint_name == constraint


def _update(model, pk: int, column: str, value, constraint: str) -> None:
    table = model._meta.db_table
    _refused(f'UPDATE {table} SET "{column}" = %s WHERE id = %s', [value, pk], constraint)  # noqa: S608


def _accepted(model, pk: int, column: str, value) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {model._meta.db_table} SET "{column}" = %s WHERE id = %s',  # noqa: S608
            [value, pk],
        )
        assert cursor.rowcount == 1


def _copy(model, pk: int, constraint: str, **changes) -> None:
    """INSERT a copy of row ``pk`` (a new id, ``changes`` applied): must fail on ``constraint``."""
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and f.column not in ("uuid",)
    ]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    values = ", ".join("%s" if f.column in changes else f'"{f.column}"' for f in fields)
    params = [changes[f.column] for f in fields if f.column in changes]
    table = model._meta.db_table
    _refused(
        f"INSERT INTO {table} ({columns}) SELECT {values} FROM {table} WHERE id = %s",  # noqa: S608
        [*params, pk],
        constraint,
    )


def test_an_issue_deadline_before_the_local_day_it_was_reported_is_refused(street_a):
    # 2024-05-05 17:30 UTC is already 6 May in Asia/Shanghai.
    reported = datetime.datetime(2024, 5, 5, 17, 30, tzinfo=UTC)
    issue = factories.IssueFactory(reach=street_a.reaches[0], reported_at=reported)
    _update(
        Issue, issue.pk, "deadline", datetime.date(2024, 5, 5), "issue_deadline_not_before_reported"
    )
    _accepted(Issue, issue.pk, "deadline", datetime.date(2024, 5, 6))  # the same local day
    # Nor can the report time move past a deadline that is set.
    _update(
        Issue,
        issue.pk,
        "reported_at",
        datetime.datetime(2024, 5, 7, 1, 0, tzinfo=UTC),
        "issue_deadline_not_before_reported",
    )
    _copy(
        Issue,
        issue.pk,
        "issue_deadline_not_before_reported",
        deadline=datetime.date(2024, 4, 1),
        code="X-1",
    )
    issue.refresh_from_db()
    assert issue.deadline == datetime.date(2024, 5, 6) and issue.reported_at == reported


def test_an_issue_closed_before_it_was_reported_is_refused(street_a):
    issue = factories.IssueFactory(reach=street_a.reaches[0])
    before = issue.reported_at - datetime.timedelta(minutes=1)
    _update(Issue, issue.pk, "closed_at", before, "issue_closed_after_reported")


def test_a_patrol_that_does_not_end_after_it_starts_or_measures_below_zero_is_refused(street_a):
    patrol = factories.PatrolFactory(chief=street_a.chiefs[0], reach=street_a.reaches[0])
    _update(Patrol, patrol.pk, "ended_at", patrol.started_at, "patrol_ends_after_it_starts")
    _update(
        Patrol,
        patrol.pk,
        "ended_at",
        patrol.started_at - datetime.timedelta(minutes=5),
        "patrol_ends_after_it_starts",
    )
    _update(Patrol, patrol.pk, "distance_km", -0.5, "patrol_distance_not_negative")
    patrol.refresh_from_db()
    assert patrol.ended_at > patrol.started_at and patrol.distance_km > 0


def test_a_second_report_of_the_same_kind_period_and_region_is_refused(street_a, street_b):
    report = factories.ReportFactory(region=street_a.street)
    _copy(Report, report.pk, "report_unique_region_kind_period")
    # Another region, or another period, is a report of its own.
    with connection.cursor() as cursor:
        for column, value in (("region_id", street_b.street.pk), ("year", report.year - 1)):
            cursor.execute(
                f'UPDATE {Report._meta.db_table} SET "{column}" = %s WHERE id = %s',  # noqa: S608
                [value, report.pk],
            )
    assert Report.objects.count() == 1


def test_a_chief_relieved_before_being_appointed_is_refused(street_a):
    chief = street_a.chiefs[0]
    _update(
        Chief,
        chief.pk,
        "relieved_on",
        chief.appointed_on - datetime.timedelta(days=1),
        "chief_relieved_after_appointed",
    )
    _accepted(Chief, chief.pk, "relieved_on", chief.appointed_on)  # a single day's appointment


@pytest.mark.parametrize("column", ["garbage_t", "garbage_m3", "net_m"])
def test_negative_cleanup_amounts_are_refused(street_a, column):
    cleanup = factories.CleanupFactory(region=street_a.street)
    _update(Cleanup, cleanup.pk, column, -1, "cleanup_amounts_not_negative")
