"""Thin Celery tasks of tracker."""

import datetime

from celery import shared_task
from django.utils import timezone

from tracker.common.claims import claim_once, release_claim


@shared_task(bind=True, acks_late=True, max_retries=3, time_limit=600, soft_time_limit=540)
def inbox_daily(self, on: str | None = None) -> dict | None:
    """Daily: tell units about stalled projects and overdue or near-deadline tasks (idempotent by message key)."""
    from .services.inbox import inbox_daily_run

    day = datetime.date.fromisoformat(on) if on else timezone.localdate()
    claim = None
    if on is None and self.request.id:
        claim = f"beat-once:tracker.inbox_daily:{day.isoformat()}"
        if not claim_once(claim, self.request.id, ttl=36 * 3600):
            return None
    try:
        return inbox_daily_run(on=day)
    except Exception:
        if claim:
            release_claim(claim, self.request.id)
        raise


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540)
def air_unit_days_refresh() -> int:
    """Recompute the unit-days an upload made stale (sent after the upload commits; `tracker.air_days`), then
    the units' statistics of this year to date, which a scoring run of today reads (kept by data version)."""
    from django.utils import timezone

    from .air_days import air_unit_days_refresh as refresh
    from .selectors.air import unit_statistics_warm

    n = refresh()
    unit_statistics_warm(timezone.localdate())
    return n
