"""Faults of the background machinery: a worker killed mid-build, and Redis stopped.

Both tests run against a Redis server of their own (a subprocess on a free port), so that what
they do to the broker (a short visibility timeout restores *every* unacknowledged message of the
server; the second test kills it) never touches the Redis other tests and workers use. The real
Celery workers come from tests/documents.py (``Workers``).
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import Role
from core.cache import ResilientRedisCache
from core.documents import build
from core.tasks import build_document
from issues.models import Issue
from patrols.models import Patrol
from reports.models import Report, ReportStatus
from rivers.models import Chief

from . import factories
from .conftest import make_account
from .documents import Workers, database_url
from .test_document_worker import _report
from .test_patrols import _payload as patrol_payload

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("media_root"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PrivateRedis:
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis():
    binary = shutil.which("redis-server")
    assert binary, "redis-server is needed (.ci/run installs it)"
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = PrivateRedis(process=process, port=port)
    client = redis.Redis(port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "private redis-server did not start"
            time.sleep(0.05)
    try:
        yield server
    finally:
        server.kill()


# --- a worker killed mid-report -----------------------------------------------------------------


def test_a_worker_killed_mid_report_is_redelivered_and_the_report_ends_done(
    private_redis, street_a, tmp_path, monkeypatch
):
    monkeypatch.setenv("REDIS_URL", private_redis.url)  # read by Workers (tests/documents.py)
    workers = Workers(tmp_path, monkeypatch)
    try:
        slow = workers.start(pause=2)
        report = _report(street_a.street)
        workers.send("report", report.pk)
        workers.wait_for(report, lambda r: r.status == ReportStatus.RUNNING and r.progress >= 10)
        os.kill(slow.pid, signal.SIGKILL)
        slow.wait(timeout=10)
        report.refresh_from_db()
        assert report.status == ReportStatus.RUNNING and report.attempts == 1
        assert not report.pdf

        # The message was never acknowledged: it waits in the transport's unacked set. A
        # worker with a short visibility timeout gives it back to the queue when it starts,
        # and takes it. No sweeper runs here (its timeout is REPORT_STUCK_MINUTES, 30 min).
        time.sleep(2)
        workers.start(CELERY_VISIBILITY_TIMEOUT="2")
        seen = set()

        def finished(r: Report) -> bool:
            seen.add(r.status)
            return r.status in (ReportStatus.DONE, ReportStatus.FAILED)

        report = workers.wait_for(report, finished, timeout=120)
        assert report.status == ReportStatus.DONE, f"{report.error}\n{workers.logs()}"
        assert report.attempts == 2 and report.progress == 100 and report.error == ""
        assert report.pdf.read().startswith(b"%PDF") and report.docx.read().startswith(b"PK")
        assert "redelivered message claimed the build" in workers.logs()
        # Only the finished pair is stored: the killed build saved nothing.
        stored = sorted(path.name for path in Path(settings.MEDIA_ROOT, "reports").iterdir())
        assert stored == sorted([Path(report.pdf.name).name, Path(report.docx.name).name])
        # Nothing left in the broker: the redelivered message was acknowledged.
        broker = redis.Redis.from_url(private_redis.url)
        assert broker.hlen("unacked") == 0 and broker.llen(workers.queue) == 0
    finally:
        workers.stop()


def test_a_redelivered_message_does_not_take_over_a_build_past_its_attempts(street_a):
    report = _report(street_a.street)
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.RUNNING, attempts=2)
    from reports import services

    assert build(services.REPORTS, report.pk, redelivered=True) is None
    report.refresh_from_db()
    assert report.status == ReportStatus.RUNNING and report.attempts == 2  # left to the sweeper
    # A message that is not a redelivery never takes a running build over.
    Report.objects.filter(pk=report.pk).update(attempts=1)
    assert build(services.REPORTS, report.pk) is None


def test_the_visibility_timeout_outlasts_every_task_that_holds_its_message():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    longest = max(
        build_document.time_limit,
        settings.CELERY_TASK_TIME_LIMIT,
        build_document.retry_backoff_max,  # a retry's countdown is held unacknowledged
    )
    assert visibility > longest
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    assert build_document.soft_time_limit < build_document.time_limit
    assert build_document.time_limit < settings.REPORT_STUCK_MINUTES * 60  # before the sweeper


# --- Redis stopped ------------------------------------------------------------------------------


def test_the_cache_misses_instead_of_failing_when_redis_is_gone(private_redis):
    cache = ResilientRedisCache(
        private_redis.url, {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )
    cache.set("figure", 42, DEFAULT_TIMEOUT)
    assert cache.get("figure") == 42
    private_redis.kill()
    started = time.monotonic()
    assert cache.get("figure", "missing") == "missing"
    assert cache.get_many(["figure"]) == {}
    assert cache.add("other", 1) is False and cache.has_key("figure") is False
    cache.set("figure", 43)
    cache.delete("figure")
    assert time.monotonic() - started < 5


@pytest.fixture
def portal(private_redis, tmp_path):
    """The portal served by gunicorn in a subprocess, on the test database, with the private
    Redis as its cache and broker (CELERY_TASK_ALWAYS_EAGER off: it really queues)."""
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": private_redis.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    command = [
        *(sys.executable, "-m", "gunicorn", "config.wsgi:application"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4", "--timeout", "60"),
    ]
    with log.open("wb") as output:
        # Its own process group: the teardown stops the master and every worker with it.
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass  # not listening yet, or still loading the application
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield base, log
    finally:
        process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        # A worker stuck on the dead Redis can outlive its master (seen: orphaned for minutes).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _session(user) -> requests.Session:
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return session


def _token(user) -> dict[str, str]:
    return {"Authorization": f"Token {Token.objects.create(user=user).key}"}


def test_with_redis_stopped_pages_and_the_api_answer_and_nothing_saved_is_lost(
    private_redis, portal, street_a
):
    base, log = portal
    office = make_account(Role.OFFICE, street_a.street)
    chief: Chief = street_a.chiefs[0]
    chief_account = make_account(Role.CHIEF, chief.region, chief=chief)
    issue = factories.IssueFactory(reach=street_a.reaches[0])
    browser, office_api, chief_api = _session(office), _token(office), _token(chief_account)
    pages = ["/", "/workbench/rivers/", "/issues/", f"/issues/{issue.pk}/", "/dashboard/"]
    period = "date_from=2024-01-01&date_to=2024-12-31"
    apis = [
        "/api/v1/issues/",
        "/api/v1/chiefs/",
        "/api/v1/patrols/",
        "/api/v1/reports/",
        f"/api/v1/stats/?{period}",
        "/api/v1/dashboard/",
        f"/api/v1/patrol-compliance/?{period}",
    ]

    def answers() -> dict[str, int]:
        codes = {p: browser.get(base + p, timeout=20).status_code for p in pages}
        codes |= {
            p: requests.get(base + p, headers=office_api, timeout=20).status_code for p in apis
        }
        return codes

    assert set(answers().values()) == {200}, log.read_text()[-3000:]
    # A patrol filed and a report requested while Redis is up: both queued on the broker.
    filed = requests.post(
        f"{base}/api/v1/patrols/",
        json=patrol_payload(street_a.reaches[0]),
        headers=chief_api,
        timeout=20,
    )
    assert filed.status_code == 201, filed.text
    before = {
        "issues": Issue.objects.count(),
        "patrols": Patrol.objects.count(),
        "reports": Report.objects.count(),
    }

    private_redis.kill()

    codes = answers()
    assert set(codes.values()) == {200}, f"{codes}\n{log.read_text()[-3000:]}"
    # A report request is accepted and kept: the row is pending, its message could not be sent
    # (on_commit robust), and the sweeper sends it again once REPORT_STUCK_MINUTES have passed.
    started = time.monotonic()
    requested = requests.post(
        f"{base}/api/v1/reports/",
        json={"kind": "quarterly", "year": 2024, "period": 1, "region": street_a.street.pk},
        headers=office_api,
        timeout=30,
    )
    assert requested.status_code == 202, f"{requested.text}\n{log.read_text()[-3000:]}"
    print(f"report request with the broker down: {time.monotonic() - started:.2f} s")
    assert time.monotonic() - started < 15  # the broker's retries are bounded
    report = Report.objects.get(pk=requested.json()["id"])
    assert report.status == ReportStatus.PENDING and report.queued_at is not None
    # Filing a patrol still works: the dashboard rollups' refresh is queued robustly too.
    again = requests.post(
        f"{base}/api/v1/patrols/",
        json=patrol_payload(street_a.reaches[0]),
        headers=chief_api,
        timeout=30,
    )
    assert again.status_code == 201, again.text
    assert Patrol.objects.filter(uuid=again.json()["uuid"]).exists()
    # Nothing already saved is lost.
    assert Issue.objects.count() == before["issues"]
    assert Patrol.objects.count() == before["patrols"] + 1
    assert Report.objects.count() == before["reports"] + 1
    assert Patrol.objects.filter(uuid=filed.json()["uuid"]).exists()


def test_a_worker_killed_mid_report_is_taken_over_by_regenerate_within_a_minute(
    private_redis, street_a, tmp_path, monkeypatch, settings
):
    """No redelivery here (the dead worker's message waits out the visibility timeout, 40 min):
    once its heartbeat is stale, the office's "regenerate" is accepted and a worker builds."""
    monkeypatch.setenv("REDIS_URL", private_redis.url)  # read by Workers (tests/documents.py)
    settings.JOB_HEARTBEAT_STALE_SECONDS = 3  # this process: when is a silent build lost
    office = make_account(Role.OFFICE, street_a.street)
    browser = Client()
    browser.force_login(office)
    workers = Workers(tmp_path, monkeypatch)
    try:
        slow = workers.start(pause=2, JOB_HEARTBEAT_STALE_SECONDS="3")
        report = _report(street_a.street)
        workers.send("report", report.pk)
        workers.wait_for(report, lambda r: r.status == ReportStatus.RUNNING and r.progress >= 10)
        os.kill(slow.pid, signal.SIGKILL)
        slow.wait(timeout=10)
        killed = time.monotonic()
        regenerate = f"/api/v1/reports/{report.pk}/regenerate/"
        # While the heartbeat is fresh the build counts as alive: 409.
        assert browser.post(regenerate).status_code == 409
        while True:
            answer = browser.post(regenerate)
            if answer.status_code == 202:
                break
            assert answer.status_code == 409, answer.content
            assert time.monotonic() - killed < 60, "regenerate still refused"
            time.sleep(0.5)
        report.refresh_from_db()
        assert report.status == ReportStatus.PENDING and report.attempts == 0
        workers.start()  # the regenerate's message waits in the queue for it
        report = workers.wait_for(
            report, lambda r: r.status in (ReportStatus.DONE, ReportStatus.FAILED), timeout=60
        )
        assert report.status == ReportStatus.DONE, f"{report.error}\n{workers.logs()}"
        assert report.attempts == 1 and report.pdf.read().startswith(b"%PDF")
        assert time.monotonic() - killed < 60
    finally:
        workers.stop()
