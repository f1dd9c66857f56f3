"""Dashboard selectors (risks, trend, ranking movement) and the thin Celery tasks."""

from datetime import date

import pytest

from targets import selectors, services, tasks
from targets.choices import RunStatus
from targets.models import ScoringRun
from tests.targets.conftest import AS_OF

# Date-sensitive (deadlines, colours, overdue, periods): runs at every Beijing clock time of tests/clocks.py.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def test_deduction_risks_of_a_unit(scheme, fake_sources, unit_a):
    run = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    risks = selectors.deduction_risks(run, [unit_a.pk])
    by_name = {r["indicator"]: r for r in risks.to_dict("records")}
    # 10 months at 86.3 → the last 2 need (88 × 12 − 86.3 × 10) / 2 = 96.5
    assert "剩余 2 个月优良天数率需 ≥ 96.5% 才能完成年度目标" in by_name["优良天数率"]["advice"]
    # 3 overdue in 10 months → 3.6 by year end → −1.80
    assert by_name["逾期整改问题"]["points_at_risk"] == 1.8


def test_entered_value_risk_counts_the_months_reported(scheme, fake_sources, official_a, admin_user, unit_a):
    from targets.models import Indicator

    waste = Indicator.objects.get(code="industrial_solid_waste_use")
    v = services.data_value_save(user=official_a, indicator=waste, unit_id=unit_a.pk, year=2026, month=8, value=76)
    v = services.data_value_submit(user=official_a, value_id=v.pk, version=v.version)
    services.data_value_approve(user=admin_user, value_id=v.pk, version=v.version)
    run = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    risks = selectors.deduction_risks(run, [unit_a.pk])
    advice = risks.set_index("indicator").loc["工业固体废物综合利用率", "advice"]
    # reported up to August: the last 4 months need (80 × 12 − 76 × 8) / 4 = 88
    assert "剩余 4 个月工业固体废物综合利用率需 ≥ 88.0%" in advice


def test_monthly_trend_and_movement(scheme, fake_sources, unit_a, unit_b):
    services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 9, 30))
    latest = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    trend = selectors.monthly_totals_trend(scheme)
    assert list(trend["as_of"].unique()) == [date(2026, 9, 30), AS_OF]
    table = selectors.ranking(latest)
    assert table["previous"].as_of == date(2026, 9, 30)
    assert [r["movement"] for r in table["rows"]] == [0, 0]
    assert selectors.latest_run(scheme) == latest


def test_task_takes_a_queued_run_once(scheme, fake_sources):
    run = ScoringRun.objects.create(scheme=scheme, as_of=AS_OF, status=RunStatus.QUEUED)
    assert tasks.compute_scores.delay(run.pk).get() == RunStatus.SUCCEEDED
    # a second delivery of the same message (acks_late redelivery) does nothing
    assert tasks.compute_scores.delay(run.pk).get() is None
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and run.progress == 100 and run.started_at and run.finished_at


def test_nightly_queues_every_published_scheme_once(scheme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert tasks.compute_scores_nightly.delay("2026-10-31").get() == 1
        tasks.compute_scores_nightly.delay("2026-10-31").get()
    assert len(callbacks) == 1
    assert ScoringRun.objects.get().status == RunStatus.QUEUED


def test_task_settings_are_bounded():
    t = tasks.compute_scores
    assert t.acks_late and t.max_retries == 3 and t.soft_time_limit < t.time_limit


def test_beat_schedules_the_nightly_run(settings):
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "targets.tasks.compute_scores_nightly" in entries


@pytest.mark.celery_worker
def test_compute_scores_through_redis_and_a_real_worker(celery_worker_queue, transactional_db):
    # the worker imports the real registry: the source apps are missing on this branch → "no data", run succeeds
    from tests.factories import IndicatorFactory, ItemFactory, SchemeFactory, UnitFactory

    UnitFactory(code="511124", name="井研县")
    scheme = SchemeFactory()
    ItemFactory(scheme=scheme, indicator=IndicatorFactory(code="air_good_day_rate", source="computed"))
    run = ScoringRun.objects.create(scheme=scheme, as_of=AS_OF, status=RunStatus.QUEUED)
    result = tasks.compute_scores.apply_async(args=[run.pk], queue=celery_worker_queue)
    assert result.get(timeout=90) == RunStatus.SUCCEEDED
    run.refresh_from_db()
    assert run.progress == 100 and run.snapshots.get().explanation.endswith("暂无数据，得 0.00 分")
