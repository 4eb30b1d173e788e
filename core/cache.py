"""A Redis cache that a stopped Redis does not take down with it.

The cache only ever holds what can be computed again, so when Redis is away a read is a miss
and a write is dropped (both logged), and the page or the API answer is still served from the
database. Django's own RedisCache would raise instead, and turn a broker outage into 500s.
Its connect and read timeouts (settings CACHES) bound one call; after a failure the cache leaves
Redis alone for REDIS_BACKOFF_SECONDS (``CACHE``, core.broker.Breaker), so that a Redis that
hangs costs a request one timeout now and then rather than one per cache call.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from .broker import Breaker

logger = logging.getLogger(__name__)


CACHE = Breaker("cache")


def _unavailable(operation: str, exc: RedisError) -> None:
    CACHE.trip()
    logger.warning("cache %s skipped: Redis unavailable (%s)", operation, exc)


class ResilientRedisCache(RedisCache):
    """RedisCache whose reads miss and whose writes are dropped while Redis is unreachable."""

    def _safely(self, operation: str, fallback: Any, call, *args):
        if CACHE.is_open():
            return fallback
        try:
            return call(*args)
        except RedisError as exc:
            _unavailable(operation, exc)
            return fallback

    def get(self, key, default=None, version=None):
        return self._safely("get", default, super().get, key, default, version)

    def get_many(self, keys, version=None) -> dict[str, Any]:
        return self._safely("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None) -> bool:
        return self._safely("has_key", False, super().has_key, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._safely("add", False, super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        self._safely("set", None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        return self._safely("set_many", list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        return self._safely("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None) -> bool:
        return self._safely("delete", False, super().delete, key, version)

    def delete_many(self, keys, version=None) -> None:
        self._safely("delete_many", None, super().delete_many, keys, version)

    def clear(self) -> None:
        self._safely("clear", None, super().clear)

    # incr/decr are left to raise: a counter that silently stays put would be a wrong answer,
    # not a slower one (Django's incr already raises ValueError for a missing key).
