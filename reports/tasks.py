"""Celery tasks of the reports: the quarterly reports' beat (the reports themselves are built by
the document pipeline's one task, core.tasks.build_document) and the dashboard rollups. Tasks
take ids and are safe to run twice."""

import datetime

from celery import shared_task
from django.utils import timezone

from core.jobs import TRANSIENT_ERRORS

from . import services


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=60, acks_late=True)
def build_quarterly_reports() -> int:
    """Beat, on a quarter's first day: queue last quarter's report of every street."""
    return len(services.reports_for_last_quarter(today=timezone.localdate()))


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=60, acks_late=True)
def build_weekly_reports() -> int:
    """Beat, on Mondays: queue last week's report (周汇报) of every street (existing ones kept)."""
    from .weekly import weekly_reports_for_last_week

    return len(weekly_reports_for_last_week(today=timezone.localdate()))


# --- Dashboard rollups (reports.rollups) --------------------------------------------------------


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=10, acks_late=True)
def refresh_rollups(
    region_months: list[list] | None = None,
    chief_months: list[list] | None = None,
    issue_ids: list[int] | None = None,
) -> int:
    """Recompute the named rollup cells ([id, "YYYY-MM-01"] pairs) and the overdue spans (and
    cells) of ``issue_ids``; safe to run twice."""
    from . import rollups

    def keys(pairs):
        return [(int(pk), datetime.date.fromisoformat(month)) for pk, month in pairs or ()]

    return rollups.refresh(
        region_months=keys(region_months),
        chief_months=keys(chief_months),
        issue_ids=[int(pk) for pk in issue_ids or ()],
    )


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=60, acks_late=True)
def rebuild_recent_rollups(months: int = 2) -> int:
    """Beat, nightly: rebuild the last ``months`` months (roster or rule changes, lost messages)."""
    from . import rollups

    today = timezone.localdate()
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return rollups.rebuild(first=first, last=today).rows


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=10, acks_late=True)
def refresh_chief_rollups(since: str, chief_ids: list[int] | None = None) -> int:
    """Recompute chief cells from ``since`` ("YYYY-MM-DD") on, after a rule or roster change."""
    from . import rollups

    return rollups.refresh_chiefs_since(
        since=datetime.date.fromisoformat(since), chief_ids=chief_ids
    )
