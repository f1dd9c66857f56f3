"""Audit history that bulk updates cannot bypass: PostgreSQL row triggers write `audit_log`.

Every INSERT, UPDATE and DELETE on an audited table — through a service, `QuerySet.update()`, a raw
SQL statement or psql — leaves one row with the old and new row as JSONB, the database user and, when
the application set it (`SET LOCAL eco.user_id = '42'`, see `audit_user`), the person. The log itself
refuses UPDATE and DELETE. Apps attach their own commitment tables with `attach(table)` in a migration:

    migrations.RunPython(lambda apps, se: audit.attach_tables(se, ["targets_datavalue"]), audit.noop)

SQLite (never production) gets neither the log nor the triggers.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager

from django.db import connection, transaction

CREATE_LOG = """
CREATE TABLE IF NOT EXISTS audit_log (
    id bigserial PRIMARY KEY,
    table_name text NOT NULL,
    row_pk text NOT NULL,
    action text NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
    old jsonb,
    new jsonb,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    db_user text NOT NULL DEFAULT current_user,
    app_user text
);
CREATE INDEX IF NOT EXISTS audit_log_table_row ON audit_log (table_name, row_pk);
CREATE INDEX IF NOT EXISTS audit_log_changed_at ON audit_log (changed_at);

CREATE OR REPLACE FUNCTION eco_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o jsonb;
    n jsonb;
BEGIN
    IF TG_OP <> 'INSERT' THEN o := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN n := to_jsonb(NEW); END IF;
    IF TG_OP = 'UPDATE' AND o = n THEN
        RETURN NULL;  -- a no-op save changes nothing worth recording
    END IF;
    INSERT INTO audit_log (table_name, row_pk, action, old, new, app_user)
    VALUES (TG_TABLE_NAME, coalesce(n ->> 'id', o ->> 'id'), TG_OP, o, n,
            nullif(current_setting('eco.user_id', true), ''));
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION eco_audit_log_readonly() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
DROP TRIGGER IF EXISTS audit_log_readonly ON audit_log;
CREATE TRIGGER audit_log_readonly BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION eco_audit_log_readonly();
"""

DROP_LOG = """
DROP TABLE IF EXISTS audit_log;
DROP FUNCTION IF EXISTS eco_audit_log_readonly();
DROP FUNCTION IF EXISTS eco_audit() CASCADE;
"""

# The tables that hold a commitment (who promised what, what was paid, what was done).
AUDITED_TABLES = (
    "tracker_sewageoutlet",
    "tracker_measure",
    "projects_project",
    "projects_payment",
    "rectifications_rectificationitem",
    "targets_target",
    "targets_datavalue",
    "targets_publication",
    "targets_quartertarget",
    "targets_riskfollowup",
    "rectifications_accountabilityrecord",
)


def attach_sql(table: str) -> str:
    return (
        f'DROP TRIGGER IF EXISTS eco_audit ON "{table}";\n'
        f'CREATE TRIGGER eco_audit AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
        "FOR EACH ROW EXECUTE FUNCTION eco_audit();"
    )


def detach_sql(table: str) -> str:
    return f'DROP TRIGGER IF EXISTS eco_audit ON "{table}";'


def _run(schema_editor, sql: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(sql)


def create_log(apps, schema_editor) -> None:
    _run(schema_editor, CREATE_LOG)


def drop_log(apps, schema_editor) -> None:
    _run(schema_editor, DROP_LOG)


def attach_tables(schema_editor, tables) -> None:
    for table in tables:
        _run(schema_editor, attach_sql(table))


def detach_tables(schema_editor, tables) -> None:
    for table in tables:
        _run(schema_editor, detach_sql(table))


def noop(apps, schema_editor) -> None:
    pass


_UNSET = object()


@contextmanager
def audit_user(user):
    """Within a transaction: rows audited inside carry `user`'s id as app_user (`SET LOCAL eco.user_id`).

    One statement when the user changes, none when an enclosing block already names the same person. Leaving
    the outermost atomic block ends the transaction and with it the setting; leaving a nested block normally
    restores the enclosing person (one more statement); leaving it by an exception costs nothing, because the
    savepoint or transaction rollback undoes the setting too. A no-op on SQLite (no triggers there).
    """
    pk = getattr(user, "pk", None) if user is not None else None
    if connection.vendor != "postgresql" or not pk:
        yield
        return
    previous = getattr(connection, "_eco_audit_user", _UNSET)
    if previous == str(pk):
        yield
        return
    outermost = len(connection.atomic_blocks) <= 1
    with connection.cursor() as cur:
        cur.execute("SELECT set_config('eco.user_id', %s, true)", [str(pk)])
    connection._eco_audit_user = str(pk)
    try:
        yield
        if not outermost:
            with connection.cursor() as cur:
                cur.execute("SELECT set_config('eco.user_id', %s, true)", ["" if previous is _UNSET else previous])
    finally:
        if previous is _UNSET:
            del connection._eco_audit_user
        else:
            connection._eco_audit_user = previous


def audited(service):
    """Decorate a write service: one transaction in which audited rows name the service's `user=` argument.

    Use it instead of `@transaction.atomic` on every service that writes a table in `AUDITED_TABLES`.
    """

    @functools.wraps(service)
    def run(*args, **kwargs):
        with transaction.atomic(using=connection.alias), audit_user(kwargs.get("user")):
            return service(*args, **kwargs)

    return run
