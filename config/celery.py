"""The Celery application. Broker and mode come from settings (REDIS_URL, or eager when unset)."""

import logging
import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("eco_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


@app.task(name="config.celery.heartbeat", acks_late=True, time_limit=30, soft_time_limit=25)
def heartbeat() -> str:
    """Periodic liveness mark in the worker log."""
    logger.info("heartbeat")
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


@worker_ready.connect
def sweep_on_worker_start(sender=None, **kwargs) -> None:
    """A starting worker sends the scoring runs left unsent (the broker was down) to the queue it consumes.

    The beat sweep does the same every minute; this covers a restart after an outage without waiting for beat.
    In a thread, so a slow or dead database never holds up the worker's start.
    """
    import threading

    queues = [q.name for q in sender.task_consumer.queues] if getattr(sender, "task_consumer", None) else []
    threading.Thread(
        target=_sweep, args=(queues[0] if queues else None,), name="scoring-sweep-on-start", daemon=True
    ).start()


def _sweep(queue: str | None) -> None:
    from django.db import connections

    try:
        from targets.services import scores_sweep

        logger.info("scoring sweep on worker start: %s", scores_sweep(queue=queue))
    except Exception:  # the worker runs on; beat sweeps again within a minute
        logger.warning("scoring sweep on worker start failed", exc_info=True)
    finally:
        connections.close_all()  # this thread's connections
