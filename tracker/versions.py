"""Which data a cached page was built from, told by counters the database keeps (`DataVersion`).

Pages that assemble expensive panels (the dashboards) cache them under a key that holds `current()`: the
counters of the tables those panels read. A statement-level trigger on each watched table bumps that table's
counter in the writing transaction, so the new version becomes visible exactly when the new rows do. A
reader that caught the old version while a write committed caches new rows under the old key at worst (an
extra rebuild later, never stale data under the new key). One primary-key scan of a few rows per hit replaces
the table-wide aggregates a fingerprint used to need.

SQLite (the zero-setup `make run`) has no statement triggers: it gets row triggers with the same effect.
"""

from __future__ import annotations

import hashlib

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
)

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION eco_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO data_version (name, n) VALUES (TG_TABLE_NAME, 1)
    ON CONFLICT (name) DO UPDATE SET n = data_version.n + 1;
    RETURN NULL;
END
$$;
"""


def _pg_trigger(table: str) -> str:
    return (
        f"DROP TRIGGER IF EXISTS {table}_version ON {table};"
        f"CREATE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION eco_bump_version();"
    )


def _sqlite_triggers(table: str) -> list[str]:
    out = []
    for op in ("INSERT", "UPDATE", "DELETE"):
        out.append(f"DROP TRIGGER IF EXISTS {table}_version_{op.lower()}")
        out.append(
            f"CREATE TRIGGER {table}_version_{op.lower()} AFTER {op} ON {table} BEGIN "
            f"INSERT INTO data_version (name, n) VALUES ('{table}', 1) "
            f"ON CONFLICT (name) DO UPDATE SET n = n + 1; END"
        )
    return out


def attach(schema_editor, tables: tuple[str, ...] = WATCHED_TABLES) -> None:
    """Install the counters' triggers on `tables` (a migration's RunPython)."""
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(PG_FUNCTION)
            for table in tables:
                cursor.execute(_pg_trigger(table))
        elif vendor == "sqlite":
            for table in tables:
                for statement in _sqlite_triggers(table):
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


def current(tables: tuple[str, ...] | None = None) -> str:
    """A short fingerprint of every counter, or of `tables`' only (one query on a table of a few rows)."""
    from .models import DataVersion

    counters = DataVersion.objects.order_by("name")
    if tables is not None:
        counters = counters.filter(name__in=tables)
    raw = ";".join(f"{name}={n}" for name, n in counters.values_list("name", "n"))
    return hashlib.sha1(raw.encode()).hexdigest()[:12]
