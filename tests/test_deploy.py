"""Deployment (issue #18): the healthcheck under production settings, readiness, request ids,
proxy-only headers, the queues, the example secret key, and docker-compose.yml itself."""

import ast
import contextlib
import importlib.metadata
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import requests
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from core import health
from core.checks import EXAMPLE_SECRET_KEY
from core.requestid import RequestIdFilter, current_request_id

from .documents import database_url, redis_or_skip, redis_url

ROOT = Path(settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _production_env(**extra: str) -> dict[str, str]:
    """The documented production settings: HTTPS with its redirect, one public host."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "LOG_FORMAT"}
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "portal.example.cn",
        "PUBLIC_BASE_URL": "https://portal.example.cn",
        "SECURE_SSL_REDIRECT": "true",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **extra,
    }


@pytest.fixture
def production_gunicorn(tmp_path):
    """`web`'s command from docker-compose.yml (gunicorn -c config/gunicorn.py), under the
    production settings, on a free port of the loopback."""
    redis_or_skip(redis_url())
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = _production_env(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1")
    command = [
        *(sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"),
        "config.wsgi:application",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield base, log
    finally:
        process.send_signal(signal.SIGTERM)  # what `docker compose stop` sends to PID 1
        try:
            process.wait(timeout=35)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def _probe(url: str) -> subprocess.CompletedProcess:
    """The compose healthcheck's command, exactly: python -m core.probe URL."""
    return subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-m", "core.probe", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )


# Committed: the gunicorn process reads the test database. Restored as migrations left it, as
# every transactional test here must (tests/conftest.py).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_compose_healthcheck_and_readiness_pass_under_production_settings(
    production_gunicorn,
):
    base, log = production_gunicorn
    # Up to 30 s for gunicorn to load the application, as the healthcheck's start period.
    deadline = time.monotonic() + 30
    while (probe := _probe(f"{base}/healthz")).returncode != 0 and time.monotonic() < deadline:
        time.sleep(0.3)
    assert probe.returncode == 0, f"{probe.stderr}\n{log.read_text()[-3000:]}"

    # The settings really are production's: any other page from this host is refused (400; its
    # error page needs the collected static files the image has, so 500 here: either way no
    # page), and the public host is sent to HTTPS, even when a direct client claims HTTPS.
    refused = requests.get(f"{base}/", timeout=10, allow_redirects=False)
    assert refused.status_code in (400, 500)
    assert "Invalid HTTP_HOST header: '127.0.0.1:" in log.read_text()
    public = {"Host": "portal.example.cn"}
    redirect = requests.get(f"{base}/help/", headers=public, timeout=10, allow_redirects=False)
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == "https://portal.example.cn/help/"
    claimed = requests.get(
        f"{base}/help/",
        headers={**public, "X-Forwarded-Proto": "https"},
        timeout=10,
        allow_redirects=False,
    )
    assert claimed.status_code == 301
    # The liveness answer carries a request id; a failing probe is exit code 1.
    liveness = requests.get(f"{base}/healthz", timeout=10)
    assert liveness.json() == {"status": "ok"}
    assert len(liveness.headers["X-Request-ID"]) == 32
    assert _probe(f"{base}/no-such-page").returncode == 1

    # Readiness, from this machine (one gunicorn start serves both halves: CI stays fast).
    from django.core.cache import cache

    cache.delete(health.BEAT_HEARTBEAT_KEY)
    waiting = requests.get(f"{base}/healthz/ready", timeout=15)
    # Beat has not beaten yet: not ready, and the answer says which check and nothing more.
    assert waiting.status_code == 503, waiting.text
    assert waiting.json() == {
        "database": "OK",
        "cache": "OK",
        "storage": "OK",
        "broker": "OK",
        "beatheartbeat": "Unavailable",
    }
    health.stamp_beat_heartbeat()
    ready = requests.get(f"{base}/healthz/ready", timeout=15)
    assert ready.status_code == 200, ready.text
    assert set(ready.json().values()) == {"OK"}
    # Through a proxy (X-Forwarded-For) it is not answered: the portal's own refusal (the host
    # is not the public one: 400, or 500 without the image's collected static files).
    proxied = requests.get(
        f"{base}/healthz/ready", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10
    )
    assert proxied.status_code in (400, 500)
    assert "database" not in proxied.text
    # Every log line is a JSON object; each request's carries its id.
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    requests_logged = [line for line in lines if line["logger"] == "portal.request"]
    assert requests_logged and all(len(line["request_id"]) == 32 for line in requests_logged)


def test_readiness_fails_when_beats_heartbeat_is_stale(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "memory://localhost/"
    settings.BEAT_HEARTBEAT_MAX_AGE_MINUTES = 5
    health.stamp_beat_heartbeat(time.time() - 6 * 60)
    stale = client.get("/healthz/ready")
    assert stale.status_code == 503
    assert stale.json()["beatheartbeat"] == "Unavailable"
    health.stamp_beat_heartbeat(time.time() - 4 * 60)
    fresh = client.get("/healthz/ready")
    assert fresh.status_code == 200, fresh.json()


def test_readiness_is_not_answered_to_other_addresses(client, db):
    assert client.get("/healthz/ready", REMOTE_ADDR="203.0.113.9").status_code == 404
    with override_settings(HEALTH_READY_ALLOWED=["203.0.113.0/24"]):
        assert client.get("/healthz/ready", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_liveness_answers_any_host_without_touching_the_database(client, settings):
    settings.ALLOWED_HOSTS = ["portal.example.cn"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_request_id_is_taken_from_the_proxy_or_made_and_logged(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="portal.request"):
        given = client.get("/accounts/login/", HTTP_X_REQUEST_ID="caddy-0123456789abcdef")
        made = client.get("/accounts/login/", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert given["X-Request-ID"] == "caddy-0123456789abcdef"
    assert made["X-Request-ID"] != "bad id\nwith newline" and len(made["X-Request-ID"]) == 32
    ids = [record.request_id for record in caplog.records if record.name == "portal.request"]
    assert ids == ["caddy-0123456789abcdef", made["X-Request-ID"]]
    # Outside a request the filter says None.
    record = logging.LogRecord("x", logging.INFO, "x", 1, "m", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id is None and current_request_id.get() is None


def test_https_is_believed_only_from_a_trusted_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["172.28.0.10"]
    direct = client.get("/help/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="198.51.100.4")
    assert direct.status_code == 301
    proxied = client.get("/help/", HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR="172.28.0.10")
    assert proxied.status_code != 301


def test_tasks_are_routed_to_their_queues():
    from config.celery import app

    def queue(name: str) -> str:
        route = app.amqp.router.route({}, name)
        return route["queue"].name

    assert queue("core.tasks.build_document") == "documents"
    assert queue("reports.tasks.build_quarterly_reports") == "documents"
    assert queue("reports.tasks.refresh_rollups") == "rollups"
    assert queue("notifications.tasks.send_delivery") == "notifications"
    assert queue("issues.tasks.morning_deadline_run") == "notifications"
    assert queue("core.tasks.beat_heartbeat") == "notifications"
    # A worker started without -Q (development, the tests' own) consumes all three.
    assert {q.name for q in app.conf.task_queues} == {"documents", "notifications", "rollups"}


def test_beat_stamps_the_heartbeat_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["beat-heartbeat"]
    assert entry["task"] == "core.tasks.beat_heartbeat" and entry["schedule"] == 60.0


def _import_production(**extra: str) -> subprocess.CompletedProcess:
    env = _production_env(**extra)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_env_examples_secret_key_is_the_one_refused():
    example = (ROOT / ".env.example").read_text()
    assert f"SECRET_KEY={EXAMPLE_SECRET_KEY}\n" in example


@pytest.mark.parametrize(
    "key",
    [EXAMPLE_SECRET_KEY, "change-me-" + "x" * 60, "Change-Me please " + "y" * 50],
)
def test_production_refuses_the_example_secret_key(key):
    result = _import_production(SECRET_KEY=key)
    assert result.returncode != 0
    assert "SECRET_KEY is the example's from .env.example" in result.stderr


def test_production_accepts_a_random_secret_key():
    result = _import_production()
    assert result.returncode == 0, result.stderr


def test_check_deploy_flags_the_example_secret_key(settings):
    settings.SECRET_KEY = EXAMPLE_SECRET_KEY
    with pytest.raises(SystemCheckError, match=r"core\.E001"):
        call_command("check", "--deploy", "--tag", "security")


def _compose() -> list[str] | None:
    """Docker Compose v2 (`docker compose`), or v1 (`docker-compose`), when installed."""
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run(  # noqa: S603 (fixed arguments)
            [docker, "compose", "version"], capture_output=True, timeout=20, check=False
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def _host_ip(port) -> str:
    """A published port's host address, in v2's long form or v1's "127.0.0.1:8000:8000/tcp"."""
    if isinstance(port, dict):
        return port.get("host_ip", "")
    parts = str(port).split(":")
    return parts[0] if len(parts) == 3 else ""


def test_docker_compose_config_validates(tmp_path):
    compose = _compose()
    if compose is None:
        pytest.skip("docker compose is not installed")
    # A project directory like a deployer's: the repository's files and a .env from the example.
    for name in ("docker-compose.yml", "Caddyfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "docker", tmp_path / "docker")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [*compose, "config"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) == {
        "db",
        "redis",
        "migrate",
        "web",
        "worker-documents",
        "worker-notifications",
        "worker-rollups",
        "beat",
        "proxy",
    }
    web = services["web"]
    # gunicorn is PID 1: an exec-form command, no shell.
    assert web["command"] == ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
    assert web["healthcheck"]["test"] == [
        "CMD",
        "python",
        "-m",
        "core.probe",
        "http://127.0.0.1:8000/healthz",
    ]
    assert [_host_ip(port) for port in web["ports"]] == ["127.0.0.1"]
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--no-input"]
    for name in ("web", "worker-documents", "worker-notifications", "worker-rollups", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert services[name]["logging"]["options"] == {"max-size": "20m", "max-file": "5"}
    queues = {
        name: services[name]["command"][services[name]["command"].index("-Q") + 1]
        for name in ("worker-documents", "worker-notifications", "worker-rollups")
    }
    assert queues == {
        "worker-documents": "documents",
        "worker-notifications": "notifications",
        "worker-rollups": "rollups",
    }
    # A build may run 29 minutes (its hard time limit): the documents worker gets 30 to finish,
    # SIGTERM being Celery's warm shutdown.
    assert services["worker-documents"]["stop_grace_period"] in ("30m", "30m0s")
    assert services["worker-documents"]["stop_signal"] == "SIGTERM"
    # Only the proxy's address is trusted for the forwarded headers.
    proxy_ip = services["proxy"]["networks"]["default"]["ipv4_address"]
    assert proxy_ip == "172.28.0.10"
    for name in ("web", "worker-documents", "beat"):
        assert services[name]["environment"]["TRUSTED_PROXIES"] == proxy_ip, name
    # The images we do not build are pinned by digest; so is the one the database's is built on
    # (PostgreSQL with pg_partman, docker/db/Dockerfile).
    for name in ("redis", "proxy"):
        assert "@sha256:" in services[name]["image"], name
    assert "@sha256:" in services["db"]["build"]["args"]["POSTGRES_IMAGE"]
    assert services["db"]["build"]["context"].endswith("docker/db")


def _locked(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        if line and not line.startswith((" ", "#", "-")) and "==" in line:
            names.add(re.sub(r"[-_.]+", "-", line.split("==")[0]).lower())
    return names


def _required(requirements: list[str]) -> set[str]:
    return {
        re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", spec).group(0)).lower()
        for spec in requirements
    }


def test_the_lock_files_hold_every_dependency_of_pyproject():
    """A dependency added to pyproject.toml without `make lock` would never be installed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _required(project["dependencies"])
    dev = _required(project["optional-dependencies"]["dev"])
    missing = runtime - _locked(ROOT / "requirements.lock")
    assert not missing, f"run `make lock`: {sorted(missing)} not in requirements.lock"
    missing = (runtime | dev) - _locked(ROOT / "requirements-dev.lock")
    assert not missing, f"run `make lock`: {sorted(missing)} not in requirements-dev.lock"
    # Every pin carries its hashes (pip --require-hashes refuses the file otherwise).
    lines = (ROOT / "requirements-dev.lock").read_text().splitlines()
    pins = [n for n, line in enumerate(lines) if line and not line.startswith((" ", "#"))]
    assert len(pins) > 100
    assert all(lines[n + 1].strip().startswith("--hash=sha256:") for n in pins)


def test_sentry_is_on_when_a_dsn_is_set_and_sends_no_personal_data():
    script = (
        "import django; django.setup(); import sentry_sdk; client = sentry_sdk.get_client();"
        "print(client.is_active(), client.options['send_default_pii'],"
        " sorted(i for i in client.integrations if i in ('django', 'celery')))"
    )
    without = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert without.stdout.split()[0] == "False", without.stderr
    with_dsn = subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_production_env(SENTRY_DSN="https://public@127.0.0.1:9/1"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert with_dsn.stdout.strip() == "True False ['celery', 'django']", with_dsn.stderr


@pytest.mark.parametrize(
    ("site", "tls"),
    [
        ("portal.example.cn", "tls internal"),
        ("portal.example.cn", "tls hzb@example.cn"),
        ("portal.example.cn", "tls /certs/portal.crt /certs/portal.key"),
        ("http://portal.lan", ""),
    ],
)
def test_the_caddyfile_adapts_for_each_documented_tls_choice(site, tls):
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("caddy is not installed")
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [caddy, "adapt", "--config", str(ROOT / "Caddyfile"), "--adapter", "caddyfile"],
        env={**os.environ, "PORTAL_SITE": site, "PORTAL_TLS": tls},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    adapted = result.stdout
    assert '"disabled":true' in adapted.replace(" ", "")  # no admin endpoint
    assert "web:8000" in adapted and "X-Request-Id" in adapted and "/healthz/ready" in adapted


def test_every_package_our_code_imports_is_in_the_runtime_lock():
    """The image installs requirements.lock only: a package our code imports that came in
    through the dev tools (as requests once did) would be missing in production."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    ours = set(project["tool"]["importlinter"]["root_packages"])
    distributions = importlib.metadata.packages_distributions()
    imported: dict[str, str] = {}
    for package in ours:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in ours and top not in sys.stdlib_module_names:
                        imported.setdefault(top, str(path.relative_to(ROOT)))
    locked = _locked(ROOT / "requirements.lock")
    missing = {
        top: where
        for top, where in imported.items()
        if not any(
            re.sub(r"[-_.]+", "-", dist).lower() in locked for dist in distributions.get(top, [])
        )
    }
    assert not missing, (
        f"imported but not in requirements.lock (pyproject.toml, make lock): {missing}"
    )
