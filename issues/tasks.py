"""Celery tasks of issues: the morning deadline job (beat, 08:00 Asia/Shanghai).

It is safe to run twice, or to retry: every reminder is stored under a unique key and every
escalation is conditional on the deadline it found overdue (see ``issues.deadlines``).
"""

import datetime

from celery import shared_task
from celery.utils.log import get_task_logger
from django.db import InterfaceError, OperationalError

from . import deadlines

logger = get_task_logger(__name__)


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=60,
    acks_late=True,
)
def morning_deadline_run(*, today: datetime.date | str | None = None) -> dict:
    """Remind assignees before and on their deadlines, and supervise long-overdue issues.

    ``today`` (a date, or ISO text when sent through the broker) is for tests and for running
    a missed morning again; by default it is today in the portal's time zone.
    """
    if isinstance(today, str):
        today = datetime.date.fromisoformat(today)
    run = deadlines.deadline_run(today=today)
    if run.failed:
        logger.warning("deadline run: %s", run.as_dict())
    return run.as_dict()
