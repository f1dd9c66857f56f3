"""The upgrade procedure of docs/operations.md §4, run on a copy of the demo.

The previous release's schema with the demo data → backup → restore into a new database (the copy) → migrate →
nothing pending, every row still there, the pages answer; the original is untouched.
"""

from __future__ import annotations

import pytest

from .conftest import manage, query, table_counts

# The last migration of each app that changed in this release, as the previous release shipped it. Rolling the
# demo back to these stands in for "a database of the previous release"; when a release adds migrations to
# another app, name that app's previous last migration here. This release: a patrol's rectification item is linked
# from the item (rectifications 0009 adds source_patrol and copies the links, tracker 0018 drops RiverPatrol.item);
# the data versions become an append-only log (tracker 0019); units' daily air means kept at ingest (tracker 0020,
# which marks every unit-day the readings hold as stale); score snapshots without database foreign keys (targets 0011)
# and partitioned by year on PostgreSQL (targets 0012: rolled back to one plain table and rebuilt, every row kept).
PREVIOUS_RELEASE = {
    "tracker": "0017_inbox_kinds_risk_and_weather",
    "rectifications": "0008_accountability_records",
    "targets": "0010_audit_quarter_targets",
}

PAGE_PROBE = (
    "from django.test import Client; from tracker.models import User; c = Client();"
    "c.force_login(User.objects.get(username='leader'));"
    "print('STATUS', c.get('/').status_code, c.get('/assessment/').status_code, c.get('/rectifications/').status_code)"
)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_upgrade_procedure_on_a_copy_of_the_demo(scratch_databases, tmp_path):
    old, copy = scratch_databases("upgrade_old"), scratch_databases("upgrade_copy")
    old_media, copy_media = tmp_path / "old-media", tmp_path / "copy-media"
    manage("migrate", "--noinput", database=old, media=old_media)
    manage("seed_demo", "--password", "Demo-pass-2026x", database=old, media=old_media)
    for app, migration in PREVIOUS_RELEASE.items():
        manage("migrate", app, migration, "--noinput", database=old, media=old_media)
    assert manage("migrate", "--check", database=old, media=old_media, check=False).returncode != 0  # old schema
    before = table_counts(old)
    assert before["tracker_unit"] > 0 and before["rectifications_evidence"] > 0 and before["audit_log"] > 0
    linked = query(old, "SELECT id, item_id FROM tracker_riverpatrol WHERE item_id IS NOT NULL ORDER BY id")
    assert linked  # the demo turned a patrol finding into an item

    # §4 step 1–2: back up, restore into a copy, migrate the copy
    manage("backup", "--output", str(tmp_path / "backups"), database=old, media=old_media)
    (folder,) = (tmp_path / "backups").iterdir()
    manage("restore", str(folder), database=copy, media=copy_media)
    manage("migrate", "--noinput", database=copy, media=copy_media)

    assert manage("migrate", "--check", database=copy, media=copy_media).returncode == 0  # nothing pending
    after = table_counts(copy)
    grows = ("django_migrations", "audit_log")  # the log records the data migrations' writes like any other
    # this release: the data versions' counters became a log (tracker 0019); every counter is carried over
    replaced = ("data_version",)
    changed = {
        t: (before[t], after.get(t))
        for t in before
        if t not in grows and t not in replaced and after.get(t) != before[t]
    }
    assert changed == {}, "the upgrade lost or added rows"
    counters = dict(query(old, "SELECT name, n FROM data_version"))
    carried = dict(query(copy, "SELECT name, SUM(n) FROM data_version_log GROUP BY name"))
    assert counters and all(carried.get(name, 0) >= n for name, n in counters.items())  # the migration writes too
    assert after["audit_log"] >= before["audit_log"]
    # every patrol → item link survived the move to the item's side
    moved = "SELECT source_patrol_id, id FROM rectifications_rectificationitem WHERE source_patrol_id IS NOT NULL"
    assert sorted(query(copy, moved)) == linked
    assert after["django_migrations"] > before["django_migrations"]
    probe = manage("shell", "-c", PAGE_PROBE, database=copy, media=copy_media)
    assert "STATUS 200 200 200" in probe.stdout

    # the original stayed on the previous release (the way back, §4 step 4)
    assert table_counts(old) == before
    assert manage("migrate", "--check", database=old, media=old_media, check=False).returncode != 0
