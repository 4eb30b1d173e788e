"""Reads of the read-only pages go to a read replica (``DATABASE_REPLICA_URL``); all else to the
primary (README, "Read replica").

A request reads the replica only when all of these hold, decided once in ``process_view``:

- the replica is configured (the ``replica`` alias exists) and a safe method (GET, HEAD) asks;
- its view is marked read-only: its URL name is in ``settings.REPLICA_READ_VIEWS`` (one list);
- the client is not pinned: after a write of its own (any unsafe request, or a safe one that
  wrote data) a cookie keeps its reads on the primary for ``REPLICA_PIN_SECONDS``, so that who
  just saved sees what they saved, whatever the replica's lag;
- the replica answers and has replayed to within ``REPLICA_MAX_LAG_SECONDS`` of the primary.
  A replica that does not answer is left alone for ``REPLICA_BACKOFF_SECONDS`` (logged once),
  so a dead replica costs one connection attempt now and then, never an error page.

Writes always go to the primary, and once a request has written, its later reads go there too.
Everything outside a routed request (Celery tasks, management commands, the middleware before
the view) reads the primary: the router's state is a context variable, off by default. The
bookkeeping a request does on the side (its session, an API token's last use, audit entries, the
login lockout, 2FA devices) is read from the primary and does not count as the client's write.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "rc_primary_until"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ROUTED_METHODS = frozenset({"GET", "HEAD"})

# Read from the primary whatever the request, and written without pinning the client: state
# that a request keeps on the side, which a lagging replica would show stale (a session just
# logged in, a token just made, a lockout just set).
BOOKKEEPING_APPS = frozenset({"sessions", "axes", "otp_totp", "otp_static", "authtoken", "audit"})
BOOKKEEPING_MODELS = frozenset({"accounts.apitoken"})

# The replica has replayed everything it received (idle primary: no lag, however old the last
# commit), or else how long ago the last transaction it replayed committed. Not in recovery (a
# replica URL that names a primary): no lag.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9)
END
"""


@dataclass
class _Reads:
    replica: bool = False
    wrote: bool = False


_reads: ContextVar[_Reads | None] = ContextVar("replica_reads", default=None)


def _is_bookkeeping(model: type | None) -> bool:
    if model is None:
        return False
    meta = model._meta
    return meta.app_label in BOOKKEEPING_APPS or meta.label_lower in BOOKKEEPING_MODELS


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    """``DATABASE_ROUTERS``' one router: the replica only for a routed request's reads."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        reads = _reads.get()
        if (
            reads is not None
            and reads.replica
            and not _is_bookkeeping(model)
            # A read inside a transaction on the primary belongs to it (select_for_update, a
            # read after a write in one atomic block).
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
            and replica_configured()
        ):
            return REPLICA
        # Never None: Django would then read where the hinted instance came from (the replica).
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type, **hints: Any) -> str:
        reads = _reads.get()
        if reads is not None and not _is_bookkeeping(model):
            reads.wrote = True
            reads.replica = False
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The same rows on both: an object read from the replica may be linked to one from the
        # primary.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


# Celery tasks read the primary, also when run eagerly inside a routed request.
_task_tokens: dict[str, Any] = {}


def task_started(task_id: str, **kwargs: Any) -> None:
    _task_tokens[task_id] = _reads.set(None)


def task_ended(task_id: str, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        # Ended in another context than it started: nothing of ours to undo there.
        with suppress(ValueError):
            _reads.reset(token)


def reading_replica() -> bool:
    """Whether the current request's reads go to the replica now (for logs and tests)."""
    reads = _reads.get()
    return reads is not None and reads.replica


class _ReplicaHealth:
    """Process-wide: is the replica up and close enough? Asked at most every
    ``REPLICA_CHECK_SECONDS``; after a failure not asked for ``REPLICA_BACKOFF_SECONDS``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._checked_at = -1e9
        self._usable = False

    def reset(self) -> None:
        with self._lock:
            self._down_until = 0.0
            self._checked_at = -1e9
            self._usable = False

    def trip(self, reason: str) -> None:
        with self._lock:
            self._down_until = time.monotonic() + settings.REPLICA_BACKOFF_SECONDS
            self._usable = False
        logger.warning(
            "read replica unavailable (%s): reading the primary for %s s",
            reason,
            settings.REPLICA_BACKOFF_SECONDS,
        )

    def usable(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if now < self._down_until:
                return False
            if now - self._checked_at < settings.REPLICA_CHECK_SECONDS:
                return self._usable
        try:
            with connections[REPLICA].cursor() as cursor:
                cursor.execute(LAG_SQL)
                lag = float(cursor.fetchone()[0])
        except (OperationalError, InterfaceError) as exc:
            # A broken connection is not reused by the next request of this thread.
            connections[REPLICA].close()
            self.trip(f"{type(exc).__name__}: {str(exc).strip()}")
            return False
        usable = lag <= settings.REPLICA_MAX_LAG_SECONDS
        if not usable:
            logger.warning(
                "read replica %.1f s behind (more than %s s): reading the primary",
                lag,
                settings.REPLICA_MAX_LAG_SECONDS,
            )
        with self._lock:
            self._checked_at = time.monotonic()
            self._usable = usable
        return usable


HEALTH = _ReplicaHealth()


def _pinned(request: HttpRequest) -> bool:
    try:
        return float(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
    except ValueError:
        return False


def view_reads_replica(request: HttpRequest) -> bool:
    """The request's method and view allow the replica (not whether it is up or pinned)."""
    match = getattr(request, "resolver_match", None)
    return (
        request.method in ROUTED_METHODS
        and match is not None
        and match.view_name in settings.REPLICA_READ_VIEWS
    )


class ReplicaReadsMiddleware:
    """Turns the replica on for a marked view's reads; pins a client that wrote."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reads = _Reads()
        token = _reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if request.method not in SAFE_METHODS or reads.wrote:
            pin = settings.REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                f"{time.time() + pin:.3f}",
                max_age=int(pin) + 1,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> None:
        reads = _reads.get()
        if (
            reads is not None
            and not reads.wrote
            and replica_configured()
            and view_reads_replica(request)
            and not _pinned(request)
            and HEALTH.usable()
        ):
            reads.replica = True
            request._replica_view = (view_func, view_args, view_kwargs)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        """The replica failed in the middle of a read-only view: once more, on the primary."""
        reads = _reads.get()
        view = getattr(request, "_replica_view", None)
        if reads is None or not reads.replica or view is None:
            return None
        # A lost connection, or a query the replica cancelled to replay the primary's WAL.
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        connections[REPLICA].close()
        HEALTH.trip(f"{type(exception).__name__} during {request.path}")
        reads.replica = False
        request._replica_view = None
        view_func, view_args, view_kwargs = view
        response = view_func(request, *view_args, **view_kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        return response
