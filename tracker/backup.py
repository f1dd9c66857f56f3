"""Backup and restore of the whole platform: the database and the uploaded files, together, verifiable.

A backup is one folder:

    eco-backup-20261130-153000/
        manifest.json   when, which database, every table's row count, every file's size and SHA-256
        database.dump   `pg_dump --format=custom` (PostgreSQL) or `database.sqlite3` (the local demo)
        media.tar       every file of the default storage (local disk or S3), read through Django's storage API

Order matters for a consistent pair while the site runs: the database is dumped FIRST, the files copied after.
Files are written before the row that points at them commits (tracker.common.uploads), and committed files are never
deleted, so every file a dumped row names is already in storage when the copy starts; a file uploaded during
the copy is at worst an unreferenced extra. Restore goes into an EMPTY database and an empty storage (a new
server, or a copy to test an upgrade on) and then checks row counts and file checksums against the manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage, storages
from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
AUDIT_TABLE = "audit_log"


class BackupError(Exception):
    """A backup or restore step failed; the message says which and why."""


# --- what is in the database and in storage ---------------------------------------------------------------
def table_names() -> list[str]:
    """Every table of the database (Django's and the trigger-written audit log), sorted."""
    with connection.cursor() as cursor:
        return sorted(connection.introspection.table_names(cursor))


def row_counts() -> dict[str, int]:
    """Rows per table: the manifest's fingerprint of the database."""
    counts = {}
    with connection.cursor() as cursor:
        for table in table_names():
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def partitions() -> set[str]:
    """Tables that are partitions of another (the score snapshots' years, targets 0012): their rows are the
    parent's rows too, so a total counts them once, under the parent."""
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relispartition AND relkind IN ('r', 'p')")
        return {name for (name,) in cursor.fetchall()}


def walk_storage(storage: Storage, path: str = "") -> list[str]:
    """Every file name in `storage` under `path`, depth first (works for local disk and S3 alike)."""
    try:
        dirs, files = storage.listdir(path)
    except FileNotFoundError:
        return []
    names = [f"{path}/{name}" if path else name for name in files]
    for directory in dirs:
        names += walk_storage(storage, f"{path}/{directory}" if path else directory)
    return sorted(names)


def _sha256(fileobj) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def storage_manifest(storage: Storage) -> dict[str, dict]:
    """name → {size, sha256} of every stored file."""
    out = {}
    for name in walk_storage(storage):
        with storage.open(name, "rb") as fh:
            out[name] = {"size": storage.size(name), "sha256": _sha256(fh)}
    return out


# --- the database engines -----------------------------------------------------------------------------------
def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    env.update(
        {
            key: str(value)
            for key, value in {
                "PGHOST": db.get("HOST"),
                "PGPORT": db.get("PORT"),
                "PGUSER": db.get("USER"),
                "PGPASSWORD": db.get("PASSWORD"),
                "PGDATABASE": db["NAME"],
            }.items()
            if value
        }
    )
    return env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def _dump_database(folder: Path) -> tuple[str, dict[str, int]]:
    """Dump the database into `folder`; return the file name and the row counts OF THAT DUMP.

    PostgreSQL: the counts and pg_dump read one exported snapshot (a REPEATABLE READ transaction held open while
    pg_dump runs with `--snapshot`), so they agree even while the site keeps writing.
    """
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        if shutil.which("pg_dump") is None:
            raise BackupError("pg_dump not found: install the PostgreSQL client (the image has it)")
        target = folder / "database.dump"
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            counts = row_counts()
            # custom format: compressed, restored table by table; no owner/ACL so it restores under any role
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--snapshot={snapshot}", f"--file={target}"],
                _pg_env(db),
            )
        return target.name, counts
    if connection.vendor == "sqlite":
        target = folder / "database.sqlite3"
        source = sqlite3.connect(str(db["NAME"]))
        try:
            with sqlite3.connect(str(target)) as copy:
                source.backup(copy)  # SQLite's online backup: a consistent copy while others write
            with sqlite3.connect(str(target)) as copy:
                tables = [
                    r[0]
                    for r in copy.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                    )
                ]
                counts = {t: copy.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}
        finally:
            source.close()
        return target.name, counts
    raise BackupError(f"backup of a {connection.vendor} database is not supported")


def _restore_database(folder: Path, manifest: dict) -> None:
    db = connection.settings_dict
    if manifest["database"]["vendor"] != connection.vendor:
        raise BackupError(
            f"the backup is of a {manifest['database']['vendor']} database; the target is {connection.vendor}"
        )
    if connection.vendor == "postgresql":
        if shutil.which("pg_restore") is None:
            raise BackupError("pg_restore not found: install the PostgreSQL client")
        connection.close()  # pg_restore works on its own connection
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={db['NAME']}",
                str(folder / manifest["database"]["file"]),
            ],
            _pg_env(db),
        )
        return
    connection.close()
    target = Path(db["NAME"])
    with sqlite3.connect(str(folder / manifest["database"]["file"])) as source, sqlite3.connect(str(target)) as out:
        source.backup(out)


# --- backup -------------------------------------------------------------------------------------------------
@dataclass
class BackupResult:
    folder: Path
    tables: int
    rows: int
    files: int


def backup_create(*, output_dir: Path, storage: Storage | None = None) -> BackupResult:
    """Write a backup folder under `output_dir`: database first, then every stored file, then the manifest."""
    storage = storage or storages["default"]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    folder = Path(output_dir) / f"eco-backup-{stamp}"
    n = 1
    while folder.exists():
        n += 1
        folder = Path(output_dir) / f"eco-backup-{stamp}-{n}"
    folder.mkdir(parents=True)
    try:
        database_file, counts = _dump_database(folder)
        files = {}
        with tarfile.open(folder / "media.tar", "w") as archive:
            for name in walk_storage(storage):
                with storage.open(name, "rb") as fh:
                    data = fh.read()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mtime = int(timezone.now().timestamp())
                archive.addfile(info, io.BytesIO(data))
                files[name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "database": {
                "vendor": connection.vendor,
                "name": str(connection.settings_dict["NAME"]),
                "file": database_file,
            },
            "row_counts": counts,
            "files": files,
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # never leave a half backup that looks like a whole one
        raise
    logger.info("backup written to %s: %d tables, %d files", folder, len(counts), len(files))
    parts = partitions()
    return BackupResult(
        folder=folder,
        tables=len(counts) - len(parts & counts.keys()),
        rows=sum(n for table, n in counts.items() if table not in parts),
        files=len(files),
    )


# --- restore ------------------------------------------------------------------------------------------------
def read_manifest(folder: Path) -> dict:
    path = Path(folder) / "manifest.json"
    if not path.exists():
        raise BackupError(f"{folder} is not a backup (no manifest.json)")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _target_is_empty(storage: Storage) -> list[str]:
    """Reasons the restore target is not empty (nothing = may restore)."""
    reasons = []
    if "django_migrations" in table_names():
        reasons.append(f"database {connection.settings_dict['NAME']} already has tables")
    if walk_storage(storage):
        reasons.append("the file storage already holds files")
    return reasons


def backup_restore(*, folder: Path, storage: Storage | None = None) -> dict:
    """Restore a backup folder into the configured (empty) database and storage, then verify it.

    Returns {"tables": n, "rows": n, "files": n}. Raises BackupError when the target is not empty, a step fails,
    or the restored data differs from the manifest (a row count, a file's checksum).
    """
    storage = storage or storages["default"]
    folder = Path(folder)
    manifest = read_manifest(folder)
    reasons = _target_is_empty(storage)
    if reasons:
        raise BackupError("restore needs an empty target: " + "; ".join(reasons))
    _restore_database(folder, manifest)
    with tarfile.open(folder / "media.tar", "r") as archive:
        for member in archive:
            if not member.isfile():
                continue
            name = member.name
            if name.startswith("/") or ".." in Path(name).parts:
                raise BackupError(f"unsafe file name in media.tar: {name!r}")
            saved = storage.save(name, File(archive.extractfile(member), name=name))
            if saved != name:
                raise BackupError(f"{name} was stored as {saved}: the storage was not empty")
    return backup_verify(manifest=manifest, storage=storage)


def backup_verify(*, manifest: dict, storage: Storage | None = None) -> dict:
    """Compare the live database and storage with a manifest; BackupError listing every difference."""
    storage = storage or storages["default"]
    counts = row_counts()
    problems = [
        f"{table}: {counts.get(table)} rows, the backup has {expected}"
        for table, expected in manifest["row_counts"].items()
        if counts.get(table) != expected
    ]
    stored = storage_manifest(storage)
    for name, meta in manifest["files"].items():
        if stored.get(name) != meta:
            problems.append(f"file {name}: {'missing' if name not in stored else 'different content'}")
    if problems:
        raise BackupError("restored data differs from the backup:\n" + "\n".join(problems[:50]))
    return {"tables": len(counts), "rows": sum(counts.values()), "files": len(stored)}


def default_backup_dir() -> Path:
    return Path(settings.BACKUP_DIR)
