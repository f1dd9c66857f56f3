"""Score snapshots partitioned by year on PostgreSQL: which partitions there are, and making the missing ones.

Migration 0012 makes `targets_scoresnapshot` a table `PARTITION BY RANGE (as_of)`: one partition per calendar
year (`targets_scoresnapshot_2026` holds 2026-01-01 … 2026-12-31) and a DEFAULT partition for every date no
yearly partition covers, so a run of any date is written and never refused. The migration makes the years its data
holds plus the current and the next year; after that the weekly prune task (`tasks.prune_runs`) makes the current
and the next year, a year ahead of the first run that needs one.

Partitions are made in a short transaction of their own, never inside a scoring write: creating a partition
locks the whole table (ACCESS EXCLUSIVE) until its transaction ends, and every reader would queue behind it. The
weekly call gives up after a lock timeout instead of waiting behind a long write (and readers behind it); the
next week tries again.

PostgreSQL refuses to create a year's partition while the DEFAULT partition holds rows of that year. Then the
rows move, in the same transaction: detach DEFAULT, create the year, move its rows from DEFAULT into it, attach
DEFAULT again. The weekly call does this for every year it finds in DEFAULT, so DEFAULT stays empty.

SQLite (the zero-setup default) keeps one plain table; everything here does nothing there.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from django.db import OperationalError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

logger = logging.getLogger(__name__)

TABLE = "targets_scoresnapshot"
DEFAULT_PARTITION = f"{TABLE}_default"
# how long the weekly call waits for the table's lock before giving up until next week
LOCK_TIMEOUT = "5s"
LOCK_NOT_AVAILABLE = "55P03"  # SQLSTATE of a lock timeout
_MAKER_LOCK = 0x65636F70  # pg_advisory_xact_lock key ("ecop") held while partitions are made


def partition_name(year: int) -> str:
    """The table that holds the snapshots dated in `year`."""
    return f"{TABLE}_{int(year)}"


def _connection(using: str) -> BaseDatabaseWrapper:
    return connections[using]


def is_partitioned(*, using: str = "default") -> bool:
    """True when the snapshots' table is partitioned (PostgreSQL after migration 0012)."""
    connection = _connection(using)
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))", [TABLE])
        return bool(cursor.fetchone()[0])


def _partitions(cursor: CursorWrapper) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
        [TABLE],
    )
    return [row[0] for row in cursor.fetchall()]


def yearly_partitions(*, using: str = "default") -> list[int]:
    """The years that have a partition of their own (empty when the table is not partitioned)."""
    if not is_partitioned(using=using):
        return []
    with _connection(using).cursor() as cursor:
        names = _partitions(cursor)
    prefix = f"{TABLE}_"
    return sorted(int(name[len(prefix) :]) for name in names if name[len(prefix) :].isdigit())


def _years_in_default(cursor: CursorWrapper) -> list[int]:
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [DEFAULT_PARTITION])
    if not cursor.fetchone()[0]:
        return []
    cursor.execute(f"SELECT DISTINCT extract(year FROM as_of)::int FROM {DEFAULT_PARTITION} ORDER BY 1")
    return [int(row[0]) for row in cursor.fetchall()]


def years_in_default(*, using: str = "default") -> list[int]:
    """The years of the rows the DEFAULT partition holds (runs dated in a year that had no partition yet)."""
    if not is_partitioned(using=using):
        return []
    with _connection(using).cursor() as cursor:
        return _years_in_default(cursor)


def _columns(cursor: CursorWrapper, table: str) -> str:
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped"
        " ORDER BY attnum",
        [table],
    )
    return ", ".join(f'"{row[0]}"' for row in cursor.fetchall())


def create_year(cursor: CursorWrapper, year: int) -> None:
    """Create the partition of `year` on `cursor`'s open transaction; rows of that year in DEFAULT move into it.

    The caller holds the transaction (the migration's, or `snapshot_partitions_ensure`'s own) and has checked that
    the partition does not exist yet."""
    name, start, end = partition_name(year), date(year, 1, 1).isoformat(), date(year + 1, 1, 1).isoformat()
    bounds = f"FOR VALUES FROM ('{start}') TO ('{end}')"
    if year not in _years_in_default(cursor):
        cursor.execute(f"CREATE TABLE {name} PARTITION OF {TABLE} {bounds}")
        return
    # PostgreSQL would refuse the new partition (DEFAULT holds rows that belong to it): take DEFAULT out, create
    # the year, move the year's rows across, put DEFAULT back (attaching checks it holds no other year's rows).
    columns = _columns(cursor, TABLE)
    cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {DEFAULT_PARTITION}")
    cursor.execute(f"CREATE TABLE {name} PARTITION OF {TABLE} {bounds}")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE as_of >= %s AND as_of < %s RETURNING {columns})"
        f" INSERT INTO {name} ({columns}) SELECT {columns} FROM moved",
        [start, end],
    )
    moved = cursor.rowcount
    cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {DEFAULT_PARTITION} DEFAULT")
    logger.info("snapshot partition %s created; %s rows moved from %s", name, moved, DEFAULT_PARTITION)


def create_default(cursor: CursorWrapper) -> None:
    """Create the DEFAULT partition (the migration; it exists from then on)."""
    cursor.execute(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {TABLE} DEFAULT")


def snapshot_partitions_ensure(
    *, years: Iterable[int], lock_timeout: str | None = None, using: str = "default"
) -> list[int]:
    """Create the yearly partitions of `years` that do not exist yet (moving their rows out of DEFAULT); return the
    years created, in order. Idempotent. One transaction; with `lock_timeout` it fails (OperationalError) rather than
    wait longer than that for the table's lock. Does nothing when the table is not partitioned (SQLite)."""
    if not is_partitioned(using=using):
        return []
    created: list[int] = []
    with transaction.atomic(using=using), _connection(using).cursor() as cursor:
        if lock_timeout:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [lock_timeout])  # this transaction only
        # one maker at a time (the weekly task and the command may meet): the second sees what the first made
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_MAKER_LOCK])
        existing = set(yearly_partitions(using=using))
        for year in sorted(set(int(y) for y in years) - existing):
            create_year(cursor, year)
            created.append(year)
    if created:
        logger.info("snapshot partitions created for %s", created)
    return created


def snapshot_partitions_ahead(*, today: date | None = None, using: str = "default") -> list[int]:
    """The weekly call: partitions for the current and the next year, and for every year found in DEFAULT (its
    rows move into it). Gives up after LOCK_TIMEOUT when a long write holds the table (logged; returns [])."""
    if not is_partitioned(using=using):
        return []
    today = today or timezone.localdate()
    years = {today.year, today.year + 1, *years_in_default(using=using)}
    try:
        return snapshot_partitions_ensure(years=years, lock_timeout=LOCK_TIMEOUT, using=using)
    except OperationalError as exc:
        if getattr(exc.__cause__, "pgcode", None) != LOCK_NOT_AVAILABLE:
            raise
        logger.warning("snapshot partitions for %s not created (table busy); next week tries again", sorted(years))
        return []
