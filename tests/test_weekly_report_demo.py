"""The weekly report (周汇报) of a demo week states the figures stats/ gives for that week."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from core.documents import build
from reports import weekly
from reports.models import WeeklyReport

from .conftest import make_account
from .documents import demo_street
from .test_weekly_reports import assert_equals_stats, stats_of

D = datetime.date


@pytest.fixture(scope="module")
def demo_week(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo street as seeded on 20 November 2026, and its report of 9 - 15 November."""
    with demo_street(django_db_blocker, tmp_path_factory, today=D(2026, 11, 20)) as street:
        report = WeeklyReport.objects.create(
            street=street, week=D(2026, 11, 9), queued_at=timezone.now()
        )
        built = build(weekly.WEEKLY_REPORTS, report.pk)
        assert built is not None and built.status == "done", built and built.error
        yield street, built.data


def test_weekly_report_of_a_demo_week_states_figures_equal_to_stats(client, demo_week, db):
    street, data = demo_week
    office = make_account(Role.OFFICE, street)
    stats = stats_of(client, office, D(2026, 11, 9))
    assert data["totals"]["chiefs"] > 0 and stats["patrols"] > 0  # the demo patrols that week
    assert_equals_stats(data, stats)
