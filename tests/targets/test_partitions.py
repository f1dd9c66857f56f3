"""Score snapshots partitioned by year on PostgreSQL (targets.partitions, migration 0012): where a run's rows are
written, the weekly task making next year's partition, and the way back to a plain table and forward again."""

from datetime import date

import psycopg2
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from targets import partitions, services, tasks
from targets.choices import RunStatus
from targets.models import ScoringRun

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")

SNAPSHOTS = "targets_scoresnapshot"


def _where(run_id: int) -> dict[str, int]:
    """partition name → rows of the run it holds."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT tableoid::regclass::text, count(*) FROM {SNAPSHOTS} WHERE run_id = %s GROUP BY 1", [run_id]
        )
        return dict(cur.fetchall())


def _drop_years(*years: int) -> None:
    """Remove the yearly partitions of `years` (inside the test's transaction: rolled back after it)."""
    with connection.cursor() as cur:
        for year in years:
            if year in partitions.yearly_partitions():
                cur.execute(f"ALTER TABLE {SNAPSHOTS} DETACH PARTITION {partitions.partition_name(year)}")
                cur.execute(f"DROP TABLE {partitions.partition_name(year)}")


def _fingerprint() -> tuple[int, str, int]:
    """Rows, an md5 over every column of every row in id order, and the highest id."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*), md5(string_agg(s::text, '|' ORDER BY id)), max(id) FROM {SNAPSHOTS} s")
        return cur.fetchone()


@pytest.mark.django_db
def test_the_snapshots_table_is_partitioned_by_range_of_as_of_with_a_default_partition():
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.partstrat, a.attname FROM pg_partitioned_table p"
            " JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]"
            " WHERE p.partrelid = %s::regclass",
            [SNAPSHOTS],
        )
        assert cur.fetchall() == [("r", "as_of")]
        cur.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass"
            " AND contype IN ('p', 'u') ORDER BY contype",
            [SNAPSHOTS],
        )
        assert cur.fetchall() == [("PRIMARY KEY (id, as_of)",), ("UNIQUE (run_id, unit_id, item_id, as_of)",)]
        cur.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c"
            " ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass AND c.relname = %s",
            [SNAPSHOTS, partitions.DEFAULT_PARTITION],
        )
        assert cur.fetchall() == [(partitions.DEFAULT_PARTITION, "DEFAULT")]
    assert partitions.is_partitioned()


@pytest.mark.django_db
def test_a_runs_snapshots_are_written_into_the_partition_of_its_year(scheme, fake_sources):
    partitions.snapshot_partitions_ensure(years=[2026])  # made by the migration or the weekly task, whatever today is

    run = services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 10, 31))

    assert _where(run.pk) == {"targets_scoresnapshot_2026": 6}  # 2 units × 3 items


@pytest.mark.django_db
def test_a_run_of_a_year_without_partition_lands_in_default_and_the_weekly_task_moves_it(scheme, fake_sources):
    # given: no partition for 2026 nor 2027; a run of 2026 is written all the same, into DEFAULT
    _drop_years(2026, 2027)
    run = services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 10, 31))
    assert _where(run.pk) == {partitions.DEFAULT_PARTITION: 6}
    assert partitions.years_in_default() == [2026]

    # when: the weekly task runs on Sunday 29 November 2026
    with time_machine.travel("2026-11-29T03:30+08:00", tick=False):
        counts = tasks.prune_runs()

    # then: this year's partition is made and the run's rows moved into it; next year's is made empty
    assert {2026, 2027} <= set(partitions.yearly_partitions())
    assert _where(run.pk) == {"targets_scoresnapshot_2026": 6}
    assert partitions.years_in_default() == []
    assert counts == {"runs": 0, "snapshots": 0, "totals": 0}  # the run is young: pruning keeps it
    # and a second week makes nothing (idempotent)
    assert partitions.snapshot_partitions_ahead(today=date(2026, 12, 6)) == []


@pytest.mark.django_db
def test_the_prune_command_makes_the_partitions_too_and_a_dry_run_reports_rows_in_default(scheme, fake_sources, capsys):
    _drop_years(2026, 2027)
    services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 10, 31))
    with time_machine.travel("2026-11-30T10:00+08:00", tick=False):
        call_command("prune_runs", "--dry-run")
        assert "默认分区中有 2026 年的得分明细" in capsys.readouterr().out
        call_command("prune_runs")
    out = capsys.readouterr().out
    assert "已建得分明细年度分区：2026、2027。" in out
    assert "默认分区" not in out


@pytest.mark.django_db
def test_ensure_makes_only_the_missing_years_and_returns_them():
    _drop_years(2027, 2041)
    assert partitions.snapshot_partitions_ensure(years=[2041, 2027]) == [2027, 2041]
    assert partitions.snapshot_partitions_ensure(years=[2027, 2041]) == []
    assert {2027, 2041} <= set(partitions.yearly_partitions())


@pytest.mark.django_db(transaction=True)
def test_the_weekly_call_gives_up_when_a_write_holds_the_table(monkeypatch):
    # given: another session writing the snapshots (a scoring write holds ROW EXCLUSIVE until it commits)
    monkeypatch.setattr(partitions, "LOCK_TIMEOUT", "200ms")
    db = connection.settings_dict
    other = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"] or None, password=db["PASSWORD"] or None, host=db["HOST"] or None,
        port=db["PORT"] or None,
    )  # fmt: skip
    try:
        with other.cursor() as cur:
            cur.execute(f"LOCK TABLE {SNAPSHOTS} IN ROW EXCLUSIVE MODE")
        # when: the weekly call wants 2040 and 2041 (no such partitions)
        created = partitions.snapshot_partitions_ahead(today=date(2040, 1, 4))
    finally:
        other.rollback()
        other.close()
    # then: it gave up instead of waiting, and made nothing
    assert created == []
    assert not {2040, 2041} & set(partitions.yearly_partitions())


@pytest.mark.django_db(transaction=True)
def test_migrating_back_to_a_plain_table_and_forward_again_keeps_every_row(scheme, fake_sources):
    # given: a run of 2026 (its partition) and rows of 2019 (no partition: DEFAULT)
    partitions.snapshot_partitions_ensure(years=[2026])
    services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 10, 31))
    old_run = ScoringRun.objects.create(scheme=scheme, as_of=date(2019, 12, 31), status=RunStatus.SUCCEEDED)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {SNAPSHOTS} (run_id, scheme_id, unit_id, item_id, as_of, applicable, status, points,"
            " max_points, detail, na_reason, points_lost, points_at_risk, need_kind, legacy_explanation)"
            " SELECT %s, scheme_id, unit_id, item_id, '2019-12-31', applicable, status, points, max_points, detail,"
            f" na_reason, points_lost, points_at_risk, need_kind, '2019 年的说明' FROM {SNAPSHOTS}",
            [old_run.pk],
        )
    before = _fingerprint()
    assert before[0] == 12
    try:
        # when: back to 0011 (the previous release)
        call_command("migrate", "targets", "0011", verbosity=0)
        # then: one plain table, every row as it was
        assert not partitions.is_partitioned()
        assert _fingerprint() == before

        # when: forward again
        call_command("migrate", "targets", verbosity=0)
        # then: partitioned, every row as it was, 2019 now in a partition of its own (a year the rows hold)
        assert partitions.is_partitioned()
        assert _fingerprint() == before
        assert _where(old_run.pk) == {"targets_scoresnapshot_2019": 6}
        assert partitions.years_in_default() == []
        # and new rows get ids after the old ones (the identity went on from where it was)
        run = services.scores_compute(scheme_id=scheme.pk, as_of=date(2026, 11, 30))
        with connection.cursor() as cur:
            cur.execute(f"SELECT min(id) FROM {SNAPSHOTS} WHERE run_id = %s", [run.pk])
            assert cur.fetchone()[0] > before[2]
    finally:
        call_command("migrate", "targets", verbosity=0)
        with connection.cursor() as cur:  # the flush after the test empties the rows, not the partition made here
            cur.execute("DROP TABLE IF EXISTS targets_scoresnapshot_2019")
