"""Celery tasks of patrols: the monthly bulletins' beat (the bulletins themselves are built by
the document pipeline's one task, core.tasks.build_document) and the monthly partitions' upkeep."""

from celery import shared_task
from django.utils import timezone

from core.jobs import TRANSIENT_ERRORS

from . import bulletins, partitions


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=60, acks_late=True)
def build_monthly_bulletins() -> int:
    """Beat, on the 1st: queue last month's bulletin of every street (existing ones are kept)."""
    return len(bulletins.bulletins_for_last_month(today=timezone.localdate()))


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=60, acks_late=True)
def keep_patrol_partitions() -> list[str]:
    """Beat, daily: the patrols' partitions for this month and the next 12 (pg_partman's
    maintenance when it keeps them); returns the partitions created. Idempotent."""
    if not partitions.is_partitioned():
        return []
    return partitions.ensure_future_months(today=timezone.localdate())
