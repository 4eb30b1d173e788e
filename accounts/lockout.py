"""Login lockout (django-axes): where a login comes from, one try at a time, and the 429 answer.

Axes counts failed logins per username *and* address (AXES_LOCKOUT_PARAMETERS) and refuses a
pair that reached AXES_FAILURE_LIMIT within AXES_COOLOFF_TIME; ``AddressLimitedHandler`` also
refuses an address with LOGIN_ADDRESS_FAILURE_LIMIT failures over all usernames (password
spraying). The address is ``core.clientip.client_ip`` (TRUSTED_PROXIES). Axes' check ("is this
pair locked?") and its count ("one more failure") are two steps around the password check, so
parallel tries could all pass the check before any of them is counted. ``login_attempt`` closes
that gap: the tries of one username from one address take turns (a PostgreSQL advisory lock held
until the failure is committed), so the try after the limit always sees the lock.
"""

import hashlib
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

# The one answer to "who sent this?" (TRUSTED_PROXIES); imported here for axes and the audit log.
from core.clientip import client_ip

__all__ = ["AddressLimitedHandler", "client_ip", "lockout_response", "login_attempt"]


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


def _recent_attempts(ip: str):
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since)


def address_locked(ip: str) -> bool:
    """Whether ``ip`` failed LOGIN_ADDRESS_FAILURE_LIMIT times within the cool-off, over every
    username it tried: one guess each at many accounts adds up here, not in axes' pairs."""
    failures = _recent_attempts(ip).aggregate(n=Sum("failures_since_start"))["n"] or 0
    return failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


class AddressLimitedHandler(AxesDatabaseHandler):
    """AXES_HANDLER: axes' own per username-and-address count, plus the address-wide one. Axes
    has one failure limit for all its lockout parameters, and an address of a whole office
    needs a higher one than a username at it, so the address's count is this check's own."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        if address_locked(client_ip(request)):
            request.address_locked = True
            return True
        return False


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


def address_lockout_message(minutes: int) -> str:
    return _(
        "您所在的网络地址登录失败次数过多，已被暂时锁定，请 %(minutes)d 分钟后再试。"
        "如需立即解锁，请联系管理员。"
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with a readable page, or ``{"detail": ...}`` for the API."""
    username = (credentials or {}).get("username")
    ip = client_ip(request)
    if getattr(request, "address_locked", False):
        last = _recent_attempts(ip).aggregate(last=Max("attempt_time"))["last"] or timezone.now()
        remaining = max(last + settings.AXES_COOLOFF_TIME - timezone.now(), timedelta(0))
        seconds = max(math.ceil(remaining.total_seconds()), 1)
        message = address_lockout_message(max(math.ceil(seconds / 60), 1))
    else:
        remaining = remaining_lockout(username, ip)
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
