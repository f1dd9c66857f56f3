"""Every ledger page at national scale: wall time and page weight of the first page, default order and sorted.

The national data set (bench.generate.NATIONAL: 2,844 units, 50,000 rectification items, 20,000 projects with
their payments, 3,641 sections, 1,700 stations …) is read by a leader, who sees every row, with Django's test client
in this process. Each page is fetched once to warm per-process caches, then timed as the median of 5 requests.
The goal of issue 13 is < 300 ms and < 300 KB for every list; each page gives two lines, its time ("ledger: …",
"overview: …") and its weight ("page weight: …", the HTML as rendered, before the gzip the server applies; the
gzip size as sent is in its note), and the baseline column of each is its goal, so a ratio below 1.00 meets it.
The time line's note gives the number of rows behind the ledger and the Excel export's time for the whole
filtered ledger (exports are not under the page goal: they write every row); a page that shows no rows is marked
EMPTY (a stand-in: the run generated nothing for it), one that answers otherwise with its HTTP status.

The requests are made on the data set's date: the process clock is travelled (time-machine, ticking on) to
`NATIONAL.clock`, 10:00 Beijing time on the generator's "today" (31 December of `NATIONAL.year`). On the real clock
a year-to-date page (the water index, the ranking, the waste-free city …) would show an empty year and be
measured without its data.
"""

from __future__ import annotations

import gzip
import logging
import re
import statistics
import time

import time_machine

from bench.common import BenchContext, Row

logger = logging.getLogger("bench")

GOAL_MS = 300.0
GOAL_KB = 300.0
REPEAT = 5


def _pages() -> list[tuple[str, str, dict]]:
    from django.urls import reverse

    from bench.generate import NATIONAL

    r = reverse
    year_to_date = {"start": f"{NATIONAL.year}-01-01", "end": NATIONAL.today.isoformat()}
    return [
        ("ledger: rectification items", r("rectifications:index"), {}),
        ("ledger: rectification items, by deadline desc", r("rectifications:index"), {"sort": "-deadline"}),
        ("ledger: projects", r("projects:project_list"), {}),
        ("ledger: projects, by execution rate", r("projects:project_list"), {"sort": "-rate"}),
        ("ledger: projects, stalled only", r("projects:project_list"), {"stalled": "on"}),
        ("ledger: funds", r("projects:fund_list"), {}),
        ("ledger: payments", r("projects:payment_list"), {}),
        ("ledger: tasks (measures)", r("tracker:measure_list"), {}),
        ("ledger: outlets", r("tracker:outlet_list"), {}),
        ("ledger: water sections", r("tracker:water_index"), {}),
        ("ledger: air stations", r("tracker:air_index"), {}),
        ("ledger: entered values", r("targets:value_list"), {}),
        ("ledger: targets", r("targets:target_list"), {}),
        ("ledger: notices", r("rectifications:notices"), {}),
        ("ledger: bulletin (year to date)", r("rectifications:bulletin"), year_to_date),
        ("overview: ranking page (latest run)", r("targets:index"), {}),
        ("overview: projects", r("projects:index"), {}),
        ("overview: waste-free city", r("targets:wastefree_index"), {}),
    ]


def _time(client, url: str, params: dict) -> tuple[float, int, int, object]:
    client.get(url, params)  # warm-up
    times, size, status, response = [], 0, 0, None
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append(time.perf_counter() - started)
        size, status = len(response.content), response.status_code
    return statistics.median(times) * 1000, size, status, response


def run(ctx: BenchContext) -> list[Row]:
    if ctx.database_vendor() != "postgresql":
        logger.warning("bench_ledgers needs the national data set on PostgreSQL; skipped")
        return []
    from django.conf import settings
    from django.test import Client

    from bench.generate import NATIONAL, national
    from projects.models import Project
    from rectifications.models import RectificationItem
    from tracker.choices import Role
    from tracker.models import User
    from tracker.services import user_set_role

    national(ctx, with_air=ctx.cache.get("with_air", False))
    from django.db import connection

    with connection.cursor() as cur:  # planner statistics after the bulk COPY, as autovacuum would gather them
        cur.execute("ANALYZE")
    assert RectificationItem.objects.count() >= NATIONAL.items and Project.objects.count() >= NATIONAL.projects
    leader, _ = User.objects.get_or_create(username="ledger-leader", defaults={"full_name": "领导"})
    user_set_role(user=leader, role=Role.LEADER)
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    with time_machine.travel(NATIONAL.clock, tick=True):  # the pages as seen on the data set's "today"
        return _measure(Client(raise_request_exception=True), leader)


def _measure(client, leader) -> list[Row]:
    from django.utils import timezone

    from bench.generate import NATIONAL

    assert timezone.localdate() == NATIONAL.today, timezone.localdate()
    client.force_login(leader)
    rows = []
    for name, url, params in _pages():
        ms, size, status, response = _time(client, url, params)
        found = re.search(r"共 ([\d,]+) 条", response.content.decode())
        count = found.group(1) if found else "?"
        started = time.perf_counter()
        export = client.get(url, {**params, "export": "xlsx"})
        export_s = time.perf_counter() - started
        kb = size / 1024
        gz_kb = _gzip_kb(client, url, params)
        note = f"{kb:,.0f} KB; {count} rows"
        if "spreadsheet" in export.get("Content-Type", ""):
            note += f"; export {export_s:.1f} s ({len(export.content) / 1024:,.0f} KB)"
        if count == "0":  # a stand-in: this run generated no rows for the page (the note says so, not the table)
            note += " — EMPTY: measured without data"
        if status != 200:
            note += f" — HTTP {status}"
        if ms >= GOAL_MS:
            note += " — OVER GOAL"
        rows.append(Row(name, ms / 1000, "s", "goal", GOAL_MS / 1000, note))
        weight = f"{gz_kb:,.0f} KB gzip as sent; {count} rows"
        if count == "0":
            weight += " — EMPTY: measured without data"
        if status != 200:
            weight += f" — HTTP {status}"
        if kb >= GOAL_KB:
            weight += " — OVER GOAL"
        rows.append(Row(f"page weight: {name}", kb, "KB", "goal", GOAL_KB, weight))
        logger.info("%s: %.0f ms, %s; gzip %.0f KB", name, ms, note, gz_kb)
    return rows


def _gzip_kb(client, url: str, params: dict) -> float:
    """The page's weight as the server sends it to a browser that accepts gzip (GZipMiddleware)."""
    response = client.get(url, params, HTTP_ACCEPT_ENCODING="gzip")
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        assert gzip.decompress(body)  # it is the page, compressed
    return len(body) / 1024
