"""Operations tests: backup, restore, upgrade — real pg_dump/pg_restore, manage.py subprocesses, scratch databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _admin_connection():
    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname="postgres", user=db["USER"] or None, password=db["PASSWORD"] or None, host=db["HOST"] or None,
        port=db["PORT"] or None,
    )  # fmt: skip
    conn.autocommit = True
    return conn


def database_url(name: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def scratch_databases():
    """`make(suffix)` → the name of a new, empty PostgreSQL database (dropped again after the test)."""
    if connection.vendor != "postgresql":
        pytest.skip("backup/restore round trips need PostgreSQL (set DATABASE_URL)")
    made: list[str] = []

    def make(suffix: str) -> str:
        name = f"{connection.settings_dict['NAME']}_{suffix}"
        admin = _admin_connection()
        try:
            with admin.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            admin.close()
        made.append(name)
        return name

    yield make
    admin = _admin_connection()
    with admin.cursor() as cur:
        for name in made:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def manage(*args: str, database: str, media: Path, check: bool = True, timeout: int = 900):
    """Run `manage.py <args>` in its own process against `database` and the media folder `media`."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEDIA_ROOT"}}
    env.update(DATABASE_URL=database_url(database), MEDIA_ROOT=str(media), DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def query(database: str, sql: str, params=()):
    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname=database, user=db["USER"] or None, password=db["PASSWORD"] or None, host=db["HOST"] or None,
        port=db["PORT"] or None,
    )  # fmt: skip
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


def table_counts(database: str) -> dict[str, int]:
    tables = [r[0] for r in query(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    return {t: query(database, f'SELECT count(*) FROM "{t}"')[0][0] for t in sorted(tables)}


def folder_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


AUDIT_ROWS = (
    "SELECT table_name, row_pk, action, old::text, new::text, changed_at, db_user, app_user FROM audit_log ORDER BY id"
)
