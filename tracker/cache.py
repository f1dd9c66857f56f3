"""A Redis cache whose failures are cache misses, so pages render (from the database) while Redis is down.

The dashboards cache assembled panels; Redis is also the broker. When Redis goes away, a page must not
become a 500 for every role: a read is a miss, a write is skipped, and after a failure the cache stays out
of the way for a few seconds (no connect attempt per call, so a page with ten panels costs one failed
connect, not ten). Counters and claims that need the truth use the strict "coordination" alias instead.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# After a failure, treat the cache as absent for this long (per process), then try again.
RETRY_AFTER_SECONDS = 5.0


class TolerantRedisCache(RedisCache):
    """Django's RedisCache with get/set/add/delete… turning any Redis error into a miss (logged)."""

    _down_until = 0.0  # per instance (Django keeps one per alias and thread)

    def _guard(self, op: str, fallback, call, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return call(*args, **kwargs)
        except Exception as exc:  # redis.ConnectionError, TimeoutError, ResponseError…: the cache is optional
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning("cache unavailable (%s: %s); served without it for %ss", op, exc, RETRY_AFTER_SECONDS)
            return fallback

    def get(self, key, default=None, version=None):
        return self._guard("get", default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set", None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set_many", list(data), super().set_many, data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("add", False, super().add, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", None, super().delete_many, keys, version)

    def clear(self):
        return self._guard("clear", None, super().clear)
