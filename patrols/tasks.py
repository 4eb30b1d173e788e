"""Celery tasks of patrols: the monthly bulletins. Tasks take ids and are safe to run twice.

The state lives in the ``Bulletin`` row, not in Celery (core.jobs): a duplicate message finds
the row already claimed and does nothing, and the sweeper recovers rows whose worker died.
"""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.jobs import BUILD_MAX_RETRIES as BUILD_MAX_RETRIES
from core.jobs import TRANSIENT_ERRORS, build_task_options

from . import bulletins


@shared_task(bind=True, **build_task_options(stuck_minutes=settings.BULLETIN_STUCK_MINUTES))
def build_bulletin(self, bulletin_id: int) -> str:
    """Build one bulletin; transient errors are retried, any other fails the row (not raised)."""
    return bulletins.JOBS.run_task(
        self,
        bulletin_id,
        lambda pk, redelivered: bulletins.bulletin_build(bulletin_id=pk, redelivered=redelivered),
    )


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=60, acks_late=True)
def build_monthly_bulletins() -> int:
    """Beat, on the 1st: queue last month's bulletin of every street (existing ones are kept)."""
    return len(bulletins.bulletins_for_last_month(today=timezone.localdate()))


@shared_task(acks_late=True)
def sweep_stuck_bulletins() -> dict[str, int]:
    """Beat, every 10 minutes: re-queue or fail bulletins no worker is going to finish."""
    return bulletins.bulletin_sweep()
