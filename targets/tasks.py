"""Thin Celery tasks of the assessment: they take ids/ISO dates and call the services."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.db import OperationalError


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=30,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def compute_scores(self, run_id: int) -> str | None:
    """Compute a queued scoring run (the run row carries status and progress for the page)."""
    from .services import scores_run_queued

    run = scores_run_queued(run_id=run_id)
    return run.status if run else None


@shared_task(acks_late=True, max_retries=0, soft_time_limit=5 * 60, time_limit=6 * 60)
def compute_scores_nightly(as_of: str | None = None) -> int:
    """Queue today's run of every published scheme of the current year (beat, nightly)."""
    from .models import AssessmentScheme
    from .services import default_as_of, scores_request

    day = date.fromisoformat(as_of) if as_of else None
    n = 0
    for scheme in AssessmentScheme.objects.filter(published=True):
        when = day or default_as_of(scheme.year)
        if when.year != scheme.year:
            continue
        scores_request(scheme=scheme, as_of=when)
        n += 1
    return n
