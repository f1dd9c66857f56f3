"""The data versions under concurrent writers and readers, on real PostgreSQL connections.

What must hold: two transactions writing the same watched table never wait for each other on the version
bookkeeping; a write changes the version exactly when it commits (never before, never not at all), whatever
commits around it; compaction keeps every version. Each connection here is its own session, like two gunicorn
workers or a worker and a web process.
"""

from __future__ import annotations

import psycopg2
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracker import versions

pytestmark = [pytest.mark.django_db(transaction=True)]


def _session():
    s = connection.settings_dict
    conn = psycopg2.connect(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"], host=s["HOST"], port=s["PORT"] or 5432
    )
    with conn.cursor() as cur:
        cur.execute("SET lock_timeout = '2s'")  # a writer that would wait fails instead of hanging the test
    conn.commit()
    return conn


def _write(conn, table="tracker_warzone"):
    with conn.cursor() as cur:
        # an UPDATE that matches no row still fires the statement trigger: a write as far as versions go
        cur.execute(f"UPDATE {table} SET name = name WHERE id < 0")


def _sums() -> dict[str, int]:
    with connection.cursor() as cur:
        cur.execute("SELECT name, SUM(n) FROM data_version_log GROUP BY name")
        return {name: int(n) for name, n in cur.fetchall()}


def test_two_writers_of_one_table_do_not_wait_for_each_other():
    a, b = _session(), _session()
    try:
        _write(a)  # a's transaction stays open
        _write(b)  # with the per-table counter row this waited for a's commit: lock timeout after 2 s
        b.commit()
        a.commit()
    finally:
        a.close()
        b.close()


def test_opposite_orders_over_two_tables_do_not_deadlock():
    a, b = _session(), _session()
    try:
        _write(a, "tracker_warzone")
        _write(b, "tracker_unit")
        _write(a, "tracker_unit")  # counters: a waits for b's row of tracker_unit …
        _write(b, "tracker_warzone")  # … and b for a's row of tracker_warzone: a deadlock. Now neither waits.
        a.commit()
        b.commit()
    finally:
        a.close()
        b.close()


def test_a_write_changes_the_version_when_it_commits_even_after_a_later_one():
    early, late = _session(), _session()
    try:
        before = versions.current()
        _write(early)  # begun first …
        _write(late)
        late.commit()  # … committed second
        seen_between = versions.current()
        assert seen_between != before  # late's write shows as soon as it commits
        early.commit()
        # A reader that built from the rows visible at `seen_between` (without early's) must not find its entry
        # under the version after early's commit. With "the highest sequence number" as the version, early's
        # lower number would have left the version unchanged here.
        assert versions.current() != seen_between
    finally:
        early.close()
        late.close()


def test_a_rolled_back_write_leaves_the_version_alone():
    conn = _session()
    try:
        before = versions.current()
        _write(conn)
        conn.rollback()
        assert versions.current() == before
    finally:
        conn.close()


def _log_rows(name: str) -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM data_version_log WHERE name = %s", [name])
        return cur.fetchone()[0]


def test_compaction_keeps_every_version_and_the_uncommitted_writes():
    writer, folder = _session(), _session()
    try:
        with folder.cursor() as cur:  # hold the fold lock: the writers' own folding stays off meanwhile
            cur.execute("SELECT pg_try_advisory_xact_lock(%s)", [versions._COMPACT_LOCK])
        for _ in range(versions.COMPACT_EVERY + 5):
            _write(writer, "tracker_unit")
            writer.commit()
        assert _log_rows("tracker_unit") > versions.COMPACT_EVERY
        folder.rollback()
        before = _sums()
        _write(writer, "tracker_warzone")  # uncommitted while the log is folded
        assert versions.compact()
        assert _sums() == before  # same sums
        with connection.cursor() as cur:
            cur.execute("SELECT name, COUNT(*) FROM data_version_log GROUP BY name HAVING COUNT(*) > 1")
            assert cur.fetchall() == []  # one row per table now
        writer.commit()  # the row compaction could not see survives it and counts
        assert _sums() == before | {"tracker_warzone": before["tracker_warzone"] + 1}
    finally:
        writer.close()
        folder.close()


def test_writers_keep_the_log_short_and_readers_only_read():
    writer = _session()
    try:
        before = _sums().get("tracker_unit", 0)
        for _ in range(5 * versions.COMPACT_EVERY):  # 320 writes, each its own statement and commit
            _write(writer, "tracker_unit")
            writer.commit()
        assert _sums()["tracker_unit"] == before + 5 * versions.COMPACT_EVERY  # every write counted once
        assert _log_rows("tracker_unit") <= versions.COMPACT_EVERY  # folded by the writers as they went
        with CaptureQueriesContext(connection) as queries:
            versions.current()
        assert len(queries) == 1  # a reader never folds: one query, always
    finally:
        writer.close()


def test_a_second_compactor_does_not_wait():
    other = _session()
    try:
        with other.cursor() as cur:  # another session is folding and has not committed
            cur.execute("SELECT pg_try_advisory_xact_lock(%s)", [versions._COMPACT_LOCK])
            assert cur.fetchone()[0]
        assert versions.compact() is False  # gives way at once instead of waiting
        writer = _session()
        before = _log_rows("tracker_unit")
        for _ in range(versions.COMPACT_EVERY):  # one of these rows lands on a fold turn: skipped, not waited for
            _write(writer, "tracker_unit")  # (a wait would hit the session's 2 s lock timeout)
            writer.commit()
        writer.close()
        assert _log_rows("tracker_unit") == before + versions.COMPACT_EVERY  # nothing was folded meanwhile
    finally:
        other.rollback()
        other.close()
