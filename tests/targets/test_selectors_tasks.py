"""Dashboard selectors (risks, trend, ranking movement) and the thin Celery tasks."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from targets import selectors, services, tasks
from targets.choices import RunStatus
from targets.models import DataValue, ScoringRun
from tests.targets.conftest import AS_OF

# Date-sensitive (deadlines, colours, overdue, periods): runs at every Beijing clock time of tests/clocks.py.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def test_deduction_risks_of_a_unit(scheme, fake_sources, unit_a):
    run = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    risks = selectors.deduction_risks(run, [unit_a.pk])
    by_name = {r["indicator"]: r for r in risks.to_dict("records")}
    # 10 months at 86.3 → the last 2 need (88 × 12 − 86.3 × 10) / 2 = 96.5
    assert by_name["优良天数率"]["advice"] == "剩余 2 个月优良天数率均值 ≥ 96.5%"
    # 3 items overdue now (a level: closing one removes it), −0.5 each: 1.5 at risk, the first 0.5 back after
    # closing 1, all after closing 3 (no projection ×12/10 into fractional items)
    overdue = by_name["逾期整改问题"]
    assert overdue["points_at_risk"] == 1.5 and overdue["points_lost"] == 0
    assert overdue["advice"] == "再减少 1 项可少扣分，减少 3 项不再扣分"


def test_entered_value_risk_counts_the_months_reported(scheme, fake_sources, official_a, admin_user, unit_a):
    from targets.models import Indicator

    waste = Indicator.objects.get(code="industrial_solid_waste_use")
    v = services.data_value_save(user=official_a, indicator=waste, unit_id=unit_a.pk, year=2026, month=8, value=76)
    v = services.data_value_submit(user=official_a, value_id=v.pk, version=v.version)
    services.data_value_approve(user=admin_user, value_id=v.pk, version=v.version)
    # approved in September: a run as of 31 October counts only values approved by then
    DataValue.objects.filter(pk=v.pk).update(
        approved_at=datetime(2026, 9, 8, 10, tzinfo=timezone.get_current_timezone())
    )
    run = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    risks = selectors.deduction_risks(run, [unit_a.pk])
    advice = risks.set_index("indicator").loc["工业固体废物综合利用率", "advice"]
    # reported up to August: the last 4 months need (80 × 12 − 76 × 8) / 4 = 88
    assert advice == "剩余 4 个月工业固体废物综合利用率均值 ≥ 88.0%"


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
    # the real air source has no readings for the unit: it has nothing to assess there (不涉及, policy zero)
    assert run.progress == 100 and "：不涉及（无空气监测站点数据）" in run.snapshots.get().explanation


def test_risk_summary_is_the_head_of_the_risks_with_their_count_and_points(scheme, fake_sources, unit_a, unit_b):
    import pandas as pd

    from targets.models import ScoreSnapshot

    run = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    snaps = list(ScoreSnapshot.objects.filter(run=run).order_by("unit_id", "item_id"))  # 2 units × 3 items
    # hand-set points at risk: ties across every limit below (three at 2.0), one pair without a risk
    for snap, points in zip(snaps, [2.0, 3.0, 2.0, 0.0, 2.0, 1.0], strict=True):
        ScoreSnapshot.objects.filter(pk=snap.pk).update(points_at_risk=points)
    full = selectors.deduction_risks(run)
    assert list(full["points_at_risk"]) == [3.0, 2.0, 2.0, 2.0, 1.0]
    for limit in (1, 2, 3, 4, 10):
        summary = selectors.deduction_risk_summary(run, limit=limit)
        pd.testing.assert_frame_equal(summary["rows"], full.head(limit), check_dtype=False)
        assert (summary["count"], summary["points"]) == (5, 10.0)
    # of some items only (an area of the leaders' board)
    second_item = snaps[1].item_id  # 3.0 and 2.0 at risk
    summary = selectors.deduction_risk_summary(run, item_ids=[second_item], limit=1)
    of_item = full[full["item_id"] == second_item].reset_index(drop=True)
    pd.testing.assert_frame_equal(summary["rows"], of_item.head(1), check_dtype=False)
    assert (summary["count"], summary["points"]) == (2, 5.0)
    # the leaders' board reads the count and points with its met counts (per item, in one query): the same
    from django.utils import timezone

    from targets.dashboards import selectors as dash

    board = dash.leader_panels(run=run, today=timezone.localdate(), live=False)
    assert (board["risk_count"], board["risk_points"]) == (5, 10.0)
    assert list(board["risks"]["points_at_risk"]) == [3.0, 2.0, 2.0, 2.0, 1.0]
    # of an area (the items of the second item's area only): that item's own 2 risks, 5.0 points, if alone in it
    area = snaps[1].item.indicator.area
    in_area = [s.item_id for s in snaps if s.item.indicator.area == area]
    expected = full[full["item_id"].isin(in_area)]
    board = dash.leader_panels(run=run, today=timezone.localdate(), area=area, live=False)
    assert (board["risk_count"], board["risk_points"]) == (len(expected), float(expected["points_at_risk"].sum()))


def test_ranking_frame_has_the_rankings_rows_and_keeps_a_missing_movement_as_none(scheme, fake_sources, unit_a, unit_b):
    from targets.models import UnitScore

    services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 9, 30))
    latest = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    UnitScore.objects.filter(run=latest, unit=unit_b).update(movement=None)  # as for a unit new since the last run
    frame = selectors.ranking_frame(latest)
    expected = [
        {
            "unit_id": r["unit"].pk,
            "unit_name": r["unit"].name,
            "rank": r["rank"],
            "total": r["total"],
            "movement": r["movement"],
            "improvement_rank": r["improvement_rank"],
        }
        for r in selectors.ranking(latest)["rows"]
    ]
    rows = frame.to_dict("records")
    assert rows == expected
    moves = {r["unit_id"]: r["movement"] for r in rows}
    assert moves[unit_b.pk] is None and type(moves[unit_a.pk]) is int  # the page shows "—" and "↑2", not "nan" or "2.0"
