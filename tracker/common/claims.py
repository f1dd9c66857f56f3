"""Celery helpers every app's tasks use: a periodic job claimed once per day, bounded redeliveries.

Kept out of `config/` (configuration only) and out of any domain app; backed by Django's cache (Redis).
"""

from __future__ import annotations


def claim_once(key: str, owner: str, ttl: int) -> bool:
    """True for the first `owner` of `key` (a Redis `SET NX EX` through the cache), and again for that owner.

    Two beat processes (a misconfigured failover, a second host) each send the same periodic job: the first
    message to run claims the job for its day, the other one sees a different owner and does nothing. The
    same message delivered again (worker lost mid-run, acks late) keeps its claim and runs again.
    """
    from django.core.cache import cache

    if cache.add(key, owner, ttl):
        return True
    return cache.get(key) == owner


def release_claim(key: str, owner: str) -> None:
    """Give a claim back (the job failed and may be sent again the same day)."""
    from django.core.cache import cache

    if cache.get(key) == owner:
        cache.delete(key)


def count_delivery(key: str, ttl: int) -> int:
    """How many times this message has started (1 on the first delivery): bounds redeliveries."""
    from django.core.cache import cache

    cache.add(key, 0, ttl)
    return cache.incr(key)
