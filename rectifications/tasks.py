"""Thin Celery tasks for rectifications."""

import datetime

from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True, max_retries=3, default_retry_delay=300, time_limit=600, soft_time_limit=540)
def warnings_daily(on: str | None = None) -> dict:
    """Daily: recompute four-colour warnings and send the notices due (idempotent)."""
    from .services import rectification_warnings_run

    day = datetime.date.fromisoformat(on) if on else timezone.localdate()
    return rectification_warnings_run(on=day)
