"""A scoring attempt that the watchdog gave up on must not write over the attempt that replaced it (issue 19).

The order that broke it, driven with the real services: attempt 1 (task "first") is inside a computed source when
the watchdog (`scores_sweep`) finds its heartbeat stale and re-queues the run; a worker takes the re-queued run as
task "second" and finishes it; then attempt 1 comes back — a stalled worker, not a dead one — and either fails or
finishes too. Before the guard its failure overwrote the new attempt's 成功 with 失败 (the ranking vanished from the
page), and its success wrote a second set of rows for the same run.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from targets import registry, services
from targets.choices import RunStatus
from targets.models import ScoreSnapshot, ScoringRun, UnitScore
from tests.faults import sources
from tests.faults.test_faults import _scheme, _snapshot_hash

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 10, 31)
CODE = "fault_requeued"
STATE: dict = {}


def source(*, year, as_of):
    """A computed indicator. On its first call (attempt 1) the watchdog re-queues the run, and, if asked, another
    worker takes the run and computes it whole (this source's second call answers at once); then attempt 1 goes on,
    failing if asked."""
    STATE["calls"] = STATE.get("calls", 0) + 1
    if STATE["calls"] == 1:
        later = timezone.now() + timedelta(seconds=settings.SCORING_STALE_SECONDS + 60)
        STATE["sweep"] = services.scores_sweep(now=later)  # the beat's watchdog, as it runs a while later
        STATE["after_requeue"] = ScoringRun.objects.values("status", "task_id", "requeues").get(pk=STATE["run"])
        if STATE["second"]:
            STATE["second_run"] = services.scores_run_queued(run_id=STATE["run"], task_id="second")
        if STATE["first_fails"]:
            raise RuntimeError("模拟：第一次计算在重新排队之后才失败")
    return sources.slow(year=year, as_of=as_of)


@pytest.fixture
def requeued(monkeypatch):
    """`start(second=…, first_fails=…)` → (the run after attempt 1 returned, what attempt 1 returned or raised)."""
    monkeypatch.setitem(registry.COMPUTED_SOURCES, CODE, f"{__name__}.source")
    sent: list[int] = []
    monkeypatch.setattr(services, "send_run", lambda *, run_id, queue=None: sent.append(run_id) or True)
    monkeypatch.delenv("FAULT_DIR", raising=False)
    STATE.clear()
    scheme = _scheme(CODE, n_units=4)

    def start(*, second: bool, first_fails: bool):
        run = ScoringRun.objects.create(scheme=scheme, as_of=AS_OF, status=RunStatus.QUEUED)
        STATE.update(run=run.pk, second=second, first_fails=first_fails)
        try:
            outcome = services.scores_run_queued(run_id=run.pk, task_id="first")
        except Exception as exc:  # the test looks at what attempt 1 did with its failure
            outcome = exc
        assert STATE["sweep"]["requeued"] == 1 and sent == [run.pk]
        assert STATE["after_requeue"] == {"status": RunStatus.QUEUED, "task_id": "", "requeues": 1}
        run.refresh_from_db()
        return run, outcome

    return start


def test_a_failure_after_the_run_was_requeued_and_recomputed_keeps_the_new_result(requeued):
    run, outcome = requeued(second=True, first_fails=True)
    # attempt 2 succeeded; attempt 1's failure came after it and is not recorded over it
    assert run.status == RunStatus.SUCCEEDED and run.error == "" and run.task_id == "second"
    assert STATE["second_run"].status == RunStatus.SUCCEEDED
    assert isinstance(outcome, ScoringRun) and outcome.status == RunStatus.SUCCEEDED  # no exception → no retry
    assert ScoreSnapshot.objects.filter(run=run).count() == 4  # 4 units × 1 item, written once


def test_a_failure_after_the_run_was_requeued_leaves_it_queued_for_the_next_attempt(requeued):
    run, outcome = requeued(second=False, first_fails=True)
    assert run.status == RunStatus.QUEUED and run.error == "" and run.task_id == "" and run.requeues == 1
    assert isinstance(outcome, ScoringRun) and outcome.status == RunStatus.QUEUED
    # the next attempt (the message the watchdog sent) takes it and computes it
    done = services.scores_run_queued(run_id=run.pk, task_id="second")
    assert done is not None and done.status == RunStatus.SUCCEEDED


def test_a_success_after_the_run_was_requeued_and_recomputed_writes_nothing_twice(requeued):
    run, outcome = requeued(second=True, first_fails=False)
    assert run.status == RunStatus.SUCCEEDED and run.task_id == "second"
    assert outcome.status == RunStatus.SUCCEEDED
    # one run's rows: 4 snapshots and 4 totals, not 8 (attempt 1's result was rolled back whole)
    assert ScoreSnapshot.objects.filter(run=run).count() == 4
    assert UnitScore.objects.filter(run=run).count() == 4
    n, _digest = _snapshot_hash(run)
    assert n == 4


def broken(*, year, as_of):
    raise RuntimeError("模拟数据源故障")


def test_an_attempt_that_still_holds_its_run_records_its_failure(monkeypatch):
    # the guard must not swallow a real failure: no re-queue, the source fails → 失败 with the error, re-raised
    monkeypatch.setitem(registry.COMPUTED_SOURCES, CODE, f"{__name__}.broken")
    run = ScoringRun.objects.create(scheme=_scheme(CODE, n_units=2), as_of=AS_OF, status=RunStatus.QUEUED)
    with pytest.raises(RuntimeError, match="模拟数据源故障"):
        services.scores_run_queued(run_id=run.pk, task_id="only")
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "模拟数据源故障" in run.error and run.task_id == "only"
