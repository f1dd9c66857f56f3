"""Pruning old scoring runs (targets.services.runs_prune): what nobody can need goes, with its rows; what a page,
a trend, a comparison or a publication reads stays."""

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from targets import services
from targets.choices import RunStatus
from targets.models import ScoreSnapshot, ScoringRun, UnitScore

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 30)


def _age(run: ScoringRun, days: int) -> ScoringRun:
    """Pretend the run was created `days` before TODAY (created_at is auto_now_add)."""
    when = datetime.combine(TODAY - timedelta(days=days), datetime.min.time(), tzinfo=timezone.get_current_timezone())
    ScoringRun.objects.filter(pk=run.pk).update(created_at=when)
    return run


def test_old_replaced_failed_and_mid_month_runs_go_month_end_published_and_young_ones_stay(
    scheme, fake_sources, admin_user
):
    # given (2 units × 3 items per run = 6 snapshots and 2 totals each):
    june_10 = _age(services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 6, 10)), 170)  # mid-June: old
    june_30_first = services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 6, 30))
    june_30 = services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 6, 30))  # replaces the first
    _age(june_30_first, 150)
    _age(june_30, 150)
    july_15 = _age(services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 7, 15)), 130)  # published
    services.publication_create(user=admin_user, run_id=july_15.pk, title="7月通报")
    july_20 = _age(services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 7, 20)), 125)  # July's month end
    failed = _age(ScoringRun.objects.create(scheme=scheme, as_of=date(2026, 8, 1), status=RunStatus.FAILED), 120)
    nov_28 = services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 11, 28))  # young (TODAY)
    nov_29 = services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 11, 29))  # young
    assert ScoringRun.objects.get(pk=june_30_first.pk).status == RunStatus.SUPERSEDED

    # when: a dry run, then the real one
    dry = services.runs_prune(keep_days=60, today=TODAY, dry_run=True)
    counts = services.runs_prune(keep_days=60, today=TODAY)

    # then: gone — the replaced June 30 run and the failed run. June 10 is not a month end but stays: the kept
    # June 30 run (June's month end) was compared with it (`previous_run`), and its score sheet shows that.
    kept = set(ScoringRun.objects.values_list("pk", flat=True))
    assert kept == {june_10.pk, june_30.pk, july_15.pk, july_20.pk, nov_28.pk, nov_29.pk}
    assert counts == dry == {"runs": 2, "snapshots": 6, "totals": 2}  # the replaced run's rows; the failed has none
    assert not ScoreSnapshot.objects.filter(run_id=june_30_first.pk).exists()
    assert not UnitScore.objects.filter(run_id=june_30_first.pk).exists()
    assert not ScoringRun.objects.filter(pk=failed.pk).exists()
    assert ScoreSnapshot.objects.filter(run_id=july_15.pk).count() == 6  # published: whole

    # and a second prune finds nothing (idempotent)
    assert services.runs_prune(keep_days=60, today=TODAY) == {"runs": 0, "snapshots": 0, "totals": 0}


def test_a_mid_month_run_nobody_compares_with_is_pruned(scheme, fake_sources):
    # given: August 5 and August 31 (month end); September 30 is compared with August 31, and August 31 with
    # August 5 — so make August 31 compare with nothing by computing it first.
    aug_31 = _age(services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 8, 31)), 100)
    aug_5 = _age(services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 8, 5)), 100)  # previous: none earlier
    sep_30 = services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 9, 30))  # compares with Aug 31
    assert sep_30.previous_run_id == aug_31.pk and aug_31.previous_run_id is None

    counts = services.runs_prune(keep_days=60, today=TODAY)

    assert counts == {"runs": 1, "snapshots": 6, "totals": 2}
    assert set(ScoringRun.objects.values_list("pk", flat=True)) == {aug_31.pk, sep_30.pk}
    assert not ScoringRun.objects.filter(pk=aug_5.pk).exists()


def test_command_reports_and_refuses_a_zero_window(scheme, fake_sources, capsys):
    call_command("prune_runs", "--dry-run")
    assert "将删除 0 个计分批次" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        call_command("prune_runs", "--keep-days", "0")
