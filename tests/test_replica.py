"""The read replica (core.db_routing; README, "Read replica").

The first tests decide the router's and the middleware's answers with no server behind the
replica alias. The rest run against a real streaming replica of the test server
(`scripts/replica.sh start`, which `.ci/run` runs): TEST_REPLICA_URL names it, with the test
database's name taken from the primary's connection, as the replica streams the whole cluster.
Without TEST_REPLICA_URL they skip, unless CI_REQUIRE_SERVERS=1 (CI), where they fail.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import types
from collections.abc import Iterator

import environ
import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver
from rest_framework.test import APIClient

from core import db_routing
from core.db_routing import (
    PIN_COOKIE,
    REPLICA,
    ReplicaReadsMiddleware,
    ReplicaRouter,
    _Reads,
    _reads,
    reading_replica,
)
from patrols.models import PatrolRule
from rivers.models import ChiefRole, River

from . import factories

# Django's test case refuses a first connection to an alias its test did not name, and
# pytest-django one outside a database test, each by patching this method of every connection.
# The alias added here is this module's own and named by no marker (pytest-django would create
# and flush a database for it): its connection keeps the real method, which pytest-django saved.
_real_ensure_connection = BaseDatabaseWrapper.ensure_connection

ROUTER = ["core.db_routing.ReplicaRouter"]
MIDDLEWARE = "core.db_routing.ReplicaReadsMiddleware"


def _add_alias(url: str, name: str, connect_timeout: int = 2) -> None:
    config = environ.Env.db_url_config(url)
    config["NAME"] = name
    config.setdefault("OPTIONS", {})["connect_timeout"] = connect_timeout
    config["CONN_MAX_AGE"] = 0
    config["TEST"] = {"MIRROR": "default"}
    both = connections.configure_settings(
        {"default": connections.settings["default"], REPLICA: config}
    )
    connections.settings[REPLICA] = both[REPLICA]
    replica = connections[REPLICA]
    replica.ensure_connection = types.MethodType(_real_ensure_connection, replica)


def _remove_alias() -> None:
    if REPLICA in connections.settings:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture
def routed(settings):
    """The router and middleware on, as DATABASE_REPLICA_URL turns them on; checks not cached."""
    settings.DATABASE_ROUTERS = ROUTER
    settings.MIDDLEWARE = [*django_settings.MIDDLEWARE, MIDDLEWARE]
    settings.REPLICA_CHECK_SECONDS = 0
    settings.REPLICA_MAX_LAG_SECONDS = 3600
    settings.REPLICA_BACKOFF_SECONDS = 30
    db_routing.HEALTH.reset()
    yield settings
    db_routing.HEALTH.reset()


@pytest.fixture
def dead_replica():
    """A replica alias on a port where nothing listens: never connected to by a decision test
    (nor the primary: a test's transaction would keep every read on it)."""
    _add_alias("postgres://postgres@127.0.0.1:1", connection.settings_dict["NAME"])
    yield
    _remove_alias()


# --- the router's and the middleware's decisions, no replica needed ------------------------------


def test_outside_a_request_every_read_and_write_is_the_primarys(dead_replica):
    router = ReplicaRouter()
    assert router.db_for_read(River) == "default"
    assert router.db_for_write(River) == "default"


def test_a_routed_request_reads_the_replica_until_it_writes(dead_replica):
    router = ReplicaRouter()
    token = _reads.set(_Reads(replica=True))
    try:
        assert router.db_for_read(River) == "replica"
        assert router.db_for_read(Session) == "default"  # bookkeeping: always the primary
        router.db_for_write(Session)  # a session saved does not turn the request
        assert router.db_for_read(River) == "replica"
        assert router.db_for_write(River) == "default"
        assert router.db_for_read(River) == "default"
        assert _reads.get().wrote is True
    finally:
        _reads.reset(token)


def test_a_read_inside_a_transaction_on_the_primary_stays_in_it(dead_replica):
    router = ReplicaRouter()
    token = _reads.set(_Reads(replica=True))
    try:
        connections["default"].in_atomic_block = True
        assert router.db_for_read(River) == "default"
        connections["default"].in_atomic_block = False
        assert router.db_for_read(River) == "replica"
    finally:
        connections["default"].in_atomic_block = False
        _reads.reset(token)


def test_without_the_replica_alias_a_routed_read_goes_to_the_primary():
    token = _reads.set(_Reads(replica=True))
    try:
        assert ReplicaRouter().db_for_read(River) == "default"
    finally:
        _reads.reset(token)


def test_celery_tasks_read_the_primary_inside_a_routed_request(dead_replica):
    token = _reads.set(_Reads(replica=True))
    try:
        db_routing.task_started(task_id="t1")
        assert ReplicaRouter().db_for_read(River) == "default"
        db_routing.task_ended(task_id="t1")
        assert ReplicaRouter().db_for_read(River) == "replica"
    finally:
        _reads.reset(token)


def test_migrations_only_on_the_primary_and_relations_across_both():
    router = ReplicaRouter()
    assert router.allow_migrate("replica", "rivers") is False
    assert router.allow_migrate("default", "rivers") is None
    a, b = River(), River()
    a._state.db, b._state.db = "default", "replica"
    assert router.allow_relation(a, b) is True
    b._state.db = "other"
    assert router.allow_relation(a, b) is None


@pytest.mark.parametrize(
    ("method", "path", "pinned", "expected"),
    [
        ("get", "/api/v1/stats/", False, True),
        ("head", "/api/v1/stats/", False, True),
        ("get", "/dashboard/", False, True),
        ("get", "/api/v1/rivers/", False, True),
        ("post", "/api/v1/rivers/", False, False),  # a write, whatever the view
        ("get", "/api/v1/stats/", True, False),  # this client wrote a moment ago
        ("get", "/accounts/security/", False, False),  # not marked read-only
    ],
)
def test_which_requests_read_the_replica(
    routed, dead_replica, monkeypatch, method, path, pinned, expected
):
    monkeypatch.setattr(db_routing.HEALTH, "usable", lambda: True)
    request = getattr(RequestFactory(), method)(path)
    if pinned:
        request.COOKIES[PIN_COOKIE] = str(time.time() + 5)
    request.resolver_match = get_resolver().resolve(path)
    middleware = ReplicaReadsMiddleware(lambda r: None)
    token = _reads.set(_Reads())
    try:
        middleware.process_view(request, lambda r: None, (), {})
        assert reading_replica() is expected
    finally:
        _reads.reset(token)


def test_a_replica_found_unusable_is_not_read(routed, dead_replica, monkeypatch):
    monkeypatch.setattr(db_routing.HEALTH, "usable", lambda: False)
    request = RequestFactory().get("/api/v1/stats/")
    request.resolver_match = get_resolver().resolve("/api/v1/stats/")
    token = _reads.set(_Reads())
    try:
        ReplicaReadsMiddleware(lambda r: None).process_view(request, lambda r: None, (), {})
        assert reading_replica() is False
    finally:
        _reads.reset(token)


@pytest.mark.parametrize(
    ("method", "writes", "pins"),
    [
        ("post", None, True),  # any unsafe request, even one that saved nothing
        ("get", River, True),  # a page that wrote data
        ("get", Session, False),  # a page whose only write was its session
        ("get", None, False),
    ],
)
def test_a_client_is_pinned_after_it_wrote(routed, method, writes, pins):
    routed.REPLICA_PIN_SECONDS = 10

    def view(request):
        if writes is not None:
            ReplicaRouter().db_for_write(writes)
        return HttpResponse("ok")

    before = time.time()
    response = ReplicaReadsMiddleware(view)(getattr(RequestFactory(), method)("/api/v1/rivers/"))
    assert (PIN_COOKIE in response.cookies) is pins
    if pins:
        until = float(response.cookies[PIN_COOKIE].value)
        assert before + 10 - 0.001 <= until <= time.time() + 10 + 0.001  # to the millisecond
        assert response.cookies[PIN_COOKIE]["httponly"] is True


def test_an_expired_or_garbled_pin_does_not_pin():
    request = RequestFactory().get("/api/v1/stats/")
    request.COOKIES[PIN_COOKIE] = str(time.time() - 1)
    assert db_routing._pinned(request) is False
    request.COOKIES[PIN_COOKIE] = "soon"
    assert db_routing._pinned(request) is False


def test_every_view_marked_read_only_exists():
    names = {name for name in get_resolver().reverse_dict if isinstance(name, str)}
    names |= {
        f"{namespace}:{name}"
        for namespace, (_, resolver) in get_resolver().namespace_dict.items()
        for name in resolver.reverse_dict
        if isinstance(name, str)
    }
    assert sorted(django_settings.REPLICA_READ_VIEWS - names) == []


def _settings_with(env: dict[str, str]) -> dict:
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings.base'\n"
        "from django.conf import settings\n"
        "print(json.dumps({'aliases': sorted(settings.DATABASES),"
        " 'routers': settings.DATABASE_ROUTERS,"
        " 'middleware': 'core.db_routing.ReplicaReadsMiddleware' in settings.MIDDLEWARE,"
        " 'replica': settings.DATABASES.get('replica')}))"
    )
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    out = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code],
        env={**base, "SECRET_KEY": "x", **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_settings_add_the_replica_only_when_its_url_is_set():
    assert _settings_with({}) == {
        "aliases": ["default"],
        "routers": [],
        "middleware": False,
        "replica": None,
    }
    on = _settings_with({"DATABASE_REPLICA_URL": "postgres://ro@10.0.0.2:5432/portal"})
    assert on["aliases"] == ["default", "replica"]
    assert on["routers"] == ROUTER
    assert on["middleware"] is True
    assert on["replica"]["HOST"] == "10.0.0.2"
    assert on["replica"]["NAME"] == "portal"
    assert on["replica"]["OPTIONS"] == {"connect_timeout": 2}


# --- against the real streaming replica ----------------------------------------------------------

REPLICA_URL = os.environ.get("TEST_REPLICA_URL", "")


@pytest.fixture
def replica(transactional_db, django_db_blocker) -> Iterator[None]:
    """The replica alias on TEST_REPLICA_URL, for this test only (pytest-django would otherwise
    create, flush and guard a test database for it), removed before the database is restored."""
    if not REPLICA_URL:
        if os.environ.get("CI_REQUIRE_SERVERS") == "1":
            pytest.fail("TEST_REPLICA_URL is not set but CI_REQUIRE_SERVERS=1 (scripts/replica.sh)")
        pytest.skip("no streaming replica: start scripts/replica.sh and set TEST_REPLICA_URL")
    global _real_ensure_connection
    _real_ensure_connection = django_db_blocker._real_ensure_connection
    name = connection.settings_dict["NAME"]
    _add_alias(REPLICA_URL, name)
    _replay_resume()  # a run that stopped in the middle of a test may have left it paused
    try:
        yield
    finally:
        # A test may have swapped the alias for a dead one: the real one resumes the replay.
        _remove_alias()
        _add_alias(REPLICA_URL, name)
        try:
            _replay_resume()
        finally:
            _remove_alias()


def _primary_lsn() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        return cursor.fetchone()[0]


def _on_replica(sql: str, params: list | None = None):
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def wait_for_replay(timeout: float = 15.0) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    lsn = _primary_lsn()
    deadline = time.monotonic() + timeout
    while not _on_replica("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]):
        assert time.monotonic() < deadline, f"the replica did not replay {lsn} in {timeout} s"
        time.sleep(0.05)


def wait_for_receipt(timeout: float = 15.0) -> None:
    """Until the replica has received (not necessarily replayed) the primary's WAL so far."""
    lsn = _primary_lsn()
    deadline = time.monotonic() + timeout
    while not _on_replica("SELECT pg_last_wal_receive_lsn() >= %s::pg_lsn", [lsn]):
        assert time.monotonic() < deadline, f"the replica did not receive {lsn} in {timeout} s"
        time.sleep(0.05)


def _replay_pause() -> None:
    _on_replica("SELECT pg_wal_replay_pause()::text")
    deadline = time.monotonic() + 10
    while _on_replica("SELECT pg_get_wal_replay_pause_state()") != "paused":
        assert time.monotonic() < deadline, "the replica's replay did not pause"
        time.sleep(0.05)


def _replay_resume() -> None:
    _on_replica("SELECT pg_wal_replay_resume()::text")


def _river_codes(client: APIClient) -> set[str]:
    response = client.get("/api/v1/rivers/", {"page_size": 200})
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _replica_queries(client: APIClient, path: str, params: dict) -> tuple[int, list, list]:
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connection) as on_primary,
    ):
        status = client.get(path, params).status_code
    return status, on_replica.captured_queries, on_primary.captured_queries


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_replica_is_a_standby_streaming_the_test_database(replica, street_a):
    wait_for_replay()
    assert _on_replica("SELECT pg_is_in_recovery()") is True
    assert _on_replica("SELECT count(*) FROM rivers_river WHERE code = %s", ["HE-NONE"]) == 0
    assert _on_replica("SELECT name FROM rivers_river WHERE region_id = %s", [street_a.street.pk])
    assert _on_replica("SELECT current_database()") == connection.settings_dict["NAME"]


def _tables(queries: list[dict]) -> set[str]:
    # The ORM quotes its tables; the plain SQL of the dashboard and the compliance does not.
    return {table for q in queries for table in re.findall(r'FROM "?(\w+)"?', q["sql"])}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_stats_and_the_dashboard_page_read_the_replica(replica, routed, street_a, office_a):
    factories.RiverFactory(region=street_a.street, name="统计河", code="HE-STATS")
    if not PatrolRule.objects.filter(role=ChiefRole.COMMUNITY_CHIEF).exists():
        factories.PatrolRuleFactory(role=ChiefRole.COMMUNITY_CHIEF, period="month")
    wait_for_replay()
    query = {"region": street_a.street.pk, "date_from": "2026-01-01", "date_to": "2026-03-31"}
    status, on_replica, on_primary = _replica_queries(_client(office_a), "/api/v1/stats/", query)
    assert status == 200
    # Every figure is read on the replica, the patrol compliance's own SQL too; the primary is
    # not asked at all.
    assert {"issues_issue", "patrols_patrol", "rivers_river", "activities_meeting"} <= _tables(
        on_replica
    )
    assert any("GROUP BY t.chief_id" in q["sql"] for q in on_replica)
    assert on_primary == []

    page = APIClient()
    page.force_login(office_a)
    status, on_replica, on_primary = _replica_queries(
        page, "/dashboard/", {"region": street_a.street.pk}
    )
    assert status == 200
    assert {"reports_treemonth", "issues_issue"} <= _tables(on_replica)
    # Before the view: the session and its user, on the primary (bookkeeping, middleware).
    assert _tables(on_primary) == {"django_session", "accounts_user"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_row_committed_on_the_primary_is_read_through_the_replica_after_replay(
    replica, routed, street_a, office_a
):
    reader = _client(office_a)
    assert "HE-LATE" not in _river_codes(reader)
    _replay_pause()
    factories.RiverFactory(region=street_a.street, name="迟到河", code="HE-LATE")
    wait_for_receipt()
    # Received, not replayed: the list, read on the replica, does not have it yet...
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert "HE-LATE" not in _river_codes(reader)
    assert on_replica.captured_queries
    _replay_resume()
    wait_for_replay()
    # ...and has it once the replica has replayed it.
    assert "HE-LATE" in _river_codes(reader)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_client_that_wrote_reads_the_primary_until_its_pin_expires(
    replica, routed, street_a, office_a
):
    routed.REPLICA_PIN_SECONDS = 2
    writer, other = _client(office_a), _client(office_a)
    wait_for_replay()
    _replay_pause()  # from here the replica shows the world before the writer's save

    payload = {"name": "新河", "code": "HE-NEW", "kind": "river", "length_km": 1}
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = writer.post("/api/v1/rivers/", payload, format="json")
    assert response.status_code == 201, response.content
    assert on_replica.captured_queries == []
    assert River.objects.using("default").filter(code="HE-NEW").exists()
    assert PIN_COOKIE in response.cookies

    # The writer sees what it saved (the primary); another client reads the paused replica.
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert "HE-NEW" in _river_codes(writer)
    assert on_replica.captured_queries == []
    assert "HE-NEW" not in _river_codes(other)

    time.sleep(2.1)
    # The pin has expired: the writer reads the replica again, still paused before its save.
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert "HE-NEW" not in _river_codes(writer)
    assert on_replica.captured_queries

    _replay_resume()
    wait_for_replay()
    assert "HE-NEW" in _river_codes(writer)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_replica_lagging_beyond_the_bound_is_passed_over_with_a_log_line(
    replica, routed, street_a, office_a, caplog
):
    routed.REPLICA_MAX_LAG_SECONDS = 1
    reader = _client(office_a)
    wait_for_replay()
    _replay_pause()
    factories.RiverFactory(region=street_a.street, name="滞后河", code="HE-LAG")
    wait_for_receipt()
    time.sleep(1.2)  # the last transaction the replica replayed is now over a second old
    with (
        caplog.at_level(logging.WARNING, logger="core.db_routing"),
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        codes = _river_codes(reader)
    assert "HE-LAG" in codes  # the primary answered
    # The replica was asked for its lag only.
    assert [q["sql"].split()[0] for q in on_replica.captured_queries] == ["SELECT"]
    assert "pg_last_xact_replay_timestamp" in on_replica.captured_queries[0]["sql"]
    assert any("behind" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_replica_that_is_down_falls_back_to_the_primary_fast(
    replica, routed, street_a, office_a, caplog
):
    factories.RiverFactory(region=street_a.street, name="备用河", code="HE-DOWN")
    _remove_alias()
    _add_alias("postgres://postgres@127.0.0.1:1", connection.settings_dict["NAME"])
    reader = _client(office_a)
    with caplog.at_level(logging.WARNING, logger="core.db_routing"):
        started = time.monotonic()
        first = _river_codes(reader)
        second = _river_codes(reader)
        elapsed = time.monotonic() - started
    assert "HE-DOWN" in first and "HE-DOWN" in second
    assert elapsed < 2.0, elapsed
    # One line: after the failure the replica is left alone (REPLICA_BACKOFF_SECONDS).
    lines = [r.getMessage() for r in caplog.records if r.name == "core.db_routing"]
    assert len(lines) == 1, lines
    assert lines[0].startswith("read replica unavailable (OperationalError")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_replica_that_does_not_answer_costs_one_connect_timeout(
    replica, routed, street_a, office_a, caplog
):
    # A port that accepts connections (the kernel's backlog) and never answers: libpq waits for
    # connect_timeout (2 s, its least), once; the next requests do not ask it again.
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen(16)
    try:
        _remove_alias()
        _add_alias(f"postgres://postgres@127.0.0.1:{hung.getsockname()[1]}", "x", connect_timeout=2)
        reader = _client(office_a)
        timings = []
        with caplog.at_level(logging.WARNING, logger="core.db_routing"):
            for _ in range(3):
                started = time.monotonic()
                assert "HE-HUNG" not in _river_codes(reader)
                timings.append(time.monotonic() - started)
    finally:
        _remove_alias()
        hung.close()
    assert 1.5 < timings[0] < 6.0, timings
    assert timings[1] < 1.0 and timings[2] < 1.0, timings
    assert len([r for r in caplog.records if r.name == "core.db_routing"]) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_replica_lost_in_the_middle_of_a_page_makes_the_page_run_on_the_primary(
    replica, routed, street_a, office_a, caplog
):
    factories.RiverFactory(region=street_a.street, name="中断河", code="HE-CUT")
    wait_for_replay()
    cut = []

    def lose_the_connection(execute, sql, params, many, context):
        # The replica drops this very connection (as a standby cancelling for replay would)
        # just as the list's first read arrives.
        if "rivers_river" in sql and not cut:
            cut.append(sql)
            execute("SELECT pg_terminate_backend(pg_backend_pid())", None, False, context)
        return execute(sql, params, many, context)

    reader = _client(office_a)
    with (
        caplog.at_level(logging.WARNING, logger="core.db_routing"),
        connections[REPLICA].execute_wrapper(lose_the_connection),
        CaptureQueriesContext(connection) as on_primary,
    ):
        codes = _river_codes(reader)
    assert cut
    assert "HE-CUT" in codes
    assert "rivers_river" in _tables(on_primary)
    lines = [r.getMessage() for r in caplog.records if r.name == "core.db_routing"]
    assert len(lines) == 1 and "during /api/v1/rivers/" in lines[0], lines
