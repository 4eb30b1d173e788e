"""A Redis that accepts connections and never answers (a hung broker, a full network buffer).

A TCP server thread in this process stands in for it: it accepts every connection and never
writes a byte. The broker and the cache point at it, the Celery app really publishes (not
eager), and every write request must still answer fast, once, with its rows saved; job rows
stay pending for the sweeper. Also here: the heartbeat of job rows (a silent running job is
taken over) and the idempotency keys of issues and public reports.
"""

import datetime
import logging
import socket
import threading
import time
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from core import jobs
from core.broker import BROKER
from issues.models import Issue
from patrols.models import Patrol
from public_reports.models import PublicReport
from reports import services as report_services
from reports.models import Report, ReportKind, ReportStatus

from .conftest import make_account
from .test_patrols import _payload as patrol_payload
from .test_public_reports import post_report

TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class SilentServer:
    """Accepts TCP connections and never answers; keeps them open until closed."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return  # closed
            self.accepted.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def hung_redis(settings, monkeypatch):
    """The broker and the cache on a server that never answers; tasks really published."""
    from config.celery import app

    server = SilentServer()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    monkeypatch.setitem(app.conf, "broker_url", server.url)
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    # A fresh connection pool on the hung server (and a fresh one again afterwards).
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield server
    finally:
        app._pool = None
        app.amqp._producer_pool = None
        server.close()


def _timed(call) -> tuple[object, float]:
    BROKER.reset()  # each request meets the hung broker itself, not the breaker a previous one set
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@TRANSACTIONAL
def test_with_a_hung_redis_an_issue_a_patrol_and_a_report_answer_fast_once(
    hung_redis, street_a, api, caplog
):
    office = make_account(Role.OFFICE, street_a.street)
    chief = street_a.chiefs[0]
    chief_account = make_account(Role.CHIEF, chief.region, chief=chief)
    caplog.set_level(logging.ERROR, logger="core.broker")

    issue_payload = {
        "title": "桥下漂浮垃圾",
        "category": "dumping",
        "source": "office",
        "reach": street_a.reaches[0].pk,
    }
    response, took = _timed(
        lambda: api.as_user(office).post("/api/v1/issues/", issue_payload, format="json")
    )
    assert response.status_code == 201, response.content
    assert took < 5, took
    assert Issue.objects.count() == 1

    response, took = _timed(
        lambda: api.as_user(chief_account).post(
            "/api/v1/patrols/", patrol_payload(street_a.reaches[0]), format="json"
        )
    )
    assert response.status_code == 201, response.content
    assert took < 5, took
    assert Patrol.objects.count() == 1

    report_payload = {"kind": "quarterly", "year": 2024, "period": 1, "region": street_a.street.pk}
    response, took = _timed(
        lambda: api.as_user(office).post("/api/v1/reports/", report_payload, format="json")
    )
    assert response.status_code == 202, response.content
    assert took < 5, took
    report = Report.objects.get()
    # Not sent: the row waits for the sweeper (or a regenerate) to send it again.
    assert report.status == ReportStatus.PENDING and report.queued_at is not None
    assert hung_redis.accepted, "the broker was really called"
    assert "not sent, the broker did not answer" in caplog.text


def test_after_one_failure_further_sends_skip_the_hung_broker_at_once(hung_redis):
    from core.broker import send_now
    from reports.tasks import refresh_rollups

    started = time.monotonic()
    assert send_now(refresh_rollups, region_months=[], chief_months=[]) is False
    first = time.monotonic() - started
    assert 1 < first < 5  # the read timeout (REDIS_TIMEOUT, 2 s), not a hang
    started = time.monotonic()
    for _ in range(5):
        assert send_now(refresh_rollups, region_months=[], chief_months=[]) is False
    assert time.monotonic() - started < 0.5  # the breaker is open: Redis is left alone


def test_every_redis_client_has_connect_and_read_timeouts(settings):
    from config.celery import app

    options = app.conf.broker_transport_options
    assert 0 < options["socket_timeout"] <= 5 and 0 < options["socket_connect_timeout"] <= 5
    assert 0 < app.conf.broker_connection_timeout <= 5
    assert 0 < app.conf.redis_socket_timeout <= 5 and 0 < app.conf.redis_socket_connect_timeout <= 5
    assert app.conf.task_publish_retry_policy["max_retries"] <= 1
    assert settings.JOB_HEARTBEAT_STALE_SECONDS == 60


# --- heartbeats -----------------------------------------------------------------------------------


def _running(region, *, beat_seconds_ago: int, attempts: int = 1) -> Report:
    report = Report.objects.create(
        region=region, kind=ReportKind.QUARTERLY, year=2024, period=2, queued_at=timezone.now()
    )
    now = timezone.now()
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING,
        progress=40,
        attempts=attempts,
        started_at=now - datetime.timedelta(minutes=3),
        heartbeat_at=now - datetime.timedelta(seconds=beat_seconds_ago),
    )
    return report


def test_regenerate_takes_over_a_running_report_whose_heartbeat_is_two_minutes_old(
    street_a, django_capture_on_commit_callbacks
):
    office = make_account(Role.OFFICE, street_a.street)
    client = Client()
    client.force_login(office)
    silent = _running(street_a.street, beat_seconds_ago=120)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/api/v1/reports/{silent.pk}/regenerate/")
    assert response.status_code == 202, response.content
    assert len(callbacks) == 1  # sent to a worker again
    silent.refresh_from_db()
    assert silent.status == ReportStatus.PENDING and silent.attempts == 0
    assert silent.progress == 0

    alive = Report.objects.create(
        region=street_a.street, kind=ReportKind.QUARTERLY, year=2024, period=1
    )
    Report.objects.filter(pk=alive.pk).update(
        status=ReportStatus.RUNNING,
        started_at=timezone.now() - datetime.timedelta(minutes=3),
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=10),
    )
    assert client.post(f"/api/v1/reports/{alive.pk}/regenerate/").status_code == 409


def test_any_message_takes_over_a_silent_build_and_the_sweeper_requeues_it(
    street_a, street_b, django_capture_on_commit_callbacks
):
    silent = _running(street_a.street, beat_seconds_ago=120)
    claim = report_services.REPORT_JOBS.claim(silent.pk)  # not a redelivery
    assert claim is not None
    silent.refresh_from_db()
    assert silent.status == ReportStatus.RUNNING and silent.attempts == 2
    assert silent.heartbeat_at == claim.token == silent.started_at

    # Started 3 minutes ago, far from the 30-minute stuck timeout: the heartbeat decides.
    lost = _running(street_b.street, beat_seconds_ago=90)
    beating = Report.objects.create(
        region=street_b.street, kind=ReportKind.QUARTERLY, year=2024, period=1
    )
    Report.objects.filter(pk=beating.pk).update(
        status=ReportStatus.RUNNING,
        attempts=1,
        started_at=timezone.now() - datetime.timedelta(minutes=3),
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=5),
    )
    with django_capture_on_commit_callbacks(execute=False):
        assert report_services.REPORT_JOBS.sweep() == {"requeued": 1, "failed": 0, "resent": 0}
    lost.refresh_from_db()
    beating.refresh_from_db()
    assert lost.status == ReportStatus.PENDING
    assert beating.status == ReportStatus.RUNNING
    assert report_services.REPORT_JOBS.claim(beating.pk) is None  # alive: not taken over


def test_a_progress_step_is_a_heartbeat(street_a):
    report = _running(street_a.street, beat_seconds_ago=30)
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.PENDING)
    claim = report_services.REPORT_JOBS.claim(report.pk)
    Report.objects.filter(pk=report.pk).update(
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=30)
    )
    claim.progress(50)
    report.refresh_from_db()
    assert timezone.now() - report.heartbeat_at < datetime.timedelta(seconds=5)


@TRANSACTIONAL
def test_a_worker_beats_from_a_thread_while_a_long_step_writes_no_progress(street_a, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as in a worker: the heartbeat thread runs
    settings.JOB_HEARTBEAT_STALE_SECONDS = 2  # beats every 0.5 s
    report = Report.objects.create(
        region=street_a.street, kind=ReportKind.QUARTERLY, year=2024, period=2
    )
    beats = []

    def long_layout(claim) -> None:
        started = Report.objects.get(pk=claim.pk).heartbeat_at
        time.sleep(1.6)  # no progress step meanwhile
        beats.append(Report.objects.get(pk=claim.pk).heartbeat_at - started)
        claim.fail("done looking")

    assert report_services.REPORT_JOBS.run(report.pk, long_layout)
    assert beats[0] >= datetime.timedelta(seconds=1)
    assert not [t for t in threading.enumerate() if t.name.startswith("heartbeat-")]


def test_stale_running_counts_a_row_claimed_before_heartbeats_from_its_claim(street_a):
    old = _running(street_a.street, beat_seconds_ago=0)
    Report.objects.filter(pk=old.pk).update(heartbeat_at=None)  # started 3 minutes ago
    assert Report.objects.filter(jobs.stale_running(), pk=old.pk).exists()


# --- idempotency keys -----------------------------------------------------------------------------


def test_an_issue_sent_twice_with_one_client_key_is_one_issue(api, street_a, street_b):
    office = make_account(Role.OFFICE, street_a.street)
    key = str(uuid.uuid4())
    payload = {
        "title": "排口污水直排",
        "category": "dumping",
        "source": "office",
        "reach": street_a.reaches[0].pk,
        "client_key": key,
    }
    first = api.as_user(office).post("/api/v1/issues/", payload, format="json")
    assert first.status_code == 201, first.json()
    again = api.as_user(office).post("/api/v1/issues/", payload, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["client_key"] == key
    assert Issue.objects.count() == 1
    # Without a key every POST is a new issue.
    del payload["client_key"]
    assert api.as_user(office).post("/api/v1/issues/", payload, format="json").status_code == 201
    assert Issue.objects.count() == 2
    # A key already used out of the sender's sight is a conflict, not a leak.
    other = make_account(Role.OFFICE, street_b.street)
    payload |= {"client_key": key, "reach": street_b.reaches[0].pk}
    taken = api.as_user(other).post("/api/v1/issues/", payload, format="json")
    assert taken.status_code == 409
    assert taken.json() == {"detail": "该客户端编号已被其他问题使用。"}


def test_an_edit_does_not_change_the_client_key(api, street_a):
    office = make_account(Role.OFFICE, street_a.street)
    key = str(uuid.uuid4())
    created = api.as_user(office).post(
        "/api/v1/issues/",
        {
            "title": "河面漂浮物",
            "category": "dumping",
            "source": "office",
            "reach": street_a.reaches[0].pk,
            "client_key": key,
        },
        format="json",
    )
    assert created.status_code == 201
    issue_id = created.json()["id"]
    edited = api.as_user(office).patch(
        f"/api/v1/issues/{issue_id}/", {"client_key": str(uuid.uuid4())}, format="json"
    )
    assert edited.status_code == 200
    assert str(Issue.objects.get(pk=issue_id).client_key) == key


def test_the_issue_schema_documents_the_client_key(api, street_a):
    office = make_account(Role.OFFICE, street_a.street)
    schema = api.as_user(office).get("/api/schema/", {"format": "json"}).json()
    field = schema["components"]["schemas"]["Issue"]["properties"]["client_key"]
    assert field["format"] == "uuid" and "幂等" in field["description"]


@pytest.fixture
def sign(street_a):
    return street_a.reaches[0].signs.get()


def test_the_report_page_carries_a_fresh_client_key(client, sign):
    page = client.get(f"/r/{sign.code}/").content.decode()
    assert 'name="client_key"' in page
    second = client.get(f"/r/{sign.code}/").content.decode()
    key = page.split('name="client_key" value="')[1][:36]
    assert uuid.UUID(key) and key not in second


def test_a_public_report_sent_twice_from_one_page_is_one_report(client, sign, settings):
    settings.PUBLIC_REPORT_MAX_PER_HOUR = 1  # the retry must not count against the limit
    key = str(uuid.uuid4())
    first = post_report(client, sign, description="河里有死鱼", client_key=key)
    assert first.status_code == 302
    again = post_report(client, sign, description="河里有死鱼", client_key=key)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert PublicReport.objects.count() == 1 and Issue.objects.count() == 1
    assert str(PublicReport.objects.get().client_key) == key
