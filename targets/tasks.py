"""Thin Celery tasks of the assessment: they take ids/ISO dates and call the services."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from tracker.common.claims import claim_once, count_delivery, daily_retry_delay, release_claim

# A run whose worker process dies mid-way is delivered again (acks late + reject on worker lost), at most this
# many times in all; then it is marked failed instead of killing worker after worker (e.g. out of memory).
MAX_DELIVERIES = 3


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    max_retries=3,
    # seconds, doubled per retry with jitter; a setting so the fault tests can shorten it
    retry_backoff=getattr(settings, "SCORING_RETRY_BACKOFF", 30),
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def compute_scores(self, run_id: int) -> str | None:
    """Compute a queued scoring run (the run row carries status and progress for the page)."""
    from .choices import RunStatus
    from .models import ScoringRun
    from .services import scores_run_queued

    task_id = self.request.id or ""
    if task_id and not self.request.is_eager:
        starts = count_delivery(f"scoring-deliveries:{task_id}:{self.request.retries}", ttl=2 * 24 * 3600)
        if starts > MAX_DELIVERIES:
            ScoringRun.objects.filter(pk=run_id, task_id=task_id, status=RunStatus.RUNNING).update(
                status=RunStatus.FAILED,
                finished_at=timezone.now(),
                error=f"计分任务执行中被中断 {MAX_DELIVERIES} 次（工作进程退出），已停止重试；原排名保持不变。",
            )
            return RunStatus.FAILED
    run = scores_run_queued(run_id=run_id, task_id=task_id)
    return run.status if run else None


@shared_task(bind=True, acks_late=True, max_retries=5, soft_time_limit=5 * 60, time_limit=6 * 60)
def compute_scores_nightly(self, as_of: str | None = None) -> int | None:
    """Queue today's run of every published scheme of the current year (beat, nightly).

    Sent by beat without arguments: claimed once per day, so a second beat process sending the same entry
    does nothing (returns None). An explicit date (by hand) is not claimed. When the database is briefly down
    it retries with a doubling delay (DAILY_JOB_RETRY_BACKOFF × 2ⁿ, five times: ~31 min with the default 60 s),
    keeping its claim, so the day's job is not lost.
    """
    from .models import AssessmentScheme
    from .services import default_as_of, scores_request

    day = date.fromisoformat(as_of) if as_of else None
    claim = None
    if day is None and self.request.id:
        claim = f"beat-once:targets.compute_scores_nightly:{timezone.localdate().isoformat()}"
        if not claim_once(claim, self.request.id, ttl=36 * 3600):
            return None
    try:
        n = 0
        for scheme in AssessmentScheme.objects.filter(published=True):
            when = day or default_as_of(scheme.year)
            if when.year != scheme.year:
                continue
            scores_request(scheme=scheme, as_of=when)
            n += 1
        return n
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


@shared_task(bind=True, acks_late=True, max_retries=0, soft_time_limit=2 * 60, time_limit=3 * 60)
def scoring_sweep(self) -> dict[str, int]:
    """Send scoring runs whose send failed and re-queue runs whose worker died (beat, every minute).

    Runs are sent to the queue this sweep came from, i.e. to workers that are consuming.
    """
    from .services import scores_sweep

    queue = (self.request.delivery_info or {}).get("routing_key") or None
    return scores_sweep(queue=queue)


@shared_task(acks_late=True, max_retries=0, soft_time_limit=20 * 60, time_limit=25 * 60)
def prune_runs() -> dict[str, int]:
    """Weekly: make the snapshots' partitions of this year and the next (targets.partitions; its own short
    transaction, before and apart from the deletes), then delete the scoring runs nobody can need
    (targets.services.runs_prune)."""
    from .partitions import snapshot_partitions_ahead
    from .services import runs_prune

    snapshot_partitions_ahead()
    return runs_prune(keep_days=settings.SCORING_RUNS_KEEP_DAYS)
