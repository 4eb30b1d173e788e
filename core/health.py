"""Health: liveness at ``/healthz`` and readiness at ``/healthz/ready`` (issue #18).

Both are answered by ``HealthMiddleware``, the first middleware, before SecurityMiddleware's
HTTPS redirect and before anything reads the Host header (``ALLOWED_HOSTS``): a container's
healthcheck asks ``http://127.0.0.1:8000/healthz`` with no proxy in front, and must get 200 under
the production settings whatever ``ALLOWED_HOSTS`` and ``SECURE_SSL_REDIRECT`` say.

- ``/healthz`` (liveness): the process answers. It touches nothing else, so a database or Redis
  outage never makes the orchestrator restart a web process that restarting cannot help.
- ``/healthz/ready`` (readiness, django-health-check): the database, the cache, the Celery
  broker, the default file storage and beat's heartbeat (``core.tasks.beat_heartbeat`` stamps
  the time every minute; older than ``BEAT_HEARTBEAT_MAX_AGE_MINUTES``: failing). Only asked
  from the machine itself or the addresses of ``HEALTH_READY_ALLOWED`` (monitoring), never
  through the proxy: anyone else gets the portal's ordinary 404. Its answer names the checks
  and says "OK" or the kind of failure, never an exception's text (a host, a path, a password).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import time
from functools import lru_cache

from asgiref.sync import async_to_sync
from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from health_check.base import HealthCheck
from health_check.checks import Cache, Database, Storage
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from .clientip import FORWARDED_FOR, parse_address, parse_networks

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/healthz/ready"
BEAT_HEARTBEAT_KEY = "portal:beat-heartbeat"


def stamp_beat_heartbeat(now: float | None = None) -> float:
    """Record that beat is alive (what its periodic task does); the time stamped."""
    stamped = time.time() if now is None else now
    cache.set(BEAT_HEARTBEAT_KEY, stamped, timeout=None)
    return stamped


@dataclasses.dataclass
class BeatHeartbeat(HealthCheck):
    """Beat stamped its heartbeat within ``BEAT_HEARTBEAT_MAX_AGE_MINUTES``.

    The stamp is written by a task that beat sends and a worker runs, so a stale stamp means
    beat, the notifications worker or the broker between them is down."""

    def run(self) -> None:
        stamped = cache.get(BEAT_HEARTBEAT_KEY)
        if stamped is None:
            raise ServiceUnavailable("no heartbeat from beat yet")
        age = time.time() - float(stamped)
        if age > settings.BEAT_HEARTBEAT_MAX_AGE_MINUTES * 60:
            raise ServiceUnavailable(f"beat's last heartbeat {age / 60:.0f} minutes ago")


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (within ``REDIS_TIMEOUT``)."""

    timeout: datetime.timedelta = dataclasses.field(
        default=datetime.timedelta(seconds=3), repr=False
    )

    def run(self) -> None:
        try:
            with current_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=settings.REDIS_TIMEOUT)
        except Exception as error:  # kombu and redis raise many kinds; none is ours to show
            raise ServiceUnavailable("the broker does not answer") from error


def readiness_checks() -> list[HealthCheck]:
    checks: list[HealthCheck] = [Database(), Cache(), Storage()]
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        # With tasks in-process (development) there is neither a broker nor beat to ask.
        checks += [Broker(), BeatHeartbeat()]
    return checks


class ReadinessView(HealthCheckView):
    """django-health-check's runner, answering JSON only: each check's name and "OK" or its
    failure's kind ("Unavailable"), 200 when all pass, else 503."""

    def get_checks(self):
        return readiness_checks()

    async def get(self, request, *args, **kwargs):
        with self.get_executor() as executor:
            results = await asyncio.gather(
                *(check.get_result(executor) for check in self.get_checks())
            )
        body = {
            type(result.check).__name__.lower(): (
                "OK" if result.error is None else result.error.message_type
            )
            for result in results
        }
        failing = any(result.error is not None for result in results)
        return JsonResponse(body, status=503 if failing else 200)


_readiness = ReadinessView.as_view()


@lru_cache(maxsize=8)
def _allowed(values: tuple[str, ...]):
    return parse_networks(values)


def may_ask_readiness(request: HttpRequest) -> bool:
    """A request straight from this machine (or a monitoring address), not through a proxy."""
    if request.META.get(FORWARDED_FOR):
        return False
    peer = parse_address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return False
    if peer.is_loopback:
        return True
    return any(peer in network for network in _allowed(tuple(settings.HEALTH_READY_ALLOWED)))


class HealthMiddleware:
    """First in MIDDLEWARE: answers the two health paths before any host or HTTPS check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            if request.path == LIVENESS_PATH:
                response = JsonResponse({"status": "ok"})
                add_never_cache_headers(response)
                return response
            if request.path == READINESS_PATH and may_ask_readiness(request):
                response = async_to_sync(_readiness)(request)
                add_never_cache_headers(response)
                return response
        return self.get_response(request)
