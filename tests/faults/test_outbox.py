"""The scoring run row as its own outbox, and the watchdog of runs whose worker died (issue 19), without a worker.

The broker is replaced by a stub that fails or records; `task_always_eager` is off, as with Redis in production.
The same paths against a real Redis that is stopped, and a real worker killed whole, are in test_faults.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from targets import services, tasks
from targets.choices import RunStatus, ValueStatus
from targets.models import DataValue, ScoringRun
from tests.factories import IndicatorFactory, ItemFactory, SchemeFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 10, 31)


class Broker:
    """Stands in for `compute_scores.apply_async`: down (raises as kombu does when Redis refuses) or up (records)."""

    def __init__(self):
        self.up = False
        self.sent: list[tuple[list, dict]] = []
        self.attempts = 0

    def apply_async(self, args=None, **options):
        self.attempts += 1
        if not self.up:
            raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent.append((list(args), options))


@pytest.fixture
def broker(monkeypatch):
    from config.celery import app

    app.conf.task_always_eager = False  # restored by the autouse fixture in tests/conftest.py
    b = Broker()
    monkeypatch.setattr(tasks.compute_scores, "apply_async", b.apply_async)
    return b


def test_a_broker_failure_at_commit_keeps_the_request_and_later_requests_send_it(
    broker, django_capture_on_commit_callbacks
):
    scheme = SchemeFactory()
    with django_capture_on_commit_callbacks(execute=True):
        run, created = services.scores_request(scheme=scheme, as_of=AS_OF)  # no exception: the row is the record
    run.refresh_from_db()
    assert created and run.status == RunStatus.QUEUED and run.sent_at is None and broker.attempts == 1
    # within the send grace a coalescing request (a burst of approvals) does not send again
    with django_capture_on_commit_callbacks(execute=True):
        services.scores_request(scheme=scheme, as_of=AS_OF)
    assert broker.attempts == 1
    # Redis is back; a later request for the same date coalesces into the unsent run and sends it
    ScoringRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(seconds=11))
    broker.up = True
    with django_capture_on_commit_callbacks(execute=True):
        again, created = services.scores_request(scheme=scheme, as_of=AS_OF)
    again.refresh_from_db()
    assert again.pk == run.pk and not created
    assert broker.sent == [([run.pk], {})] and again.sent_at is not None
    # a sent run is not sent again by a coalescing request
    with django_capture_on_commit_callbacks(execute=True):
        services.scores_request(scheme=scheme, as_of=AS_OF)
    assert len(broker.sent) == 1


def test_the_sweeper_sends_unsent_runs_after_the_grace_and_lost_ones_again(broker, settings):
    settings.SCORING_SEND_GRACE_SECONDS, settings.SCORING_RESEND_SECONDS = 10, 600
    scheme = SchemeFactory()
    now = timezone.now()
    unsent = ScoringRun.objects.create(scheme=scheme, as_of=AS_OF, status=RunStatus.QUEUED)
    fresh = ScoringRun.objects.create(scheme=scheme, as_of=date(2026, 10, 30), status=RunStatus.QUEUED)
    lost = ScoringRun.objects.create(
        scheme=scheme, as_of=date(2026, 10, 29), status=RunStatus.QUEUED, sent_at=now - timedelta(seconds=601)
    )
    recent = ScoringRun.objects.create(
        scheme=scheme, as_of=date(2026, 10, 28), status=RunStatus.QUEUED, sent_at=now - timedelta(seconds=30)
    )
    ScoringRun.objects.filter(pk__in=[unsent.pk, lost.pk, recent.pk]).update(created_at=now - timedelta(seconds=700))
    ScoringRun.objects.filter(pk=fresh.pk).update(created_at=now - timedelta(seconds=3))  # its send may be in flight

    counts = services.scores_sweep(now=now)  # broker still down: nothing lost, nothing marked sent
    assert counts["unsent"] == 2 and not broker.sent
    assert ScoringRun.objects.get(pk=unsent.pk).sent_at is None

    broker.up = True
    counts = services.scores_sweep(queue="celery", now=now)
    assert counts == {"requeued": 0, "failed": 0, "sent": 2, "unsent": 0}
    assert sorted(args[0] for args, _ in broker.sent) == sorted([unsent.pk, lost.pk])
    assert all(opts == {"queue": "celery"} for _, opts in broker.sent)
    assert ScoringRun.objects.get(pk=unsent.pk).sent_at is not None


def test_an_approval_while_the_broker_is_down_is_saved_without_an_error_page(broker, client, admin_user, official_a):
    scheme = SchemeFactory(year=2026)
    ind = IndicatorFactory(code="fault_entered", source="entered", area="wastefree")
    ItemFactory(scheme=scheme, indicator=ind, max_points=10, rule="proportional", sort_order=1)
    v = services.data_value_save(
        user=official_a, indicator=ind, unit_id=official_a.unit_id, year=2026, month=1, value=9
    )
    v = services.data_value_submit(user=official_a, value_id=v.pk, version=v.version)
    client.force_login(admin_user)
    client.raise_request_exception = False
    # the view's transaction is the test's: run its on-commit callbacks as a real request would
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("targets:value_approve", args=[v.pk]), {"version": v.version})
    assert response.status_code == 302
    assert DataValue.objects.get(pk=v.pk).status == ValueStatus.APPROVED
    run = ScoringRun.objects.get(scheme=scheme)
    assert run.status == RunStatus.QUEUED and run.sent_at is None and broker.attempts == 1


def _running(scheme, as_of, seen_ago: int, **extra) -> ScoringRun:
    seen = timezone.now() - timedelta(seconds=seen_ago)
    return ScoringRun.objects.create(
        scheme=scheme,
        as_of=as_of,
        status=RunStatus.RUNNING,
        task_id="dead",
        started_at=seen,
        heartbeat_at=seen,
        **extra,
    )


def test_the_watchdog_requeues_a_silent_run_and_leaves_a_beating_one(broker, settings):
    settings.SCORING_STALE_SECONDS = 180
    broker.up = True
    scheme = SchemeFactory()
    silent = _running(scheme, AS_OF, seen_ago=181)
    beating = _running(scheme, date(2026, 10, 30), seen_ago=179)

    counts = services.scores_sweep(queue="q1")
    assert counts == {"requeued": 1, "failed": 0, "sent": 1, "unsent": 0}
    silent.refresh_from_db()
    assert silent.status == RunStatus.QUEUED and silent.task_id == "" and silent.requeues == 1
    assert silent.sent_at is not None and broker.sent == [([silent.pk], {"queue": "q1"})]
    beating.refresh_from_db()
    assert beating.status == RunStatus.RUNNING and beating.task_id == "dead"


def test_the_watchdog_gives_up_after_its_requeues(broker, settings):
    settings.SCORING_STALE_SECONDS = 180
    broker.up = True
    run = _running(SchemeFactory(), AS_OF, seen_ago=600, requeues=services.MAX_REQUEUES)
    assert services.scores_sweep()["failed"] == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "失联 600 秒" in run.error and not broker.sent


def test_a_silent_run_with_a_newer_request_queued_is_failed_not_doubled(broker, settings):
    settings.SCORING_STALE_SECONDS = 180
    broker.up = True
    scheme = SchemeFactory()
    run = _running(scheme, AS_OF, seen_ago=600)
    newer = ScoringRun.objects.create(scheme=scheme, as_of=AS_OF, status=RunStatus.QUEUED, sent_at=timezone.now())
    assert services.scores_sweep()["failed"] == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "新计分请求接替" in run.error
    assert ScoringRun.objects.get(pk=newer.pk).status == RunStatus.QUEUED and not broker.sent


def test_the_sweep_is_scheduled_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["targets-scoring-sweep"]
    assert entry["task"] == "targets.tasks.scoring_sweep" and entry["schedule"] == 60.0
    # several heartbeats fit in the staleness window, so a live run is never taken for dead
    assert settings.SCORING_STALE_SECONDS >= 3 * settings.SCORING_HEARTBEAT_SECONDS


@pytest.mark.parametrize("job", ["targets.tasks.compute_scores_nightly", "rectifications.tasks.warnings_daily"])
def test_a_daily_job_retries_a_database_outage_with_a_doubling_delay_and_keeps_its_claim(job, monkeypatch, settings):
    """Without a worker: the task body with a real (non-eager) request; `retry` is recorded instead of sent."""
    import importlib

    from celery.exceptions import Retry
    from django.core.cache import cache
    from django.db import OperationalError

    settings.DAILY_JOB_RETRY_BACKOFF = 60
    module, name = job.rsplit(".", 1)
    task = getattr(importlib.import_module(module), name)
    service = (
        "targets.services.scores_request" if "targets" in job else "rectifications.services.rectification_warnings_run"
    )
    SchemeFactory(year=timezone.localdate().year, published=True)

    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(service, down)
    asked = []

    def retry(exc=None, countdown=None, **kw):
        asked.append(countdown)
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(task, "retry", retry)
    key = f"beat-once:{job.replace('.tasks.', '.')}:{timezone.localdate().isoformat()}"
    cache.delete(key)
    try:
        for n in range(task.max_retries + 1):
            task.push_request(id="beat-msg", retries=n, is_eager=False)
            try:
                with pytest.raises(Retry if n < task.max_retries else OperationalError):
                    task.run()
            finally:
                task.pop_request()
            # the claim is kept while retries remain, given back after the last one
            assert (cache.get(key) == "beat-msg") == (n < task.max_retries)
        assert asked == [60, 120, 240, 480, 960]  # 60 × 2ⁿ, five retries over 31 minutes
    finally:
        cache.delete(key)
