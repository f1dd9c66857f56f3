"""Backup → a new database and a new folder → the same rows, the same files, the same audit log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from projects.services import payment_record
from tests.security.conftest import build_unit_world
from tracker.backup import BackupError, backup_create, backup_restore, read_manifest

from .conftest import AUDIT_ROWS, folder_files, manage, query, table_counts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@pytest.fixture
def filled(media, official_a, official_b, unit_a, unit_b):
    """Rows of every app with their files, and audit rows naming a person (a payment through the service)."""
    a = build_unit_world(unit_a, official_a)
    build_unit_world(unit_b, official_b)
    payment_record(
        project=a["project"], amount=Decimal("12.34"), paid_on=dt.date(2025, 3, 1), voucher_no="BK-1", user=official_a
    )
    return a


def test_round_trip_gives_identical_rows_files_and_audit_log(filled, media, tmp_path, scratch_databases, official_a):
    source = connection.settings_dict["NAME"]
    call_command("backup", "--output", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = read_manifest(folder)
    assert manifest["files"] and manifest["row_counts"]["audit_log"] > 0

    target = scratch_databases("restored")
    restored_media = tmp_path / "restored-media"
    out = manage("restore", str(folder), database=target, media=restored_media)
    assert "已核对" in out.stdout

    # every table, row for row in number; every file byte for byte; the audit log entry for entry
    assert table_counts(target) == table_counts(source)
    assert folder_files(restored_media) == folder_files(media)
    assert len(folder_files(media)) == len(manifest["files"]) >= 6  # 3 stored files per unit world, 2 units
    assert query(target, AUDIT_ROWS) == query(source, AUDIT_ROWS)
    people = {row[-1] for row in query(target, AUDIT_ROWS)}
    assert str(official_a.pk) in people  # the payment recorded through the service names its person

    # the restored database is a working one: migrations applied, nothing pending
    assert manage("migrate", "--check", database=target, media=restored_media).returncode == 0


def test_restore_refuses_a_target_that_is_not_empty(filled, media, tmp_path, scratch_databases):
    call_command("backup", "--output", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    target = scratch_databases("twice")
    manage("restore", str(folder), database=target, media=tmp_path / "m2")
    again = manage("restore", str(folder), database=target, media=tmp_path / "m2", check=False)
    assert again.returncode != 0 and "empty target" in again.stderr


def test_restore_in_process_refuses_the_live_database(filled, media, tmp_path):
    call_command("backup", "--output", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    with pytest.raises(BackupError, match="already has tables"):
        backup_restore(folder=folder)


def test_a_tampered_backup_fails_verification(filled, media, tmp_path, scratch_databases):
    import json

    call_command("backup", "--output", str(tmp_path / "backups"))
    (folder,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    name = next(iter(manifest["files"]))
    manifest["files"][name]["sha256"] = "0" * 64  # as if the file had been damaged in transit
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = manage("restore", str(folder), database=scratch_databases("tampered"), media=tmp_path / "m3", check=False)
    assert result.returncode != 0 and "different content" in result.stderr


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_backups_total_counts_a_partitioned_tables_rows_once(filled, media, tmp_path):
    before = backup_create(output_dir=tmp_path / "one")
    with connection.cursor() as cur:  # three snapshots: stored in a partition of the table (targets 0012)
        cur.execute(
            "INSERT INTO targets_scoresnapshot (run_id, scheme_id, unit_id, item_id, as_of, applicable, status,"
            " points, max_points, detail, na_reason, points_lost, points_at_risk, need_kind)"
            " SELECT 1, 1, 1, n, '2025-10-31', true, 'met', 1, 1, '', '', 0, 0, '' FROM generate_series(1, 3) AS n"
        )
    after = backup_create(output_dir=tmp_path / "two")
    assert after.rows == before.rows + 3  # not + 6: the partition's rows are the parent's
    assert after.tables == before.tables
