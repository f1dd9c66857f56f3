"""Thin Celery tasks for rectifications."""

import datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from tracker.common.claims import claim_once, daily_retry_delay, release_claim


@shared_task(bind=True, acks_late=True, max_retries=5, time_limit=600, soft_time_limit=540)
def warnings_daily(self, on: str | None = None) -> dict | None:
    """Daily: recompute four-colour warnings and send the notices due (idempotent).

    Sent by beat without arguments: claimed once per day (a second beat process sending the same entry does
    nothing and returns None); an explicit date (by hand) is not claimed. When the database is briefly down
    it retries with a doubling delay, keeping its claim (see `tracker.common.claims.daily_retry_delay`).
    """
    from .services import rectification_warnings_run

    day = datetime.date.fromisoformat(on) if on else timezone.localdate()
    claim = None
    if on is None and self.request.id:
        claim = f"beat-once:rectifications.warnings_daily:{day.isoformat()}"
        if not claim_once(claim, self.request.id, ttl=36 * 3600):
            return None
    try:
        return rectification_warnings_run(on=day)
    except (OperationalError, InterfaceError) as exc:
        if self.request.retries < self.max_retries and not self.request.is_eager:
            raise self.retry(exc=exc, countdown=daily_retry_delay(self.request.retries)) from exc
        if claim:
            release_claim(claim, self.request.id)
        raise
    except Exception:
        if claim:
            release_claim(claim, self.request.id)
        raise
