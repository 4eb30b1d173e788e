"""Celery tasks of the work reports. Tasks take ids and are safe to run twice.

The state lives in the ``Report`` row, not in Celery (core.jobs): a duplicate message finds
the row already claimed and does nothing, and the sweeper recovers rows whose worker died.
"""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.jobs import BUILD_MAX_RETRIES as BUILD_MAX_RETRIES
from core.jobs import TRANSIENT_ERRORS, build_task_options

from . import services


@shared_task(bind=True, **build_task_options(stuck_minutes=settings.REPORT_STUCK_MINUTES))
def build_report(self, report_id: int) -> str:
    """Build one report; transient errors are retried, any other fails the row (not raised)."""
    return services.REPORT_JOBS.run_task(
        self,
        report_id,
        lambda pk, redelivered: services.report_build(report_id=pk, redelivered=redelivered),
    )


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=60, acks_late=True)
def build_quarterly_reports() -> int:
    """Beat, on a quarter's first day: queue last quarter's report of every street."""
    return len(services.reports_for_last_quarter(today=timezone.localdate()))


@shared_task(acks_late=True)
def sweep_stuck_reports() -> dict[str, int]:
    """Beat, every 10 minutes: re-queue or fail reports no worker is going to finish."""
    return services.report_sweep()


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=60, acks_late=True)
def clean_expired_reports() -> int:
    """Beat, daily: delete the files of reports past their expiry (the rows stay)."""
    return services.report_clean_expired(now=timezone.now())


# --- Dashboard rollups (reports.rollups) --------------------------------------------------------


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=10, acks_late=True)
def refresh_rollups(
    region_months: list[list] | None = None, chief_months: list[list] | None = None
) -> int:
    """Recompute the named rollup cells ([id, "YYYY-MM-01"] pairs); safe to run twice."""
    from . import rollups

    def keys(pairs):
        return [(int(pk), datetime.date.fromisoformat(month)) for pk, month in pairs or ()]

    return rollups.refresh(region_months=keys(region_months), chief_months=keys(chief_months))


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
