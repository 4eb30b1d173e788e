"""Celery tasks of the document pipeline (core.documents): one build task for every kind, the
sweeper and the cleanup. Tasks take names and ids and are safe to run twice.

The state lives in the document's row, not in Celery (core.jobs): a duplicate message finds
the row already claimed and does nothing, and the sweeper recovers rows whose worker died.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import documents, health
from .jobs import TRANSIENT_ERRORS, build_task_options

logger = logging.getLogger(__name__)


# Its time limits stay under the shortest stuck timeout of the kinds it builds (settings).
@shared_task(bind=True, **build_task_options(stuck_minutes=settings.DOCUMENT_TASK_STUCK_MINUTES))
def build_document(self, kind: str, pk: int) -> str:
    """Build one document; transient errors are retried, any other fails the row (not raised)."""
    try:
        document = documents.kind(kind)
    except LookupError:
        # A message sent before its kind was removed: nothing can build it.
        logger.error("build_document: no document kind %r (row %s)", kind, pk)
        return "unknown"
    return document.jobs.run_task(
        self, pk, lambda pk, redelivered: documents.build(document, pk, redelivered=redelivered)
    )


@shared_task(acks_late=True)
def sweep_documents() -> dict[str, dict[str, int]]:
    """Beat, every 2 minutes: re-queue or fail the documents no worker is going to finish."""
    return documents.sweep()


@shared_task(autoretry_for=TRANSIENT_ERRORS, max_retries=3, retry_backoff=60, acks_late=True)
def clean_expired_documents() -> int:
    """Beat, daily: delete the files of documents past their expiry (the rows stay)."""
    return documents.clean_expired(now=timezone.now())


@shared_task(ignore_result=True)
def beat_heartbeat() -> float:
    """Beat, every minute: stamp the time readiness (core.health) checks beat by."""
    return health.stamp_beat_heartbeat()
