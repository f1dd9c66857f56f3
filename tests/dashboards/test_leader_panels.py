"""The leaders' board's run-decided panels read from one list of the scheme's runs: the run a week before, the
month-end runs of the totals' trend and the run compared with; and the units that moved since the week before."""

import datetime

import pytest

from targets.choices import RunStatus
from targets.dashboards import selectors as dash
from targets.models import ScoringRun, UnitScore
from tests.factories import SchemeFactory, UnitFactory
from tracker.choices import UnitKind


@pytest.fixture
def runs(db, unit_a, unit_b):
    """Runs of one scheme (all succeeded but one) and their totals for three units (A 井研县, B 沐川县, C)."""
    unit_c = UnitFactory(code="511199", name="丙区", kind=UnitKind.DISTRICT)
    scheme = SchemeFactory(year=2026)
    made = {}
    stamp = datetime.datetime(2026, 3, 20, 8, 0, tzinfo=datetime.UTC)

    def run(name, as_of, totals, status=RunStatus.SUCCEEDED, minutes=0, previous=None):
        r = ScoringRun.objects.create(scheme=scheme, as_of=as_of, status=status, previous_run=previous)
        ScoringRun.objects.filter(pk=r.pk).update(created_at=stamp + datetime.timedelta(minutes=minutes))
        for unit, (total, rank) in zip((unit_a, unit_b, unit_c), totals, strict=True):
            UnitScore.objects.create(run=r, unit=unit, total=total, rank=rank)
        made[name] = r
        return r

    run("jan", datetime.date(2026, 1, 31), [(60, 2), (70, 1), (50, 3)])
    run("feb15", datetime.date(2026, 2, 15), [(75, 1), (75, 2), (75, 3)])
    run("feb28_old", datetime.date(2026, 2, 28), [(0, 1), (0, 2), (0, 3)], minutes=1)
    feb = run("feb28", datetime.date(2026, 2, 28), [(80, 2), (85, 1), (70, 3)], minutes=2)
    run("mar10_failed", datetime.date(2026, 3, 10), [(1, 1), (1, 2), (1, 3)], status=RunStatus.FAILED)
    run("mar14", datetime.date(2026, 3, 14), [(90, 1), (85.005, 2), (70, 3)], minutes=3, previous=feb)
    return made


def test_week_before_trend_and_compared_run_come_from_the_newest_run_of_each_date(runs):
    # given runs on 31 Jan, 15 Feb, 28 Feb (twice: the later one counts), a failed one on 10 Mar and 14 Mar
    current = dash.succeeded_runs(runs["mar14"].scheme)[0]
    assert current.pk == runs["mar14"].pk
    # when the board's run panels are read
    panels = dash.leader_panels(run=current, today=datetime.date(2026, 3, 14), live=False)
    # then the week before (on or before 7 Mar) is the newer 28 Feb run, which is also the compared one
    assert panels["week_run"].pk == runs["feb28"].pk
    assert panels["previous"].pk == runs["feb28"].pk
    # and the trend has each month's last run: Jan, Feb (the newer 28 Feb run, not 15 Feb), Mar
    trend = panels["totals_trend"]
    assert [d.isoformat() for d in trend["as_of"]] == ["2026-01-31", "2026-02-28", "2026-03-14"]
    assert list(trend["high"]) == [70, 85, 90]
    assert list(trend["low"]) == [50, 70, 70]
    assert list(trend["mean"].round(4)) == [60.0, 78.3333, 81.6683]


def test_changes_list_units_whose_total_or_rank_moved_biggest_move_first(runs):
    current = dash.succeeded_runs(runs["mar14"].scheme)[0]
    changes = dash.leader_panels(run=current, today=datetime.date(2026, 3, 14), live=False)["changes"]
    # A 80 -> 90 (rank 2 -> 1); B 85 -> 85.005 (under 0.01, but rank 1 -> 2); C unchanged: left out
    assert list(changes["unit_name"]) == ["井研县", "沐川县"]
    assert list(changes["before_total"]) == [80, 85]
    assert list(changes["rank_change"]) == [1, -1]
    assert changes["delta"].round(3).tolist() == [10.0, 0.005]
    assert changes["url"].tolist() == [f"/dashboard/units/{u}/" for u in changes["unit_id"]]
    # the export's reading (its own query of the current run) gives the same rows
    assert dash.changes_since(current).drop(columns="url").equals(changes.drop(columns="url"))
