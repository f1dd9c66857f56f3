"""Faults (issue 9, item 6), against real PostgreSQL, real Redis and real Celery workers.

- a worker child killed with SIGKILL mid-scoring: the ranking in force stays, the message is redelivered and
  the result is identical to an undisturbed run;
- Redis killed and restarted with tasks queued: every task completes exactly once;
- a poison scoring run: retried a bounded number of times, then shown as failed with its error;
- two beat processes sending the same periodic job: it runs once per day;
- PostgreSQL down: a clear 503 page.
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
from datetime import date

import pytest
from django.urls import reverse

from targets import registry, tasks
from targets.choices import RunStatus
from targets.models import ScoreSnapshot, ScoringRun, UnitScore
from targets.selectors import latest_run
from targets.services import scores_compute
from tests.factories import IndicatorFactory, ItemFactory, SchemeFactory, TargetFactory, UnitFactory
from tests.faults import sources
from tests.faults.conftest import children, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.celery_worker]

AS_OF = date(2026, 10, 31)


def _scheme(code: str, n_units: int = 30):
    units = [UnitFactory(code=f"5198{n:02d}", name=f"故障县{n:02d}", sort_order=n) for n in range(n_units)]
    scheme = SchemeFactory(year=2026, name="故障测试方案")
    ind = IndicatorFactory(code=code, name="优良天数率", area="air", source="computed")
    ItemFactory(scheme=scheme, indicator=ind, max_points=10, rule="proportional", sort_order=1)
    for u in units:
        TargetFactory(indicator=ind, unit=u, value=85.0)
    return scheme


def _snapshot_hash(run: ScoringRun) -> tuple[int, str]:
    """Hash of the run's snapshots and totals in a fixed order, without run ids (so runs compare)."""
    h = hashlib.sha256()
    snaps = ScoreSnapshot.objects.filter(run=run).order_by("unit_id", "item_id")
    rows = snaps.values_list("unit_id", "item_id", "as_of", "raw_value", "target", "points", "status", "detail")
    n = 0
    for row in rows:
        h.update(repr(row).encode())
        n += 1
    for row in UnitScore.objects.filter(run=run).order_by("unit_id").values_list("unit_id", "total", "rank"):
        h.update(repr(row).encode())
    return n, h.hexdigest()


def test_worker_killed_mid_scoring_keeps_the_ranking_and_the_redelivered_run_matches(
    start_worker, fault_dir, monkeypatch, client_for, leader
):
    monkeypatch.setitem(registry.COMPUTED_SOURCES, sources.SLOW_CODE, "tests.faults.sources.slow")
    scheme = _scheme(sources.SLOW_CODE)
    # the ranking in force: an undisturbed run of the same scheme and date, computed here (FAULT_DIR unset)
    old = scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    assert old.status == RunStatus.SUCCEEDED
    n_old, undisturbed = _snapshot_hash(old)
    assert n_old == 30

    worker = start_worker(pool="prefork")
    (fault_dir / "hold").write_text("")
    run = ScoringRun.objects.create(scheme=scheme, as_of=AS_OF, status=RunStatus.QUEUED)
    result = tasks.compute_scores.apply_async(args=[run.pk], queue=worker.queue)

    first = wait_for(lambda: sorted(fault_dir.glob("started-*")), 60, "the scoring run to reach the slow source")
    child = int(first[0].read_text())
    assert child in children(worker.proc.pid)  # a prefork child, not the worker itself
    os.kill(child, signal.SIGKILL)

    # redelivered (acks late + reject on worker lost) to a fresh child, which is again held in the source
    wait_for(lambda: len(list(fault_dir.glob("started-*"))) == 2, 60, "the message to be redelivered")
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.task_id == result.id
    # the ranking in force is untouched while the new run is unfinished
    assert _snapshot_hash(old) == (n_old, undisturbed)
    assert latest_run(scheme).pk == old.pk  # the ranking the page shows
    page = client_for(leader).get(reverse("targets:index"), {"scheme": scheme.pk})
    assert page.status_code == 200 and page.context["run"].pk == old.pk

    (fault_dir / "hold").unlink()
    assert result.get(timeout=90) == RunStatus.SUCCEEDED
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.error == ""
    assert _snapshot_hash(run) == (n_old, undisturbed)
    assert len(list(fault_dir.glob("started-*"))) == 2  # exactly one redelivery
    assert "WorkerLostError" in worker.log_text() or "SIGKILL" in worker.log_text()


def test_a_killed_run_is_delivered_a_bounded_number_of_times(fault_dir, monkeypatch, transactional_db):
    # the delivery counter is shared through the cache (Redis): a fourth start of the same message gives up
    from tracker.common.claims import count_delivery

    scheme = _scheme(sources.SLOW_CODE, n_units=2)
    run = ScoringRun.objects.create(scheme=scheme, as_of=AS_OF, status=RunStatus.RUNNING, task_id="t-bounded")
    key = "scoring-deliveries:t-bounded:0"
    from django.core.cache import cache

    cache.delete(key)
    for _ in range(tasks.MAX_DELIVERIES):
        count_delivery(key, ttl=60)
    # a real (non-eager) delivery of the same message: run the task body with that request
    tasks.compute_scores.push_request(id="t-bounded", retries=0, is_eager=False)
    try:
        assert tasks.compute_scores.run(run.pk) == RunStatus.FAILED
    finally:
        tasks.compute_scores.pop_request()
        cache.delete(key)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "中断 3 次" in run.error


def test_tasks_queued_survive_a_redis_restart_and_complete_exactly_once(start_worker, scratch_redis, fault_dir):
    from config.celery import app

    url, restart = scratch_redis.url, scratch_redis.restart
    queue = "fault-restart"
    with app.connection_for_write(url) as conn:
        for n in range(20):
            sources.record.apply_async(args=[n], queue=queue, connection=conn)
    import redis

    assert redis.Redis.from_url(url).llen(queue) == 20
    restart(kill=True)  # SIGKILL: no graceful save; the append-only file alone brings the queue back
    assert redis.Redis.from_url(url).llen(queue) == 20

    start_worker(pool="solo", broker=url, ping=False, queue=queue)
    wait_for(lambda: len(list(fault_dir.glob("record-*"))) == 20, 90, "all 20 queued tasks to run")
    time.sleep(2)  # a duplicate would show up here
    counts = {p.name: len(p.read_text().split()) for p in fault_dir.glob("record-*")}
    assert counts == {f"record-{n}": 1 for n in range(20)}
    assert redis.Redis.from_url(url).llen(queue) == 0


def test_a_poison_scoring_run_stops_after_its_retries_and_shows_as_failed(start_worker, fault_dir, client_for, leader):
    scheme = _scheme(sources.POISON_CODE, n_units=3)
    worker = start_worker(pool="prefork")
    run = ScoringRun.objects.create(scheme=scheme, as_of=AS_OF, status=RunStatus.QUEUED)
    result = tasks.compute_scores.apply_async(args=[run.pk], queue=worker.queue)
    with pytest.raises(Exception, match="模拟数据源故障"):
        result.get(timeout=120, propagate=True)
    time.sleep(1)
    calls = (fault_dir / "poison-calls").read_text().split()
    assert len(calls) == 1 + tasks.compute_scores.max_retries  # first try + 3 retries, then it stops
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "OperationalError" in run.error and "模拟数据源故障" in run.error
    assert not ScoreSnapshot.objects.filter(run=run).exists()
    # shown as failed on the run status endpoint the page polls
    status = client_for(leader).get(reverse("targets:run_status", args=[run.pk]))
    assert status.status_code == 200 and "failed" in status.content.decode()
    time.sleep(3)  # and nothing runs it again
    assert len((fault_dir / "poison-calls").read_text().split()) == len(calls)


@pytest.mark.parametrize(
    "task_path",
    ["targets.tasks.compute_scores_nightly", "rectifications.tasks.warnings_daily"],
    ids=["scores", "warnings"],
)
def test_two_beat_processes_sending_the_same_daily_job_run_it_once(start_worker, task_path, monkeypatch):
    """Two beats each send the entry (no arguments, as beat does); both messages reach a real worker."""
    from django.core.cache import cache
    from django.utils import timezone

    from config.celery import app

    job = task_path.replace(".tasks.", ".")
    key = f"beat-once:{job}:{timezone.localdate().isoformat()}"
    cache.delete(key)
    worker = start_worker(pool="solo")
    try:
        first = app.send_task(task_path, queue=worker.queue)  # beat 1
        second = app.send_task(task_path, queue=worker.queue)  # beat 2, same minute
        outcomes = [first.get(timeout=60), second.get(timeout=60)]
        assert outcomes.count(None) == 1, outcomes  # exactly one of them did the job
        assert cache.get(key) in (first.id, second.id)
        # the next day is a new claim
        assert cache.add(f"beat-once:{job}:2999-01-01", "x", 5)
    finally:
        cache.delete(key)
        cache.delete(f"beat-once:{job}:2999-01-01")


def test_database_down_for_real_gives_a_clear_error_page(transactional_db, client, leader):
    """The session and the page need PostgreSQL; point the connection at a closed port for one request."""
    from django.db import connections

    client.force_login(leader)
    client.raise_request_exception = False
    conn = connections["default"]
    saved = dict(conn.settings_dict)
    conn.close()
    conn.settings_dict["PORT"] = 1  # nothing listens on port 1
    try:
        response = client.get(reverse("targets:index"))
    finally:
        conn.close()
        conn.settings_dict.update(saved)
    assert response.status_code == 503
    body = response.content.decode()
    assert "数据库暂时不可用" in body and "Traceback" not in body and "OperationalError" not in body


def test_two_real_beat_processes_run_the_daily_job_once(start_worker, fault_dir, tmp_path):
    """Two `celery beat` processes with the same schedule (every second here) against one worker."""
    import subprocess
    import sys

    from django.core.cache import cache
    from django.utils import timezone

    from tests.faults.conftest import ROOT

    key = f"beat-once:rectifications.warnings_daily:{timezone.localdate().isoformat()}"
    cache.delete(key)
    worker = start_worker(pool="solo")
    env = dict(os.environ, FAULT_QUEUE=worker.queue)
    beats, logs = [], []
    try:
        for n in (1, 2):
            log = tmp_path / f"beat-{n}.log"
            logs.append(log)
            cmd = [sys.executable, "-m", "celery", "-A", "tests.faults.beat_app", "beat", "-l", "info"]
            cmd += ["-s", str(tmp_path / f"beat-{n}-schedule")]
            beats.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT))

        def _both_sent_twice():
            return all(p.read_text().count("Sending due task two-beats") >= 2 for p in logs if p.exists())

        wait_for(lambda: len(logs) == 2 and _both_sent_twice(), 60, "both beats to send the job twice")
    finally:
        for b in beats:
            b.terminate()
            b.wait(timeout=20)
    done = lambda: worker.log_text().count("succeeded in")  # noqa: E731
    sent = sum(p.read_text().count("Sending due task two-beats") for p in logs)
    wait_for(lambda: done() >= sent, 60, "the worker to run every message")
    text = worker.log_text()
    try:
        assert text.count("'colours_changed'") == 1, text  # the job ran once
        assert text.count("succeeded in") == sent and text.count(": None") == sent - 1
    finally:
        cache.delete(key)
