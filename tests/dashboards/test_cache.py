"""The dashboards' cache: versions kept by the database, one builder at a time, a cache that may be down."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from rectifications.models import RectificationItem
from targets.dashboards import selectors as dash
from tests.factories import RectificationItemFactory, UnitFactory
from tracker import versions

pytestmark = pytest.mark.django_db


def test_any_write_to_a_watched_table_changes_the_version_and_others_do_not(unit_a):
    item = RectificationItemFactory(unit=unit_a)
    before = versions.current()
    # QuerySet.update() bypasses every service and signal; the trigger still counts it.
    RectificationItem.objects.filter(pk=item.pk).update(responsible_person="李四")
    after_update = versions.current()
    assert after_update != before
    with connection.cursor() as cursor:  # raw SQL too
        cursor.execute("UPDATE rectifications_rectificationitem SET measures = 'x' WHERE id = %s", [item.pk])
    assert versions.current() != after_update
    settled = versions.current()
    from tests.factories import FundFactory

    FundFactory(name="不在看板实时数据中")  # funds: read by no live panel (the run's facts are keyed by the run id)
    assert versions.current() == settled


def test_one_request_builds_and_the_others_wait_for_it():
    builds = []

    def build():
        builds.append(1)
        time.sleep(0.4)  # a slow panel build: long enough for the others to arrive while it runs
        return {"panel": "built"}

    results = []

    def reader():
        results.append(dash.cached(("stampede", 1), build, version="v1"))

    counted = dash.builds()
    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1
    assert results == [{"panel": "built"}] * 4
    assert dash.builds() == counted + 1  # what the benchmark's stampede line reads


def test_while_a_new_version_builds_others_get_the_previous_one():
    dash.cached(("panels", 7), lambda: "old panels", version="v1")
    assert cache.add(_key(("panels", 7), "v2") + ":building", 1, 30)  # somebody is building v2 right now
    # Another reader of v2 gets the previous panels at once rather than waiting or building again.
    assert dash.cached(("panels", 7), lambda: pytest.fail("built twice"), version="v2") == "old panels"


def test_keys_hold_language_and_scope():
    with translation.override("en"):
        assert dash.cached(("p",), lambda: "English", version="v", scope="leader") == "English"
    with translation.override("zh-hans"):
        assert dash.cached(("p",), lambda: "中文", version="v", scope="leader") == "中文"
        assert dash.cached(("p",), lambda: "督察员视图", version="v", scope="inspector") == "督察员视图"
        assert dash.cached(("p",), lambda: pytest.fail("rebuilt"), version="v", scope="leader") == "中文"


def test_with_the_cache_down_every_request_builds_without_waiting(monkeypatch):
    from tracker.cache import TolerantRedisCache

    # Nothing listens on port 1: every cache call fails and is treated as a miss.
    down = TolerantRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2, "retry": None}})
    monkeypatch.setattr(dash, "cache", down)
    monkeypatch.setattr(time, "sleep", lambda s: pytest.fail("waited for a builder that cannot exist"))
    builds = []
    assert dash.cached(("down",), lambda: builds.append(1) or "a", version="v") == "a"
    assert dash.cached(("down",), lambda: builds.append(1) or "b", version="v") == "b"
    assert len(builds) == 2


def test_a_unit_added_in_the_admin_shows_on_the_next_view(unit_a):
    # Units are watched too: the city's panels list every unit.
    before = versions.current()
    UnitFactory(code="519999", name="新设区")
    assert versions.current() != before


def _key(parts, version, scope=""):
    lang = translation.get_language() or "zh-hans"
    return f"dash:v2:{lang}:{scope}:" + ":".join(str(p) for p in parts) + f"@{version}"


def test_pages_go_out_gzipped_to_browsers_that_accept_it(client_for, leader, city):
    import gzip

    from django.urls import reverse

    city(3)
    client = client_for(leader)
    plain = client.get(reverse("targets:dashboard_city"))
    packed = client.get(reverse("targets:dashboard_city"), HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert len(packed.content) < len(plain.content) / 2
    assert "全市生态环境工作调度看板" in gzip.decompress(packed.content).decode()


def test_every_table_the_leaders_live_panels_read_is_watched_and_has_its_trigger():
    # the live panels are cached by the data version: a table they read without a trigger would show stale rows
    from django.apps import apps

    tables = {apps.get_model(label)._meta.db_table for label in dash.CITY_LIVE_MODELS}
    tables.add(apps.get_model("projects.Pilot").projects.through._meta.db_table)  # the pilots' projects
    assert tables <= set(versions.WATCHED_TABLES)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE '%%_version'")
        triggered = {row[0] for row in cursor.fetchall()}
    assert set(versions.WATCHED_TABLES) <= triggered


def test_a_fishing_case_shows_on_the_leaders_board_at_the_next_view(client_for, leader, city, unit_a, official_a):
    import re

    from django.urls import reverse
    from django.utils import timezone

    from tracker.models import FishingBanCase

    city(3)
    client = client_for(leader)

    def cases_shown() -> int:
        html = client.get(reverse("targets:dashboard_city")).content.decode()
        return int(re.search(r'<span class="value">(\d+)</span><span class="label">本年禁渔执法案件', html).group(1))

    before = cases_shown()
    assert cases_shown() == before  # a cached view
    FishingBanCase.objects.create(
        unit=unit_a, case_no="YZ-C001", date=timezone.localdate(), kind="gear", entered_by=official_a
    )
    assert cases_shown() == before + 1  # no cache cleared: the write changed the version


def test_versioned_entries_are_built_once_and_built_every_time_with_the_cache_down(monkeypatch, unit_a):
    # tracker.versions.cached serves the air index and the ranking page: one build while the versions stand, a
    # new build after a write to a named table, and with Redis down a build on every call (never an error)
    from tracker.cache import TolerantRedisCache

    builds = []
    assert versions.cached("t", ("tracker_unit",), lambda: builds.append(1) or "a") == "a"
    assert versions.cached("t", ("tracker_unit",), lambda: builds.append(1) or "b") == "a"
    UnitFactory(code="519998", name="新设县")
    assert versions.cached("t", ("tracker_unit",), lambda: builds.append(1) or "c") == "c"
    assert len(builds) == 2
    down = TolerantRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2, "retry": None}})
    monkeypatch.setattr(versions, "cache", down)
    assert versions.cached("t", ("tracker_unit",), lambda: builds.append(1) or "d") == "d"
    assert versions.cached("t", ("tracker_unit",), lambda: builds.append(1) or "e") == "e"
    assert len(builds) == 4


@pytest.mark.django_db
def test_another_database_with_the_same_versions_has_other_keys():
    # a database recreated or restored counts its versions from the same sums again; a cache it shares with the
    # old one must not hand it the old one's entries (a scoring run would read another database's air statistics)
    if connection.vendor != "postgresql":
        pytest.skip("the database's identity is its PostgreSQL oid")
    snap = versions.snapshot()
    with connection.cursor() as cur:
        cur.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
        assert snap[versions.DATABASE] == cur.fetchone()[0]
    tables = ("tracker_airdailyreading",)
    other = {**snap, versions.DATABASE: snap[versions.DATABASE] + 1}  # the same sums in another database
    assert versions.fingerprint(other, tables) != versions.fingerprint(snap, tables)
    assert versions.fingerprint(other) != versions.fingerprint(snap)
    assert versions.fingerprint({**snap}, tables) == versions.fingerprint(snap, tables)  # and stable otherwise
