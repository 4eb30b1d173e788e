"""Rows that are their own background job (core.models.Job): queue, claim, build, publish.

The state lives in the row, not in Celery, so that a job runs once however many messages are
sent and is never left half done:

- a request creates or resets the row and sends its id to a worker *after commit* (robust: a
  broker that is down does not undo the request; the row stays pending and the sweeper sends
  it again);
- a worker claims the row with a conditional UPDATE (pending -> running) whose ``started_at``
  is the claim's token; every later write of that worker (progress, the result, the failure)
  is conditional on the claim, so a worker the sweeper has given up on can never overwrite
  the build that replaced it;
- a transient error (database, file store) puts the row back to pending for the task to retry
  with backoff; after the last retry the row is failed; any other error fails it at once with
  a readable message;
- the building worker beats: every progress step, and a thread every quarter of
  ``JOB_HEARTBEAT_STALE_SECONDS``, write ``heartbeat_at``; a running row silent for longer
  lost its worker (SIGKILL, out of memory, the host gone);
- a worker that dies mid-build never acknowledges its message (acks late): the broker gives it
  back (Redis: after the visibility timeout; a lost pool child: at once), and that
  *redelivered* message takes the running row over while it has attempts left; any message
  takes over a row whose heartbeat is stale, and a regenerate or a new request resets one to
  pending, so nobody waits for the visibility timeout or the sweeper;
- the sweeper re-queues rows whose heartbeat is stale or that run past the timeout, up to
  ``max_attempts`` claims, then fails them, and resends pending rows whose message was lost.

One ``Jobs`` per model says what is specific: the model, the document kind it is sent as (the
one Celery task, core.tasks.build_document, builds every kind: core.documents), the timeout
setting, the language of the messages and the wording of a build's failure.
"""

from __future__ import annotations

import datetime
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .broker import send_on_commit
from .models import Job, JobStatus

logger = logging.getLogger(__name__)

# Worth another try later: the database or the file store was briefly unavailable.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, OSError)
# How often a task retries a transient error (about 10, 20, 40, 80, 160 seconds, jittered).
BUILD_MAX_RETRIES = 5
# Test hook, documented in tests/documents.py: seconds a build waits after each progress step,
# set only in the environment of a worker a test kills in the middle of a build.
PAUSE_ENV = "DOCUMENT_BUILD_TEST_PAUSE"

J = TypeVar("J", bound=Job)


def stale_running(*, now: datetime.datetime | None = None) -> Q:
    """Running rows whose worker has been silent for ``JOB_HEARTBEAT_STALE_SECONDS``: it died.
    (A row claimed before heartbeats existed counts from its claim.)"""
    cutoff = (now or timezone.now()) - datetime.timedelta(
        seconds=settings.JOB_HEARTBEAT_STALE_SECONDS
    )
    return Q(status=JobStatus.RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )


def build_task_options(*, stuck_minutes: int, max_retries: int = BUILD_MAX_RETRIES) -> dict:
    """Options of a build task (``@shared_task(bind=True, **options)``).

    The time limits stay under the sweeper's timeout, so that a hung build ends (and its row is
    failed or retried) before the sweeper takes it for lost.
    """
    soft = max(60, stuck_minutes * 60 - 120)
    return {
        "autoretry_for": TRANSIENT_ERRORS,
        "max_retries": max_retries,
        "retry_backoff": 10,
        "retry_backoff_max": 600,
        "retry_jitter": True,
        "acks_late": True,
        # A worker killed mid-build gives its message back; the claim makes the rerun harmless.
        "reject_on_worker_lost": True,
        "soft_time_limit": soft,
        "time_limit": soft + 60,
    }


@dataclass(frozen=True)
class Claim(Generic[J]):
    """A worker's hold on one row; every write through it is void once the hold is lost."""

    jobs: Jobs[J]
    pk: int
    token: datetime.datetime

    def rows(self) -> QuerySet[J]:
        return self.jobs.model.objects.filter(
            pk=self.pk, status=JobStatus.RUNNING, started_at=self.token
        )

    def progress(self, value: int) -> None:
        """Record a progress step; it is a heartbeat too."""
        self.rows().update(progress=max(0, min(100, int(value))), heartbeat_at=timezone.now())
        if pause := float(os.environ.get(PAUSE_ENV) or 0):
            time.sleep(pause)

    def beat(self) -> bool:
        """Say the build is alive; False once the claim is lost (nothing more to beat for)."""
        return bool(self.rows().update(heartbeat_at=timezone.now()))

    def store(self, instance: J, field_name: str, name: str, content: bytes) -> str:
        """Save ``content`` in the storage of ``instance.<field_name>``; the stored name."""
        return getattr(instance, field_name).storage.save(name, ContentFile(content))

    def publish(self, instance: J, *, files: dict[str, str], **fields: Any) -> bool:
        """End the build ``done`` with its stored ``files`` (field -> name) and ``fields``.

        False when the claim was lost meanwhile: the new files are deleted, the build that
        replaced this one counts. Otherwise the files this version replaces are deleted.
        """
        done = self.rows().update(
            status=JobStatus.DONE,
            progress=100,
            error="",
            finished_at=timezone.now(),
            **files,
            **fields,
        )
        for field_name, name in files.items():
            old = getattr(instance, field_name)
            if not done:
                old.storage.delete(name)
            elif old and old.name != name:
                old.storage.delete(old.name)
        if not done:
            logger.warning(
                "%s %s: claim lost before saving; result discarded", self.jobs.label, self.pk
            )
        return bool(done)

    def fail(self, error: str) -> None:
        self.rows().update(status=JobStatus.FAILED, error=error, finished_at=timezone.now())


@dataclass
class Jobs(Generic[J]):
    """The job machinery of one model."""

    model: type[J]
    # The document kind (core.documents) the row is built as: what its message names.
    kind: str
    # "生成通报时出错：%(detail)s。……": how an unexpected error is told to the office.
    error_message: Any
    # Name of the setting with the sweeper's timeout in minutes.
    stuck_setting: str = "DOCUMENT_STUCK_MINUTES"
    # The documents are official Chinese documents whatever language the request came in.
    language: str = "zh-hans"
    # A build that got stuck (its worker died) is tried once more, then failed.
    max_attempts: int = 2
    # Errors whose message is shown as is (not transient, not a bug).
    readable_errors: tuple[type[BaseException], ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return self.model._meta.model_name

    # --- queueing -------------------------------------------------------------------------

    def send(self, pk: int) -> None:
        """Send ``pk`` to a worker once the current transaction commits."""
        # After commit, so that the worker finds the row; fail-fast and logged (core.broker),
        # because a broker that is down or hung must neither undo nor stall the request: the
        # row stays pending and the sweeper (or a regenerate) sends it again. Imported here:
        # the task's module imports the registry, which imports this one.
        send_on_commit(import_string("core.tasks.build_document"), self.kind, pk)

    def request(self, *, rebuild: bool = False, **lookup: Any) -> J:
        """The row of ``lookup`` queued: created and sent, or else queued again as ``requeue``
        does (a failed one; a done one only with ``rebuild``). Asking again is harmless."""
        row, created = self.model.objects.get_or_create(
            **lookup, defaults={"queued_at": timezone.now()}
        )
        if created:
            self.send(row.pk)
        elif self.requeue(row.pk, rebuild=rebuild):
            row.refresh_from_db()
        return row

    def requeue(self, pk: int, *, rebuild: bool = False, send: bool = True, **fields: Any) -> bool:
        """Queue again a failed (or lost pending) row, and a done one only with ``rebuild``;
        a build running right now is left alone. ``fields`` are written with the reset.
        ``send=False`` only resets: the caller builds the row itself (core.documents)."""
        statuses = [JobStatus.FAILED, JobStatus.PENDING]
        if rebuild:
            statuses.append(JobStatus.DONE)
        # A "running" row whose worker stopped beating is no build: reset it too. Its dead
        # worker's claim (started_at) is void from now on.
        resettable = Q(status__in=statuses) | stale_running()
        reset = self.model.objects.filter(resettable, pk=pk).update(
            status=JobStatus.PENDING,
            progress=0,
            error="",
            queued_at=timezone.now(),
            attempts=0,
            **fields,
        )
        if reset and send:
            # Sending a pending row again is harmless: only one worker can claim it.
            self.send(pk)
        return bool(reset)

    # --- building -------------------------------------------------------------------------

    def claim(self, pk: int, *, redelivered: bool = False) -> Claim[J] | None:
        """Claim a pending row, or a running one with attempts left whose heartbeat is stale;
        with ``redelivered`` (the broker gave back the message of a worker that died holding
        it) any running one with attempts left. The dead worker's claim is void from now on,
        so even if it were alive its writes would be lost.
        """
        token = timezone.now()
        claimable = Q(status=JobStatus.PENDING) | (
            stale_running(now=token) & Q(attempts__lt=self.max_attempts)
        )
        if redelivered:
            claimable |= Q(status=JobStatus.RUNNING, attempts__lt=self.max_attempts)
        claimed = self.model.objects.filter(claimable, pk=pk).update(
            status=JobStatus.RUNNING,
            started_at=token,
            heartbeat_at=token,
            finished_at=None,
            progress=1,
            error="",
            attempts=F("attempts") + 1,
        )
        if not claimed:
            logger.info("%s %s is not pending; nothing to build", self.label, pk)
            return None
        if redelivered:
            logger.warning("%s %s: redelivered message claimed the build", self.label, pk)
        return Claim(jobs=self, pk=pk, token=token)

    def run(
        self,
        pk: int,
        build: Callable[[Claim[J]], None],
        *,
        redelivered: bool = False,
        raise_readable: bool = False,
    ) -> bool:
        """Claim row ``pk`` (see ``claim``) and ``build`` it; False when it was not claimed.

        A transient error puts the row back to pending and propagates, for the task to retry;
        any other error fails the row with a readable message and is not raised again (a
        ``readable_errors`` one is, with ``raise_readable``: a build in a request answers it).
        Not one transaction: the progress must be seen while the build runs, so every write
        is a single conditional UPDATE instead.
        """
        claim = self.claim(pk, redelivered=redelivered)
        if claim is None:
            return False
        with _Heartbeat(claim), translation.override(self.language):
            try:
                build(claim)
            except TRANSIENT_ERRORS:
                # Back to pending for the retry to claim; if even this fails, the sweeper will.
                claim.rows().update(status=JobStatus.PENDING, progress=0)
                raise
            except self.readable_errors as exc:
                claim.fail(str(exc))
                if raise_readable:
                    raise
            except Exception as exc:
                logger.exception("%s %s failed", self.label, pk)
                claim.fail(self.readable(exc))
        return True

    def readable(self, exc: BaseException) -> str:
        detail = str(exc).strip() or type(exc).__name__
        return (self.error_message % {"detail": detail})[:1000]

    def give_up(self, pk: int, error: str) -> None:
        """After the last retry: a row left pending by a transient error is failed."""
        self.model.objects.filter(pk=pk, status=JobStatus.PENDING).update(
            status=JobStatus.FAILED, error=error, finished_at=timezone.now()
        )

    def run_task(self, task, pk: int, build: Callable[[int, bool], J | None]) -> str:
        """The body of a build task (``task`` is the bound task): ``build(pk, redelivered)``
        returns the row, or None when there was nothing to build (a duplicate message)."""
        delivery = getattr(task.request, "delivery_info", None) or {}
        try:
            row = build(pk, bool(delivery.get("redelivered")))
        except TRANSIENT_ERRORS as exc:
            if task.request.retries >= task.max_retries:
                self._give_up_after_retries(pk, exc, retries=task.max_retries)
            raise
        return "skipped" if row is None else row.status

    def _give_up_after_retries(self, pk: int, exc: BaseException, *, retries: int) -> None:
        with translation.override(self.language):
            error = _(
                "数据库或文件存储暂时不可用，"
                "重试 %(n)s 次后仍未成功（%(detail)s），请稍后重新生成。"
            ) % {"n": retries, "detail": type(exc).__name__}
        try:
            self.give_up(pk, error)
        except TRANSIENT_ERRORS:
            # Still down: the row stays pending and the sweeper sends it again later.
            logger.exception("%s %s: could not record the failure", self.label, pk)

    # --- the sweeper ----------------------------------------------------------------------

    def sweep(self, *, now: datetime.datetime | None = None) -> dict[str, int]:
        """Rows no worker will finish: running past the timeout (the worker died), or pending
        past it (the message was lost, e.g. the broker was down when it was sent)."""
        now = now or timezone.now()
        cutoff = now - datetime.timedelta(minutes=getattr(settings, self.stuck_setting))
        counts = {"requeued": 0, "failed": 0, "resent": 0}
        stuck = self.model.objects.filter(
            Q(status=JobStatus.RUNNING, started_at__lt=cutoff) | stale_running(now=now)
        )
        for pk, attempts, started_at in stuck.values_list("pk", "attempts", "started_at"):
            claim = Claim(jobs=self, pk=pk, token=started_at)
            if attempts < self.max_attempts:
                with transaction.atomic():
                    if claim.rows().update(status=JobStatus.PENDING, progress=0, queued_at=now):
                        self.send(pk)
                        counts["requeued"] += 1
                continue
            with translation.override(self.language):
                error = _("生成超时：已尝试 %(n)s 次仍未完成，请重新生成。") % {"n": attempts}
            if claim.rows().update(status=JobStatus.FAILED, finished_at=now, error=error):
                counts["failed"] += 1
        lost = self.model.objects.filter(status=JobStatus.PENDING, queued_at__lt=cutoff)
        for pk in lost.values_list("pk", flat=True):
            with transaction.atomic():
                # A second message for a row still in the queue is harmless: one claim wins.
                if self.model.objects.filter(
                    pk=pk, status=JobStatus.PENDING, queued_at__lt=cutoff
                ).update(queued_at=now):
                    self.send(pk)
                    counts["resent"] += 1
        if any(counts.values()):
            logger.warning("%s sweep: %s", self.label, counts)
        return counts


class _Heartbeat:
    """Beats for a claim from a thread while the build runs, between its progress steps (a
    long PDF layout writes none for a while), and stops with the build or the lost claim.

    Only in a worker: the thread has its own database connection, which an eager build inside
    a transaction (the test suite, ``make run``) must not have waiting on the row it locked;
    there the progress steps are the beats.
    """

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> _Heartbeat:
        if settings.CELERY_TASK_ALWAYS_EAGER or connection.in_atomic_block:
            return self
        self.thread = threading.Thread(
            target=self._beat, name=f"heartbeat-{self.claim.jobs.label}-{self.claim.pk}"
        )
        self.thread.daemon = True
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=10)

    def _beat(self) -> None:
        interval = max(0.5, settings.JOB_HEARTBEAT_STALE_SECONDS / 4)
        try:
            while not self.stop.wait(interval):
                try:
                    if not self.claim.beat():
                        return
                except TRANSIENT_ERRORS:
                    # The database blinked: the next beat will do; a stale row is only retried.
                    logger.warning("%s %s: heartbeat failed", self.claim.jobs.label, self.claim.pk)
        finally:
            connection.close()
