"""Which data a cached page was built from, told by versions the database keeps (`DataVersionEntry`).

Pages that assemble expensive panels (the dashboards) cache them under a key that holds `current()`: the
versions of the tables those panels read. A statement-level trigger on each watched table appends a row to a
log in the writing transaction, so the new version becomes visible exactly when the new rows do, and two
writers of the same table never wait for each other (nothing is updated in place). A reader that caught the
old version while a write committed caches new rows under the old key at worst (an extra rebuild later, never
stale data under the new key). One indexed scan of a few rows per hit replaces the table-wide aggregates a
fingerprint used to need.

SQLite (the zero-setup `make run`) has no statement triggers: it gets row triggers with the same effect.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")

# The tables whose rows the dashboards show beside the scoring run's stored facts (live state: due and overdue
# items, tasks, stalled projects, monitoring, units and zones). A new panel that reads another table adds it.
WATCHED_TABLES: tuple[str, ...] = (
    "rectifications_rectificationitem",
    "rectifications_transition",
    "rectifications_notice",
    "tracker_measure",
    "tracker_measureprogressreport",
    "projects_project",
    "projects_payment",
    "projects_progressreport",
    "projects_stagechange",
    "tracker_airdailyreading",
    "tracker_airstation",
    "tracker_watermonthlyreading",
    "tracker_watersection",
    "tracker_sewageoutlet",
    "tracker_unit",
    "tracker_warzone",
    # the leaders' board's other live panels (targets.dashboards.selectors.CITY_LIVE_MODELS): watch, weather,
    # river patrols, rural plants, drinking water, fishing ban, the province's ranking, pilots, risk follow-ups
    "tracker_monitoringwarning",
    "tracker_weatherwarning",
    "tracker_riverpatrol",
    "tracker_ruralsewageplant",
    "tracker_ruralplantmonth",
    "tracker_drinkingwaterreading",
    "tracker_drinkingwatersource",
    "tracker_fishingbancase",
    "targets_provincialranking",
    "targets_indicator",
    "projects_pilot",
    "projects_pilot_projects",
    "projects_pilotmilestone",
    "targets_riskfollowup",
    "targets_assessmentitem",
    "targets_assessmentscheme",
    "tracker_person",
    "tracker_user",
    # the air index's city headline and war-zone table (tracker.selectors.air.versioned)
    "tracker_sanddustday",
)

# The first design (migration 0007): one counter row per table, bumped by an UPSERT in the writing transaction.
# Two transactions writing the same table waited for each other on that row until the first committed (and two
# writing two tables in opposite orders could deadlock on the counters). Frozen: only 0007 installs it.
PG_FUNCTION_V1 = """
CREATE OR REPLACE FUNCTION eco_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO data_version (name, n) VALUES (TG_TABLE_NAME, 1)
    ON CONFLICT (name) DO UPDATE SET n = data_version.n + 1;
    RETURN NULL;
END
$$;
"""

# Now: every writing statement appends a row to a log and locks nothing another writer needs. A table's version
# is the SUM of its rows: each committed write adds 1, a rolled-back one never shows, and folding (below) turns
# many rows into one per table without changing any sum. Sequence numbers would not do: ids are handed out when a
# statement runs, not when it commits, so a reader could see a later id commit before an earlier one and cache
# old rows under a version that the earlier commit would then not change.
#
# Every COMPACT_EVERY-th row, the writing statement also folds the log (when no other session is folding: a
# try-lock, so nobody waits): the rows committed before it become one per table, inside the writer's own
# transaction, so a rollback undoes the fold with the write. Readers only read (one query, always the same).
# Migration tracker 0019 installs this function; a change to it needs a migration that installs it again.
COMPACT_EVERY = 64
_COMPACT_LOCK = 0x65636F76  # pg_try_advisory_xact_lock key ("ecov"): one fold at a time, nobody waits
PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION eco_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO data_version_log (name, n) VALUES (TG_TABLE_NAME, 1) RETURNING id INTO new_id;
    IF new_id % {COMPACT_EVERY} = 0 AND pg_try_advisory_xact_lock({_COMPACT_LOCK}) THEN
        WITH gone AS (DELETE FROM data_version_log WHERE id < new_id RETURNING name, n)
        INSERT INTO data_version_log (name, n) SELECT name, SUM(n) FROM gone GROUP BY name;
    END IF;
    RETURN NULL;
END
$$;
"""

_COMPACT = """
WITH gone AS (DELETE FROM data_version_log RETURNING name, n)
INSERT INTO data_version_log (name, n) SELECT name, SUM(n) FROM gone GROUP BY name
"""


def _pg_trigger(table: str) -> str:
    return (
        f"DROP TRIGGER IF EXISTS {table}_version ON {table};"
        f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION eco_bump_version();"
    )


def _sqlite_triggers(table: str, log: bool) -> list[str]:
    # SQLite runs one writer at a time, so a counter row per table blocks nobody: keep one row per name.
    out = []
    for op in ("INSERT", "UPDATE", "DELETE"):
        out.append(f"DROP TRIGGER IF EXISTS {table}_version_{op.lower()}")
        if log:
            body = (
                f"UPDATE data_version_log SET n = n + 1 WHERE name = '{table}'; "
                f"INSERT INTO data_version_log (name, n) SELECT '{table}', 1 "
                f"WHERE NOT EXISTS (SELECT 1 FROM data_version_log WHERE name = '{table}');"
            )
        else:
            body = (
                f"INSERT INTO data_version (name, n) VALUES ('{table}', 1) ON CONFLICT (name) DO UPDATE SET n = n + 1;"
            )
        out.append(f"CREATE TRIGGER {table}_version_{op.lower()} AFTER {op} ON {table} BEGIN {body} END")
    return out


def attach(schema_editor, tables: tuple[str, ...] = WATCHED_TABLES, *, log: bool = True) -> None:
    """Install the versions' triggers on `tables` (a migration's RunPython). `log=False` is the first design,
    for migration 0007 only."""
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(PG_FUNCTION if log else PG_FUNCTION_V1)
            for table in tables:
                cursor.execute(_pg_trigger(table))
        elif vendor == "sqlite":
            for table in tables:
                for statement in _sqlite_triggers(table, log):
                    cursor.execute(statement)


def detach(schema_editor, tables: tuple[str, ...] = WATCHED_TABLES) -> None:
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for table in tables:
            if vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_version ON {table}")
            elif vendor == "sqlite":
                for op in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_version_{op}")


def compact() -> bool:
    """Fold the whole log into one row per table now, keeping every sum (the writers' trigger does it every
    COMPACT_EVERY rows; this is for maintenance and tests). Never waits: when another session is folding, this
    one does nothing (False). A row of a transaction that has not committed is invisible to the DELETE and stays."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_COMPACT_LOCK])
        if not cursor.fetchone()[0]:
            return False
        cursor.execute(_COMPACT)
    return True


DATABASE = "@database"  # the snapshot's entry naming the database itself (PostgreSQL: its oid)


def snapshot() -> dict[str, int]:
    """Every watched table's version (name → sum), in one query over a log the writers keep short.

    Read it before the data it keys: a write that commits in between makes the data newer than the key (an
    extra rebuild later), never older."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # and which database this is: a database recreated or restored starts its versions again from the
            # same sums, and a cache shared with the old one must not hand the new one the old one's data (a
            # scoring run would read another database's air statistics); its oid is new every time
            cursor.execute(
                "SELECT name, SUM(n) FROM data_version_log GROUP BY name"
                f" UNION ALL SELECT '{DATABASE}', oid::bigint FROM pg_database WHERE datname = current_database()"
            )
        else:
            cursor.execute("SELECT name, SUM(n) FROM data_version_log GROUP BY name")
        return {name: int(n) for name, n in cursor.fetchall()}


def fingerprint(versions: dict[str, int], tables: tuple[str, ...] | None = None) -> str:
    """A short key for the versions of `tables` (all when None) in a `snapshot()`."""
    names = sorted(versions if tables is None else {t for t in (*tables, DATABASE) if t in versions})
    raw = ";".join(f"{name}={versions[name]}" for name in names)
    return hashlib.sha1(raw.encode()).hexdigest()[:12]


def current(tables: tuple[str, ...] | None = None) -> str:
    """The fingerprint of every watched table's version, or of `tables`' only (one query)."""
    return fingerprint(snapshot(), tables)


def cached(name: str, tables: tuple[str, ...], build: Callable[[], T], timeout: int = 24 * 3600) -> T:
    """`build()` cached under `name` and the versions of `tables` (read before the data it keys), so a write to any
    of them makes the entry unreachable at once; `timeout` only collects old entries. With the cache down every
    call builds. (The dashboards, which also need one builder at a time, use `targets.dashboards` `cached`.)"""
    key = f"{name}@{current(tables)}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value
