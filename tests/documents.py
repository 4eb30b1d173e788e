"""Helpers of the document pipeline's tests (core.documents): the demo street to build documents
of, rows made stuck by hand, and real Celery workers (subprocesses) on a queue of the test's
own, through Redis.

A test that kills a worker in the middle of a build starts it with ``DOCUMENT_BUILD_TEST_PAUSE``
(core.jobs.PAUSE_ENV) in its environment only: the build then waits that many seconds after
each progress step, so the kill lands while the row is ``running``. Nothing else reads the
variable; it is never set outside these tests.
"""

import datetime
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from core.jobs import PAUSE_ENV
from core.models import Job, JobStatus
from core.tasks import build_document


@contextmanager
def demo_street(django_db_blocker, tmp_path_factory, *, today: datetime.date) -> Iterator:
    """For a module's fixture: the demo street as `manage.py seed_demo` leaves it on ``today``
    (东风街道), its documents' files in a scratch folder; all rolled back after the module."""
    from accounts.models import Region
    from demo.street import build_demo

    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(MEDIA_ROOT=str(media)),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        build_demo(today=today)
        yield Region.objects.get(name="东风街道")
        transaction.set_rollback(True)


def stuck(row: Job, *, attempts: int, minutes: int = 31, beating: bool = False) -> Job:
    """``row`` running for ``minutes``; its worker silent since (dead), or still ``beating``."""
    started_at = timezone.now() - datetime.timedelta(minutes=minutes)
    type(row).objects.filter(pk=row.pk).update(
        status=JobStatus.RUNNING,
        attempts=attempts,
        progress=40,
        started_at=started_at,
        heartbeat_at=timezone.now() if beating else started_at,
    )
    return row


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_or_skip(url: str):
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis unreachable at {url} ({exc}): the real-worker test needs it")
    return client


def database_url() -> str:
    """The test database, which a transactional test commits to, for a worker to read."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}{port}/{db['NAME']}"


class Workers:
    """Celery workers on a queue of this test's own, sending to it from this process too."""

    def __init__(self, tmp_path: Path, monkeypatch):
        from config.celery import app

        self.app = app
        self.redis_url = redis_url()
        self.redis = redis_or_skip(self.redis_url)
        self.queue = f"test-documents-{uuid.uuid4().hex[:12]}"
        self.tmp_path = tmp_path
        self.processes: list[tuple[subprocess.Popen, Path]] = []
        monkeypatch.setitem(app.conf, "broker_url", self.redis_url)
        monkeypatch.setitem(app.conf, "task_always_eager", False)
        # What the services queue after commit (a request, the sweeper) goes to this queue.
        monkeypatch.setattr(build_document, "delay", self.send)

    def send(self, kind: str, pk: int) -> None:
        with self.app.connection_for_write(self.redis_url) as broker:
            build_document.apply_async(args=[kind, pk], queue=self.queue, connection=broker)

    def start(self, *, pause: float = 0, **environment: str) -> subprocess.Popen:
        """A worker; with ``pause``, one whose builds wait that long after each progress step."""
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **({PAUSE_ENV: str(pause)} if pause else {}),
            **environment,
        }
        name = f"{self.queue}-{len(self.processes)}"
        log = self.tmp_path / f"{name}.log"
        command = [
            *(sys.executable, "-m", "celery", "-A", "config", "worker"),
            *("--pool", "solo", "--concurrency", "1", "-Q", self.queue, "-n", f"{name}@%h"),
            *("--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "INFO"),
        ]
        with log.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603 (our own command line)
                command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
            )
        self.processes.append((process, log))
        return process

    def logs(self) -> str:
        return "\n".join(log.read_text()[-3000:] for _process, log in self.processes)

    def wait_for(self, row: Job, condition, timeout: float = 90) -> Job:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row.refresh_from_db()
            if condition(row):
                return row
            time.sleep(0.2)
        raise AssertionError(f"{row.status} {row.progress} {row.error}\n{self.logs()}")

    def stop(self) -> None:
        for process, _log in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        self.redis.delete(self.queue, f"_kombu.binding.{self.queue}")
        # A killed worker's message waits in the transport's unacked set to be restored to this
        # queue after the visibility timeout; nobody would read it: remove it.
        for tag, payload in self.redis.hgetall("unacked").items():
            if self.queue.encode() in payload:
                self.redis.hdel("unacked", tag)
                self.redis.zrem("unacked_index", tag)
