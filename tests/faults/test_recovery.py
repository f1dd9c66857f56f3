"""Faults of issue 19 against real processes: a real Celery worker, a throwaway Redis that is stopped, a worker
killed whole, PostgreSQL made unreachable through a proxy (the machine's shared PostgreSQL and Redis are never
stopped).

- Redis down while an admin approves: the approval is saved, no error page, and the scoring request is sent
  when Redis is back (by the sweep of the worker that starts), not lost behind a dead queued run;
- the whole worker killed mid-run (no process left to redeliver it for 35 minutes): the watchdog re-queues the
  run and a new worker computes it, with the same result as an undisturbed run;
- the daily jobs meet a database that is down for their first attempt: they retry and do the day's work.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import date

import pytest
from django.urls import reverse

from targets import registry, services, tasks
from targets.choices import RunStatus, ValueStatus
from targets.models import DataValue, ScoringRun
from targets.services import scores_compute
from tests.factories import IndicatorFactory, ItemFactory, SchemeFactory, TargetFactory, UnitFactory
from tests.faults import sources
from tests.faults.conftest import children, wait_for
from tests.faults.test_faults import _scheme, _snapshot_hash

pytestmark = [pytest.mark.slow, pytest.mark.celery_worker]

AS_OF = date(2026, 10, 31)


def _submitted(official, ind, month: int) -> DataValue:
    v = services.data_value_save(
        user=official, indicator=ind, unit_id=official.unit_id, year=2026, month=month, value=80 + month
    )
    return services.data_value_submit(user=official, value_id=v.pk, version=v.version)


def test_redis_down_during_an_approval_loses_no_scoring_request(
    scratch_redis, use_broker, start_worker, client, admin_user, official_a
):
    use_broker(scratch_redis.url)  # this process (the web) sends through the throwaway Redis
    scheme = SchemeFactory(year=2026, published=True)
    ind = IndicatorFactory(code="fault_entered", source="entered", area="wastefree")
    ItemFactory(scheme=scheme, indicator=ind, max_points=10, rule="proportional", sort_order=1)
    TargetFactory(indicator=ind, unit=official_a.unit, value=90.0)
    first, second = _submitted(official_a, ind, 1), _submitted(official_a, ind, 2)

    scratch_redis.stop()  # Redis is gone while the admin approves
    client.force_login(admin_user)
    client.raise_request_exception = False
    response = client.post(reverse("targets:value_approve", args=[first.pk]), {"version": first.version})
    assert response.status_code == 302  # not a 500: the approval and its scoring request are committed
    assert DataValue.objects.get(pk=first.pk).status == ValueStatus.APPROVED
    run = ScoringRun.objects.get(scheme=scheme)
    assert run.status == RunStatus.QUEUED and run.sent_at is None
    # a second approval while Redis is still down coalesces into the same recorded request
    response = client.post(reverse("targets:value_approve", args=[second.pk]), {"version": second.version})
    assert response.status_code == 302 and ScoringRun.objects.filter(scheme=scheme).count() == 1

    scratch_redis.start()
    # a worker starts on the recovered Redis: its start-up sweep sends the unsent run, and it computes it
    start_worker(pool="solo", broker=scratch_redis.url, queue="celery", env={"SCORING_SEND_GRACE_SECONDS": "0"})
    wait_for(
        lambda: ScoringRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED, 60, "the recorded run to be computed"
    )
    run.refresh_from_db()
    assert run.sent_at is not None and run.error == ""
    # both approved values are in the run: months 1 and 2, the latest (2: 82) counts
    snap = run.snapshots.get(unit=official_a.unit)
    assert snap.raw_value == 82.0


def test_a_worker_killed_whole_is_noticed_by_the_watchdog_and_its_run_recomputed(
    start_worker, fault_dir, monkeypatch, settings
):
    monkeypatch.setitem(registry.COMPUTED_SOURCES, sources.SLOW_CODE, "tests.faults.sources.slow")
    scheme = _scheme(sources.SLOW_CODE)
    undisturbed = _snapshot_hash(scores_compute(scheme_id=scheme.pk, as_of=AS_OF))

    beating = {"SCORING_HEARTBEAT_SECONDS": "1"}
    doomed = start_worker(pool="prefork", env=beating)
    (fault_dir / "hold").write_text("")
    run = ScoringRun.objects.create(scheme=scheme, as_of=AS_OF, status=RunStatus.QUEUED)
    tasks.compute_scores.apply_async(args=[run.pk], queue=doomed.queue)
    first = wait_for(lambda: sorted(fault_dir.glob("started-*")), 60, "the run to reach the slow source")
    child = int(first[0].read_text())
    assert child in children(doomed.proc.pid)

    # alive, held for longer than the staleness window: its heartbeat keeps the watchdog away
    time.sleep(4)
    settings.SCORING_STALE_SECONDS = 3
    assert services.scores_sweep(queue="unused")["requeued"] == 0
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.heartbeat_at > run.started_at

    os.kill(child, signal.SIGKILL)  # the whole worker: its pool child and the main process
    os.kill(doomed.proc.pid, signal.SIGKILL)
    doomed.proc.wait(timeout=20)
    (fault_dir / "hold").unlink()
    time.sleep(4)  # no heartbeat any more: stale after 3 s
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING  # nothing else would touch it for the 35-minute visibility timeout

    # a new worker; the beat's sweep (sent here by hand) re-queues the run to it
    rescuer = start_worker(pool="solo", env={**beating, "SCORING_STALE_SECONDS": "3"})
    tasks.scoring_sweep.apply_async(queue=rescuer.queue)
    wait_for(lambda: ScoringRun.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED, 90, "the run to be recomputed")
    run.refresh_from_db()
    assert run.requeues == 1 and run.error == ""
    assert _snapshot_hash(run) == undisturbed


@pytest.mark.parametrize(
    "task_path",
    ["targets.tasks.compute_scores_nightly", "rectifications.tasks.warnings_daily"],
    ids=["scores", "warnings"],
)
def test_a_daily_job_meeting_a_dead_database_retries_and_does_the_work(start_worker, db_proxy, task_path):
    """Sent as beat sends it (no arguments, claimed for the day); PostgreSQL is unreachable for its first attempt."""
    import redis
    from django.conf import settings as dj_settings
    from django.core.cache import cache
    from django.utils import timezone

    from config.celery import app

    if task_path.startswith("targets"):
        scheme = SchemeFactory(year=timezone.localdate().year, published=True)
        UnitFactory()
    job = task_path.replace(".tasks.", ".")
    key = f"beat-once:{job}:{timezone.localdate().isoformat()}"
    cache.delete(key)
    worker = start_worker(pool="solo", db_port=db_proxy.port, env={"DAILY_JOB_RETRY_BACKOFF": "1"})
    db_proxy.down()
    try:
        result = app.send_task(task_path, queue=worker.queue)
        wait_for(lambda: "retry: Retry in" in worker.log_text(), 60, "the job to fail and schedule a retry")
        db_proxy.up()
        outcome = result.get(timeout=60)
        assert outcome is not None, worker.log_text()  # it did the job, not "already claimed"
        assert cache.get(key) == result.id  # the claim was kept across the retries
        if task_path.startswith("targets"):
            assert outcome == 1
            assert ScoringRun.objects.get(scheme=scheme).status == RunStatus.QUEUED
        else:
            assert "colours_changed" in outcome
    finally:
        cache.delete(key)
        # the nightly job's scoring request went to the default queue of this test's Redis db: drop it
        redis.Redis.from_url(dj_settings.REDIS_URL).delete("celery")
