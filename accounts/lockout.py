"""Login lockout (django-axes): where a login comes from, one try at a time, and the 429 answer.

Axes counts failed logins per username *and* address (AXES_LOCKOUT_PARAMETERS) and refuses a
pair that reached AXES_FAILURE_LIMIT within AXES_COOLOFF_TIME. Its check ("is this pair locked?")
and its count ("one more failure") are two steps around the password check, so parallel tries
could all pass the check before any of them is counted. ``login_attempt`` closes that gap: the
tries of one username from one address take turns (a PostgreSQL advisory lock held until the
failure is committed), so the try after the limit always sees the lock.
"""

import hashlib
import ipaddress
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _


def client_ip(request: HttpRequest) -> str:
    """The address a login comes from: REMOTE_ADDR, or behind a proxy the last address in the
    header named by LOGIN_CLIENT_IP_HEADER (the one our proxy wrote; earlier entries of an
    X-Forwarded-For are whatever the client sent and are never trusted)."""
    remote = request.META.get("REMOTE_ADDR", "")
    header = settings.LOGIN_CLIENT_IP_HEADER
    if header:
        meta_key = "HTTP_" + header.upper().replace("-", "_")
        forwarded = request.META.get(meta_key, "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            return remote
    return remote


_local_lock = threading.Lock()


def _lock_key(username: str, ip: str) -> int:
    digest = hashlib.blake2b(f"axes\0{username}\0{ip}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def login_attempt(request: HttpRequest, username: str) -> Iterator[None]:
    """Run one login try (``authenticate(request, ...)``) while no other try of the same
    username from the same address runs; the failure axes records is committed before the
    next try starts. Other usernames and other addresses never wait."""
    if connection.vendor != "postgresql":
        # The embedded SQLite of `make run` has no advisory locks: one try at a time per process.
        with _local_lock:
            yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [_lock_key(username, client_ip(request))]
            )
        yield


def remaining_lockout(username: str | None, ip: str) -> timedelta:
    """How long the pair stays locked: the cool-off counted from its last recorded failure."""
    from axes.models import AccessAttempt

    cool_off = settings.AXES_COOLOFF_TIME
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=ip)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    if last is None:
        return cool_off
    return max(last + cool_off - timezone.now(), timedelta(0))


def lockout_message(minutes: int) -> str:
    return _(
        "登录失败次数过多，该账号已在您所在的网络地址上被锁定，请 %(minutes)d 分钟后再试。"
        "如需立即解锁，请联系管理员。"
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with a readable page, or ``{"detail": ...}`` for the API."""
    username = (credentials or {}).get("username")
    remaining = remaining_lockout(username, client_ip(request))
    seconds = max(math.ceil(remaining.total_seconds()), 1)
    message = lockout_message(max(math.ceil(seconds / 60), 1))
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(
            request,
            "registration/lockout.html",
            {
                "message": message,
                "username": username or "",
                "failure_limit": settings.AXES_FAILURE_LIMIT,
            },
            status=429,
        )
    response["Retry-After"] = str(seconds)
    return response
