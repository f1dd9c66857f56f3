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
    """Periodic liveness mark in the worker log."""
    logger.info("heartbeat")
    return "ok"


@app.task(name="config.celery.ping", time_limit=30, soft_time_limit=25)
def ping(value: int) -> int:
    """Round trip used by the health check and the tests: returns its argument plus one."""
    return value + 1


# The claim helpers live with the shared infrastructure (tracker.common.claims); re-exported for old imports.
from tracker.common.claims import claim_once, count_delivery, release_claim  # noqa: E402, F401
