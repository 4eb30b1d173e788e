"""Celery tasks of patrols: the monthly bulletins. Tasks take ids and are safe to run twice.

The state lives in the ``Bulletin`` row, not in Celery: a duplicate message finds the row
already claimed and does nothing, and the sweeper recovers rows whose worker died.
"""

from celery import shared_task
from celery.utils.log import get_task_logger
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import bulletins

logger = get_task_logger(__name__)

BUILD_MAX_RETRIES = 5


@shared_task(
    bind=True,
    autoretry_for=bulletins.TRANSIENT_ERRORS,
    max_retries=BUILD_MAX_RETRIES,
    retry_backoff=10,  # about 10, 20, 40, 80, 160 seconds, jittered
    retry_backoff_max=600,
    retry_jitter=True,
    acks_late=True,
    # Under the sweeper's timeout, so that a hung build fails before it is taken for lost.
    soft_time_limit=max(60, settings.BULLETIN_STUCK_MINUTES * 60 - 120),
)
def build_bulletin(self, bulletin_id: int) -> str:
    """Build one bulletin; transient errors are retried, any other fails the row (not raised)."""
    try:
        bulletin = bulletins.bulletin_build(bulletin_id=bulletin_id)
    except bulletins.TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            _give_up(bulletin_id, exc)
        raise
    return "skipped" if bulletin is None else bulletin.status


def _give_up(bulletin_id: int, exc: BaseException) -> None:
    with translation.override(bulletins.DOCUMENT_LANGUAGE):
        error = _(
            "数据库或文件存储暂时不可用，重试 %(n)s 次后仍未成功（%(detail)s），请稍后重新生成。"
        ) % {"n": BUILD_MAX_RETRIES, "detail": type(exc).__name__}
    try:
        bulletins.bulletin_give_up(bulletin_id=bulletin_id, error=error)
    except bulletins.TRANSIENT_ERRORS:
        # Still down: the row stays pending and the sweeper sends it again later.
        logger.exception("bulletin %s: could not record the failure", bulletin_id)


@shared_task(
    autoretry_for=bulletins.TRANSIENT_ERRORS,
    max_retries=3,
    retry_backoff=60,
    acks_late=True,
)
def build_monthly_bulletins() -> int:
    """Beat, on the 1st: queue last month's bulletin of every street (existing ones are kept)."""
    return len(bulletins.bulletins_for_last_month(today=timezone.localdate()))


@shared_task(acks_late=True)
def sweep_stuck_bulletins() -> dict[str, int]:
    """Beat, every 10 minutes: re-queue or fail bulletins no worker is going to finish."""
    counts = bulletins.bulletin_sweep()
    if any(counts.values()):
        logger.warning("bulletin sweep: %s", counts)
    return counts
