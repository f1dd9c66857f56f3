"""The Celery application. Broker and mode come from settings (REDIS_URL, or eager when unset)."""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("eco_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


@app.task(name="config.celery.heartbeat", acks_late=True, time_limit=30, soft_time_limit=25)
def heartbeat() -> str:
    """Periodic liveness mark: the time a worker last ran a task, read by /healthz and the beat health check."""
    from tracker.health import heartbeat_record

    heartbeat_record()
    logger.debug("heartbeat")
    return "ok"


@app.task(name="config.celery.ping", time_limit=30, soft_time_limit=25)
def ping(value: int) -> int:
    """Round trip used by the health check and the tests: returns its argument plus one."""
    return value + 1


# --- faults: periodic jobs run once, deliveries are bounded ---------------------------------------
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
