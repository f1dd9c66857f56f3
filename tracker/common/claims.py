"""Celery helpers every app's tasks use: a periodic job claimed once per day, bounded redeliveries.

Kept out of `config/` (configuration only) and out of any domain app. Backed by the strict "coordination"
cache alias (Redis, errors raised): a claim must never be granted because Redis failed, unlike the dashboards'
tolerant default cache where a failure is just a miss.
"""

from __future__ import annotations


def claim_once(key: str, owner: str, ttl: int) -> bool:
    """True for the first `owner` of `key` (a Redis `SET NX EX` through the cache), and again for that owner.

    Two beat processes (a misconfigured failover, a second host) each send the same periodic job: the first
    message to run claims the job for its day, the other one sees a different owner and does nothing. The
    same message delivered again (worker lost mid-run, acks late) keeps its claim and runs again.
    """
    from django.core.cache import caches

    cache = caches["coordination"]
    if cache.add(key, owner, ttl):
        return True
    return cache.get(key) == owner


def release_claim(key: str, owner: str) -> None:
    """Give a claim back (the job failed and may be sent again the same day)."""
    from django.core.cache import caches

    cache = caches["coordination"]
    if cache.get(key) == owner:
        cache.delete(key)


def count_delivery(key: str, ttl: int) -> int:
    """How many times this message has started (1 on the first delivery): bounds redeliveries."""
    from django.core.cache import caches

    cache = caches["coordination"]
    cache.add(key, 0, ttl)
    return cache.incr(key)


def daily_retry_delay(retries: int) -> int:
    """Seconds before retry number `retries + 1` of a daily job: DAILY_JOB_RETRY_BACKOFF doubled each time.

    With the default 60 s: 60, 120, 240, 480, 960 — five retries over ~31 minutes, long enough for a database
    restart or failover, short enough to finish before the working day.
    """
    from django.conf import settings

    return settings.DAILY_JOB_RETRY_BACKOFF * 2**retries
