"""The pieces behind the fault tests, without a worker: daily claims for beat jobs, and which message may take a
scoring run again."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache
from django.utils import timezone

from rectifications import tasks as rect_tasks
from targets import tasks as target_tasks
from targets.choices import RunStatus
from targets.models import ScoringRun
from targets.services import scores_run_queued
from tests.factories import SchemeFactory
from tracker.common.claims import claim_once, count_delivery, release_claim


@pytest.fixture
def key():
    k = "beat-once:test:claims"
    cache.delete(k)
    yield k
    cache.delete(k)


def test_a_claim_belongs_to_its_first_owner_until_released(key):
    assert claim_once(key, "beat-1-message", ttl=60)
    assert not claim_once(key, "beat-2-message", ttl=60)  # the second beat's message
    assert claim_once(key, "beat-1-message", ttl=60)  # the same message redelivered keeps its claim
    release_claim(key, "beat-2-message")  # not the owner: no effect
    assert not claim_once(key, "beat-2-message", ttl=60)
    release_claim(key, "beat-1-message")
    assert claim_once(key, "beat-2-message", ttl=60)


def test_deliveries_are_counted_per_message(key):
    assert [count_delivery(key, ttl=60) for _ in range(3)] == [1, 2, 3]


@pytest.mark.django_db
def test_the_daily_warning_job_sent_by_two_beats_runs_once_a_day():
    k = f"beat-once:rectifications.warnings_daily:{timezone.localdate().isoformat()}"
    cache.delete(k)
    try:
        first = rect_tasks.warnings_daily.delay().get()
        second = rect_tasks.warnings_daily.delay().get()
        assert first is not None and second is None
        # a date given by hand is never claimed
        assert rect_tasks.warnings_daily.delay(timezone.localdate().isoformat()).get() is not None
    finally:
        cache.delete(k)


@pytest.mark.django_db
def test_the_nightly_scoring_job_sent_by_two_beats_runs_once_a_day():
    k = f"beat-once:targets.compute_scores_nightly:{timezone.localdate().isoformat()}"
    cache.delete(k)
    try:
        assert target_tasks.compute_scores_nightly.delay().get() == 0  # no published scheme: nothing queued
        assert target_tasks.compute_scores_nightly.delay().get() is None
    finally:
        cache.delete(k)


@pytest.mark.django_db
@pytest.mark.parametrize("status", [RunStatus.RUNNING, RunStatus.FAILED])
def test_only_the_same_message_takes_an_interrupted_run_again(status, monkeypatch):
    import targets.services as services

    computed = []
    monkeypatch.setattr(services, "_compute", lambda run: computed.append(run.pk) or run)
    run = ScoringRun.objects.create(scheme=SchemeFactory(), as_of=date(2026, 10, 31), status=status, task_id="m-1")
    assert scores_run_queued(run_id=run.pk, task_id="m-2") is None  # a duplicate request
    assert scores_run_queued(run_id=run.pk) is None  # no message id: never
    assert scores_run_queued(run_id=run.pk, task_id="m-1") is not None  # redelivered / retried
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.error == "" and computed == [run.pk]


@pytest.mark.django_db
def test_taking_a_queued_run_records_the_message(monkeypatch):
    import targets.services as services

    monkeypatch.setattr(services, "_compute", lambda run: run)
    run = ScoringRun.objects.create(scheme=SchemeFactory(), as_of=date(2026, 10, 31), status=RunStatus.QUEUED)
    scores_run_queued(run_id=run.pk, task_id="m-9")
    run.refresh_from_db()
    assert run.task_id == "m-9" and run.status == RunStatus.RUNNING


def test_scoring_task_options_bound_retries_and_redeliveries(settings):
    t = target_tasks.compute_scores
    assert t.acks_late and t.reject_on_worker_lost and t.max_retries == 3
    assert t.soft_time_limit < t.time_limit
    assert target_tasks.MAX_DELIVERIES == 3
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    # a killed worker's message comes back only after the visibility timeout, which outlasts the hard limit
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
