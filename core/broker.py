"""Sending tasks from a request without ever making the request wait on Redis.

Every task a request causes (a report or bulletin build, a notification's delivery, a rollup
refresh) is sent once the transaction commits, through ``send_on_commit``: the rows it refers
to are saved first, so a message that never leaves costs nothing but time (the sweepers send
pending job rows again, the rollups are rebuilt nightly). A send that fails is logged and
swallowed; the broker's connect and read timeouts (``REDIS_TIMEOUT``, config/settings/base.py)
bound how long it may take, and after a failure the ``Breaker`` skips Redis altogether for
``REDIS_BACKOFF_SECONDS``, so that a hung broker costs one request one timeout, not every send
of every request a timeout each.
"""

from __future__ import annotations

import logging
import threading
import time
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


class Breaker:
    """A process-wide "Redis did not answer lately" flag, shared by every thread."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._open_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def trip(self) -> None:
        with self._lock:
            self._open_until = time.monotonic() + settings.REDIS_BACKOFF_SECONDS

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0


BROKER = Breaker("broker")


def send_now(task: Any, /, *args: Any, **kwargs: Any) -> bool:
    """``task.delay(*args, **kwargs)``; False (logged) when it could not be sent. Never raises."""
    name = getattr(task, "name", repr(task))
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # In-process (no broker): the task runs here; its failure is logged, not the request's.
        try:
            task.delay(*args, **kwargs)
        except Exception:
            logger.exception("task %s failed in-process", name)
            return False
        return True
    if BROKER.is_open():
        logger.warning("task %s not sent: the broker did not answer lately %s", name, args)
        return False
    try:
        task.delay(*args, **kwargs)
    except Exception as exc:
        BROKER.trip()
        logger.error(
            "task %s not sent, the broker did not answer (%s: %s); skipping it for %s s",
            name,
            type(exc).__name__,
            exc,
            settings.REDIS_BACKOFF_SECONDS,
        )
        return False
    return True


def send_on_commit(task: Any, /, *args: Any, **kwargs: Any) -> None:
    """Send ``task`` with these arguments once the current transaction commits (at once
    outside one); a broker that is down or hung never fails or stalls the request."""
    transaction.on_commit(partial(send_now, task, *args, **kwargs), robust=True)
