"""The scoring service and the entered-value workflow against the database."""

from datetime import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from targets import registry, selectors, services
from targets.choices import RunStatus, ValueStatus
from targets.models import DataValue, Indicator, Publication, ScoreSnapshot, ScoringRun, UnitScore
from tests.targets.conftest import AS_OF

pytestmark = pytest.mark.django_db


def snapshot_rows(run):
    return sorted(
        ScoreSnapshot.objects.filter(run=run).values_list(
            "unit_id",
            "item_id",
            "as_of",
            "raw_value",
            "value",
            "target",
            "status",
            "points",
            "detail",
            "points_at_risk",
            "need_kind",
            "need_amount",
        )
    )


def test_missing_source_apps_give_no_data_without_failing(scheme, unit_a, monkeypatch):
    # sources whose app has not landed: a missing module and a missing function in an existing module
    monkeypatch.setitem(registry.COMPUTED_SOURCES, "air_good_day_rate", "notlanded.selectors.indicator_x")
    monkeypatch.setitem(
        registry.COMPUTED_SOURCES, "rectification_overdue_count", "rectifications.selectors.indicator_not_there"
    )
    assert registry.resolve("air_good_day_rate") is None
    assert registry.resolve("rectification_overdue_count") is None
    run = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    assert run.status == RunStatus.SUCCEEDED and run.progress == 100
    snap = ScoreSnapshot.objects.get(run=run, unit=unit_a, item__indicator__code="air_good_day_rate")
    assert snap.points == 0 and "暂无数据" in snap.explanation and snap.raw_value is None
    # a counting item whose source is missing is "no data" too, not "0 occurrences"
    overdue = ScoreSnapshot.objects.get(run=run, unit=unit_a, item__indicator__code="rectification_overdue_count")
    assert overdue.points == 0 and overdue.explanation == "逾期整改问题：暂无数据，得 0.00 分"


def test_computed_sources_are_scored_with_their_detail(scheme, fake_sources, unit_a, unit_b):
    run = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    good = ScoreSnapshot.objects.get(run=run, unit=unit_a, item__indicator__code="air_good_day_rate")
    # 10 × 86.3 / 88 = 9.81
    assert good.points == 9.81
    assert (
        good.explanation
        == "优良天数率 86.3%，目标 88.0%，按比例得 9.81 分（10.00 × 86.3 ÷ 88.0）（优良天数 259 / 有效天数 300）"
    )
    overdue = ScoreSnapshot.objects.get(run=run, unit=unit_a, item__indicator__code="rectification_overdue_count")
    assert overdue.points == -1.5
    totals = {u.unit_id: (u.total, u.rank) for u in UnitScore.objects.filter(run=run)}
    # A: 9.81 − 1.5 + 0 = 8.31; B: 10 + 0 + 0 = 10
    assert totals == {unit_a.pk: (8.31, 2), unit_b.pk: (10.0, 1)}


def test_two_runs_give_identical_rows_and_replace_each_other(scheme, fake_sources):
    first = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    rows = snapshot_rows(first)
    second = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    assert snapshot_rows(second) == rows
    # the replaced run is kept whole, marked superseded and linked to its replacement (old links keep working)
    first.refresh_from_db()
    assert first.status == RunStatus.SUPERSEDED and first.replaced_by_id == second.pk
    assert snapshot_rows(first) == rows and len(rows) == 6
    assert selectors.latest_run(scheme) == second


def test_failing_run_leaves_the_previous_ranking_in_place(scheme, fake_sources, monkeypatch):
    good = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    rows = snapshot_rows(good)
    monkeypatch.setitem(registry.COMPUTED_SOURCES, "air_good_day_rate", "tests.targets.fakes.broken")
    with pytest.raises(RuntimeError):
        services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    failed = ScoringRun.objects.get(status=RunStatus.FAILED)
    assert "数据源故障" in failed.error
    assert snapshot_rows(good) == rows
    assert not ScoreSnapshot.objects.filter(run=failed).exists()


def test_published_ranking_is_frozen_and_a_correction_makes_a_new_run_with_a_note(
    scheme, fake_sources, admin_user, official_a, unit_a
):
    published = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    services.publication_create(user=admin_user, run_id=published.pk, title="10月通报")
    frozen = snapshot_rows(published)
    waste = Indicator.objects.get(code="industrial_solid_waste_use")
    v = services.data_value_save(user=official_a, indicator=waste, unit_id=unit_a.pk, year=2026, month=10, value=85)
    v = services.data_value_submit(user=official_a, value_id=v.pk, version=v.version)
    services.data_value_approve(user=admin_user, value_id=v.pk, version=v.version)
    # a late entry for October, approved on 31 October: it counts as of that date
    DataValue.objects.filter(pk=v.pk).update(
        approved_at=datetime(2026, 10, 31, 18, tzinfo=timezone.get_current_timezone())
    )
    correction = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    assert snapshot_rows(published) == frozen
    assert correction.supersedes_id == published.pk
    assert "井研县：总分 8.31 → 13.31，排名 2 → 1" in correction.change_note
    assert Publication.objects.get().run_id == published.pk


def test_approvals_enqueue_once_after_commit(
    scheme, official_a, admin_user, unit_a, django_capture_on_commit_callbacks
):
    waste = Indicator.objects.get(code="industrial_solid_waste_use")
    rows = []
    for month in (7, 8, 9):
        v = services.data_value_save(
            user=official_a, indicator=waste, unit_id=unit_a.pk, year=2026, month=month, value=81
        )
        rows.append(services.data_value_submit(user=official_a, value_id=v.pk, version=v.version))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for v in rows:
            services.data_value_approve(user=admin_user, value_id=v.pk, version=v.version)
    # three approvals in one burst → one queued run, one task; the eager task computed it
    assert len(callbacks) == 1
    run = ScoringRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    snap = ScoreSnapshot.objects.get(run=run, unit=unit_a, item__indicator=waste)
    assert snap.points == 5 and "2026年9月填报，已审核快报数" in snap.explanation


def test_nothing_is_enqueued_before_commit(scheme, official_a, admin_user, unit_a, django_capture_on_commit_callbacks):
    waste = Indicator.objects.get(code="industrial_solid_waste_use")
    v = services.data_value_save(user=official_a, indicator=waste, unit_id=unit_a.pk, year=2026, month=1, value=81)
    v = services.data_value_submit(user=official_a, value_id=v.pk, version=v.version)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.data_value_approve(user=admin_user, value_id=v.pk, version=v.version)
    assert len(callbacks) == 1
    assert ScoringRun.objects.get().status == RunStatus.QUEUED
    assert not ScoreSnapshot.objects.exists()


def test_compute_button_is_for_admins_and_leaders(scheme, leader, official_a, inspector):
    services.scores_request(scheme=scheme, as_of=AS_OF, user=leader)
    for user in (official_a, inspector):
        with pytest.raises(PermissionDenied):
            services.scores_request(scheme=scheme, as_of=AS_OF, user=user)


# --- entered values ---
@pytest.fixture
def waste(scheme):
    return Indicator.objects.get(code="industrial_solid_waste_use")


def test_official_cannot_enter_for_another_unit(waste, official_a, unit_b):
    with pytest.raises(PermissionDenied):
        services.data_value_save(user=official_a, indicator=waste, unit_id=unit_b.pk, year=2026, month=1, value=1)
    assert not DataValue.objects.exists()


@pytest.mark.parametrize("who", ["leader", "inspector", "admin", "official_b", "dept_official"])
def test_only_the_units_official_enters(waste, unit_a, actors, who):
    with pytest.raises(PermissionDenied):
        services.data_value_save(user=actors[who], indicator=waste, unit_id=unit_a.pk, year=2026, month=1, value=1)


@pytest.mark.parametrize("who", ["official_a", "leader", "inspector", "dept_official"])
def test_only_admins_approve(waste, unit_a, actors, who):
    v = services.data_value_save(
        user=actors["official_a"], indicator=waste, unit_id=unit_a.pk, year=2026, month=1, value=1
    )
    v = services.data_value_submit(user=actors["official_a"], value_id=v.pk, version=v.version)
    with pytest.raises(PermissionDenied):
        services.data_value_approve(user=actors[who], value_id=v.pk, version=v.version)
    assert DataValue.objects.get().status == ValueStatus.SUBMITTED


def test_stale_version_is_refused(waste, unit_a, official_a, admin_user):
    v = services.data_value_save(user=official_a, indicator=waste, unit_id=unit_a.pk, year=2026, month=1, value=1)
    v = services.data_value_submit(user=official_a, value_id=v.pk, version=v.version)
    with pytest.raises(ValidationError, match="已被他人修改"):
        services.data_value_approve(user=admin_user, value_id=v.pk, version=v.version - 1)


def test_approved_value_is_locked_and_a_correction_keeps_history(waste, unit_a, official_a, admin_user):
    v = services.data_value_save(user=official_a, indicator=waste, unit_id=unit_a.pk, year=2026, month=1, value=70)
    v = services.data_value_submit(user=official_a, value_id=v.pk, version=v.version)
    old = services.data_value_approve(user=admin_user, value_id=v.pk, version=v.version)
    with pytest.raises(ValidationError, match="更正原因"):
        services.data_value_save(user=official_a, indicator=waste, unit_id=unit_a.pk, year=2026, month=1, value=75)
    new = services.data_value_save(
        user=official_a,
        indicator=waste,
        unit_id=unit_a.pk,
        year=2026,
        month=1,
        value=75,
        verified=True,
        reason="核定数",
    )
    assert new.replaces_id == old.pk
    new = services.data_value_submit(user=official_a, value_id=new.pk, version=new.version)
    old.refresh_from_db()
    assert old.superseded_at is None  # still the value in force until the correction is approved
    new = services.data_value_approve(user=admin_user, value_id=new.pk, version=new.version)
    old.refresh_from_db()
    assert old.superseded_at is not None and old.value == 70 and new.status == ValueStatus.APPROVED
    assert list(new.events.values_list("to_status", flat=True)) == ["draft", "submitted", "approved"]


def test_return_needs_a_note_and_lets_the_official_edit(waste, unit_a, official_a, admin_user):
    v = services.data_value_save(user=official_a, indicator=waste, unit_id=unit_a.pk, year=2026, month=1, value=70)
    v = services.data_value_submit(user=official_a, value_id=v.pk, version=v.version)
    with pytest.raises(ValidationError):
        services.data_value_return(user=admin_user, value_id=v.pk, version=v.version, note=" ")
    v = services.data_value_return(user=admin_user, value_id=v.pk, version=v.version, note="口径不对")
    v = services.data_value_save(user=official_a, indicator=waste, unit_id=unit_a.pk, year=2026, month=1, value=72)
    assert v.status == ValueStatus.RETURNED and v.value == 72


def test_registry_resolves_present_functions_and_reports_missing_ones(monkeypatch):
    from tests.targets import fakes

    monkeypatch.setitem(registry.COMPUTED_SOURCES, "x", "tests.targets.fakes.good_day_rate")
    monkeypatch.setitem(registry.COMPUTED_SOURCES, "y", "tests.targets.fakes.no_such_function")
    monkeypatch.setitem(registry.COMPUTED_SOURCES, "z", "tests.targets.no_such_module.f")
    assert registry.resolve("x") is fakes.good_day_rate
    assert registry.resolve("y") is None and registry.resolve("z") is None and registry.resolve("unknown") is None


def test_every_registered_source_exists_now_that_all_apps_have_landed():
    missing = [code for code in registry.COMPUTED_SOURCES if registry.resolve(code) is None]
    assert missing == []


def test_an_item_deleted_while_the_run_computes_fails_the_run_and_writes_nothing(scheme, fake_sources, monkeypatch):
    # The snapshots have no database foreign keys (a check per row cost more than the write): the writer checks
    # and locks the scheme, its items and the units in its transaction instead. An item deleted between the load
    # and the write fails the run with the reason, and no row of the run is written.
    from targets.models import AssessmentItem

    real = services.load_frames

    def load_then_delete(*args, **kwargs):
        out = real(*args, **kwargs)
        AssessmentItem.objects.filter(scheme=scheme, indicator__code="air_good_day_rate").delete()
        return out

    monkeypatch.setattr(services, "load_frames", load_then_delete)
    with pytest.raises(services.ReferenceGone):
        services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    failed = ScoringRun.objects.get(status=RunStatus.FAILED)
    assert "计算期间有考核项目被删除" in failed.error and "本次结果未保存" in failed.error
    assert not ScoreSnapshot.objects.filter(run=failed).exists()
    assert not UnitScore.objects.filter(run=failed).exists()


@pytest.mark.django_db(transaction=True)
def test_the_writer_holds_the_units_it_scored_until_it_commits(scheme, fake_sources, unit_a, monkeypatch):
    # What a foreign-key check would do: while the run's rows are being written, another session cannot delete a
    # unit they point at (it waits for the lock, here it times out).
    import psycopg2
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("real concurrent sessions: PostgreSQL")
    s = connection.settings_dict
    other = psycopg2.connect(dbname=s["NAME"], user=s["USER"], host=s["HOST"], port=s["PORT"] or 5432)
    blocked = []
    real = services._bulk_insert

    def insert_and_try_delete(model, frame):
        real(model, frame)
        if model is ScoreSnapshot:
            with other.cursor() as cur:
                cur.execute("SET lock_timeout = '300ms'")
                try:
                    cur.execute("DELETE FROM tracker_unit WHERE id = %s", [unit_a.pk])
                except psycopg2.errors.LockNotAvailable:
                    blocked.append(True)
            other.rollback()

    monkeypatch.setattr(services, "_bulk_insert", insert_and_try_delete)
    try:
        run = services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
    finally:
        other.close()
    assert run.status == RunStatus.SUCCEEDED
    assert blocked == [True]


def test_load_progress_is_written_at_most_every_half_second(monkeypatch):
    # the load step reports after each computed indicator; each report is a committed UPDATE, so they are thinned
    written = []
    monkeypatch.setattr(services, "_progress", lambda run, pct: written.append(pct))
    clock = iter([0.0, 0.1, 0.3, 0.55, 0.6, 1.2, 1.25])  # the writer's start, then one reading per report
    monkeypatch.setattr(services.time_module, "monotonic", lambda: next(clock))
    report = services._progress_writer(ScoringRun())
    for pct in (10, 20, 30, 40, 50, 60):  # at 0.1, 0.3, 0.55, 0.6, 1.2, 1.25 s
        report(pct)
    assert written == [30, 50]  # 0.55 s after the start, then 0.65 s after that one
