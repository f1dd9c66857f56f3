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
    """Periodic liveness mark: the time a worker last ran a task, read by /healthz and the beat health check."""
    from tracker.health import heartbeat_record

    heartbeat_record()
    logger.debug("heartbeat")
    return "ok"


@app.task(name="config.celery.ping", time_limit=30, soft_time_limit=25)
def ping(value: int) -> int:
    """Round trip used by the health check and the tests: returns its argument plus one."""
    return value + 1


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
