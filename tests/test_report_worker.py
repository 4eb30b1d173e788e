"""Work reports built by real Celery workers (subprocesses) through Redis.

The second test kills a worker with SIGKILL in the middle of a build. To be sure the kill lands
while the row is ``running``, that worker is started with ``REPORT_BUILD_TEST_PAUSE`` (see
reports.services.PAUSE_ENV) in its environment only: the build then waits that many seconds at
each progress step. Nothing else reads the variable; it is never set outside this test.
"""

import datetime
import io
import os
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from reports import services
from reports.models import Report, ReportKind, ReportStatus
from reports.tasks import build_report

from .test_bulletins import _database_url, _redis_or_skip, _redis_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


class Workers:
    """Celery workers on a queue of this test's own, sending to it from this process too."""

    def __init__(self, tmp_path: Path, monkeypatch):
        from config.celery import app

        self.app = app
        self.redis_url = _redis_url()
        self.redis = _redis_or_skip(self.redis_url)
        self.queue = f"test-reports-{uuid.uuid4().hex[:12]}"
        self.tmp_path = tmp_path
        self.processes: list[tuple[subprocess.Popen, Path]] = []
        monkeypatch.setitem(app.conf, "broker_url", self.redis_url)
        monkeypatch.setitem(app.conf, "task_always_eager", False)
        # What the services queue after commit (a request, the sweeper) goes to this queue.
        monkeypatch.setattr(build_report, "delay", self.send)

    def send(self, report_id: int) -> None:
        with self.app.connection_for_write(self.redis_url) as broker:
            build_report.apply_async(args=[report_id], queue=self.queue, connection=broker)

    def start(self, **environment: str) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),  # the test database, which this test commits to
            "REDIS_URL": self.redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
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

    def wait_for(self, report: Report, condition, timeout: float = 90) -> Report:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            report.refresh_from_db()
            if condition(report):
                return report
            time.sleep(0.2)
        raise AssertionError(f"{report.status} {report.progress} {report.error}\n{self.logs()}")

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


@pytest.fixture
def workers(tmp_path, monkeypatch):
    pool = Workers(tmp_path, monkeypatch)
    try:
        yield pool
    finally:
        pool.stop()


def _report(region) -> Report:
    # Made by hand and sent by the test: the row is committed before any worker looks for it.
    return Report.objects.create(
        region=region, kind=ReportKind.QUARTERLY, year=2024, period=2, queued_at=timezone.now()
    )


def test_a_real_worker_builds_a_report_end_to_end(workers, street_a):
    workers.start()
    report = _report(street_a.street)
    workers.send(report.pk)
    report = workers.wait_for(report, lambda r: r.status in (ReportStatus.DONE, "failed"))
    assert report.status == ReportStatus.DONE, f"{report.error}\n{workers.logs()}"
    assert report.progress == 100 and report.attempts == 1
    assert report.pdf.read().startswith(b"%PDF")
    with zipfile.ZipFile(io.BytesIO(report.docx.read())) as docx:
        assert "word/document.xml" in docx.namelist()
    assert report.data["title"] and report.expires_at > timezone.now()
    assert "build_report" in workers.logs()  # it was the worker, not this process


def test_a_worker_killed_mid_build_leaves_the_report_done_not_running(workers, street_a):
    slow = workers.start(REPORT_BUILD_TEST_PAUSE="2")
    report = _report(street_a.street)
    workers.send(report.pk)
    # Past the claim and the first steps: in the middle of the build.
    workers.wait_for(report, lambda r: r.status == ReportStatus.RUNNING and r.progress >= 10)
    os.kill(slow.pid, signal.SIGKILL)
    slow.wait(timeout=10)
    time.sleep(1)
    report.refresh_from_db()
    assert report.status == ReportStatus.RUNNING  # its worker is gone: stuck until swept
    assert not report.pdf

    workers.start()
    # The sweeper's run once the timeout has passed (its clock moved on instead of waiting).
    later = timezone.now() + datetime.timedelta(minutes=settings.REPORT_STUCK_MINUTES + 1)
    assert services.report_sweep(now=later) == {"requeued": 1, "failed": 0, "resent": 0}
    report = workers.wait_for(report, lambda r: r.status in (ReportStatus.DONE, "failed"))
    assert report.status == ReportStatus.DONE, f"{report.error}\n{workers.logs()}"
    assert report.attempts == 2 and report.progress == 100
    assert report.pdf.read().startswith(b"%PDF")
    # Only the finished pair is stored: the killed build saved nothing.
    stored = sorted(path.name for path in Path(settings.MEDIA_ROOT, "reports").iterdir())
    assert stored == sorted([Path(report.pdf.name).name, Path(report.docx.name).name])
