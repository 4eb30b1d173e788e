"""Celery tasks of patrols: the monthly bulletins' beat. The bulletins themselves are built by
the document pipeline's one task (core.tasks.build_document)."""

from celery import shared_task
from django.utils import timezone

from core.jobs import TRANSIENT_ERRORS

from . import bulletins


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=60, acks_late=True)
def build_monthly_bulletins() -> int:
    """Beat, on the 1st: queue last month's bulletin of every street (existing ones are kept)."""
    return len(bulletins.bulletins_for_last_month(today=timezone.localdate()))
