"""What `/healthz` and `manage.py healthcheck` report: the database, Redis, and the last worker heartbeat.

The heartbeat is a periodic task (beat sends it every minute, a worker runs it) that writes the time into the
cache (Redis): its age proves that beat schedules, Redis carries and a worker works — the whole task path.
"""

from __future__ import annotations

import logging
import socket
import time

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

HEARTBEAT_KEY = "eco:worker-heartbeat"


def heartbeat_record() -> None:
    """Called by the heartbeat task inside a worker: now is the last time a worker ran a task."""
    from django.core.cache import cache

    cache.set(HEARTBEAT_KEY, {"at": time.time(), "worker": socket.gethostname()}, None)


def heartbeat_age() -> float | None:
    """Seconds since the last heartbeat, or None (never, or the cache cannot be read)."""
    from django.core.cache import cache

    try:
        beat = cache.get(HEARTBEAT_KEY)
    except Exception:  # a cache outage is reported by the Redis check, not raised here
        logger.warning("health: cannot read the heartbeat from the cache", exc_info=True)
        return None
    if not beat:
        return None
    return max(0.0, time.time() - float(beat["at"]))


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not healthy"
        logger.exception("health: database unavailable")
        return "unavailable"
    return "ok"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception:  # refused, timed out, auth: all "not healthy"
        logger.exception("health: Redis unavailable")
        return "unavailable"
    return "ok"


def health_report() -> tuple[bool, dict]:
    """(healthy, report). Healthy = database answers and Redis (when configured) answers.

    The worker heartbeat is reported ("ok", "stale", "unknown" and its age) but does not decide `healthy`: a web
    process is fine when the workers are not, and restarting it would not help.
    """
    database = _database()
    redis_state = _redis()
    age = heartbeat_age() if redis_state != "unavailable" else None
    if age is None:
        worker = "unknown"
    else:
        worker = "ok" if age <= settings.HEALTH_HEARTBEAT_MAX_AGE else "stale"
    healthy = database == "ok" and redis_state in ("ok", "not configured")
    report = {
        "status": "ok" if healthy else "error",
        "database": database,
        "redis": redis_state,
        "worker_heartbeat_age_seconds": None if age is None else round(age),
        "worker": worker,
    }
    return healthy, report
