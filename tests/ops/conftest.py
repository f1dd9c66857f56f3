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


# --- a local S3-compatible server (moto in server mode, bound to 127.0.0.1) ----------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, proc, seconds: float = 60) -> None:
    import time
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args[:4]} exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error status: the server answers
                return
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="session")
def s3_server():
    """An S3-compatible endpoint for the session: `moto_server` on a free local port. Yields its URL."""
    pytest.importorskip("moto", reason="moto[server] is a test dependency (pyproject.toml)")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


S3_KEYS = {"S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing", "S3_REGION": "us-east-1"}


@pytest.fixture
def s3_bucket(s3_server):
    """A new, empty bucket on the local server; yields (endpoint, bucket name, boto3 client)."""
    import uuid

    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id=S3_KEYS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_KEYS["S3_SECRET_ACCESS_KEY"],
        region_name=S3_KEYS["S3_REGION"],
    )
    name = f"eco-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name)
    return s3_server, name, client


def s3_env(endpoint: str, bucket: str) -> dict:
    """The environment a deployment sets for an S3-compatible store (see .env.example)."""
    return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": bucket, **S3_KEYS}


def s3_storage_settings(endpoint: str, bucket: str) -> dict:
    """STORAGES["default"] exactly as config/settings.py builds it from `s3_env` (read in a fresh process)."""
    import json

    probe = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps(settings.STORAGES['default']))"
    )
    env = {**os.environ, **s3_env(endpoint, bucket), "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
