"""The leaders' dashboard served by a real server under 16 concurrent clients, next to `/healthz` on the same server.

`serve_and_measure()` takes a populated database: it starts gunicorn (4 sync workers) on 127.0.0.1, logs a
leader in through the login form, and has 16 threads (http.client, keep-alive) fetch the dashboard a bounded
number of times; then the same for `/healthz`. It reports the median and p95 per request of each and their ratio,
plus the first (uncached) request, which assembles every panel from the snapshots.

`run(ctx)`: when the database holds few units (the bench database starts empty, or another module generated
less), it first builds a quick synthetic province: 2,844 territorial units in five war zones, a scheme of ten
computed items (fake sources registered in this process), targets for every unit and item, scoring runs at six
month ends and one a week before the last, plus open rectification items and measures for the exception panels.
"""

from __future__ import annotations

import http.client
import logging
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import BenchContext, Row, timed

logger = logging.getLogger("bench")
ROOT = Path(__file__).resolve().parent.parent
N_UNITS = 2844
N_ITEMS = 10
CLIENTS = 16
DASHBOARD_REQUESTS = 160  # bounded: 10 per client
HEALTH_REQUESTS = 640
PASSWORD = "Bench-pass-123"
USERNAME = "bench_leader"


# --- a quick synthetic province ---------------------------------------------------------------------
def fake_source(*, year: int, as_of: date) -> pd.DataFrame:
    """A computed indicator for every synthetic unit, drifting with the date (so runs differ)."""
    from tracker.models import Unit

    ids = np.array(list(Unit.objects.filter(code__startswith="D").order_by("pk").values_list("pk", flat=True)))
    rng = np.random.default_rng(as_of.toordinal())
    values = rng.uniform(60, 100, len(ids)).round(1)
    return pd.DataFrame({"unit_id": ids, "value": values, "detail": [f"基准值 {v}" for v in values]})


def _register_sources(codes: list[str]) -> None:
    from targets import registry

    for code in codes:
        registry.COMPUTED_SOURCES[code] = "bench.bench_dashboard.fake_source"


def build_province(today: date) -> dict:
    """2,844 units, a 10-item scheme with targets, seven scoring runs, 6,000 open items and 3,000 measures."""
    from django.db import transaction

    from rectifications.models import Inspection, RectificationItem
    from targets.models import AssessmentItem, AssessmentScheme, Indicator, Target
    from targets.services import scores_compute
    from tracker.choices import UnitKind
    from tracker.models import Measure, Unit, WarZone

    rng = random.Random(5)
    codes = [f"bench_item_{n}" for n in range(N_ITEMS)]
    _register_sources(codes)
    started = time.perf_counter()
    with transaction.atomic():
        zones = WarZone.objects.bulk_create(
            [WarZone(code=f"bz{n}", name=f"基准战区{n}", sort_order=n) for n in range(5)]
        )
        units = Unit.objects.bulk_create(
            [
                Unit(
                    code=f"D{n:05d}", name=f"基准区县{n:05d}", kind=UnitKind.COUNTY, sort_order=n, war_zone=zones[n % 5]
                )
                for n in range(N_UNITS)
            ],
            batch_size=5000,
        )
        scheme = AssessmentScheme.objects.create(year=today.year, name=f"{today.year}年度基准考核", published=True)
        indicators = Indicator.objects.bulk_create(
            [
                Indicator(
                    code=c,
                    name=f"基准指标{n}",
                    measure="%",
                    direction="higher" if n % 3 else "lower",
                    area=["air", "water", "rectification", "funds"][n % 4],
                    source="computed",
                    sort_order=n,
                )
                for n, c in enumerate(codes)
            ]
        )
        AssessmentItem.objects.bulk_create(
            [
                AssessmentItem(scheme=scheme, indicator=ind, max_points=10, rule="proportional", sort_order=n)
                for n, ind in enumerate(indicators)
            ]
        )
        Target.objects.bulk_create(
            [Target(indicator=ind, unit=u, year=today.year, value=80.0) for ind in indicators for u in units],
            batch_size=10000,
        )
        inspection = Inspection.objects.create(kind="central", name="基准督察", date=date(today.year, 1, 5))
        RectificationItem.objects.bulk_create(
            [
                RectificationItem(
                    code=f"BR-{n:05d}",
                    inspection=inspection,
                    description=f"基准问题{n}",
                    unit=units[n % N_UNITS],
                    responsible_person="张三",
                    deadline=today + timedelta(days=rng.randint(-90, 60)),
                    colour=rng.choice(["green", "yellow", "orange", "red"]),
                    status="open",
                )
                for n in range(6000)
            ],
            batch_size=5000,
        )
        Measure.objects.bulk_create(
            [
                Measure(
                    code=f"BM-{n:05d}",
                    title=f"基准任务{n}",
                    area="air",
                    unit=units[n % N_UNITS],
                    responsible_person="李四",
                    deadline=today + timedelta(days=rng.randint(-30, 90)),
                    progress=rng.randint(0, 90),
                )
                for n in range(3000)
            ],
            batch_size=5000,
        )
        ensure_leader()
    setup = time.perf_counter() - started
    month_ends = [date(today.year, m, 1) - timedelta(days=1) for m in range(2, min(today.month, 7) + 1)]
    dates = sorted({*month_ends[-5:], today - timedelta(days=7), today})
    started = time.perf_counter()
    for d in dates:
        scores_compute(scheme_id=scheme.pk, as_of=d)
    scoring = time.perf_counter() - started
    return {"setup": setup, "scoring": scoring, "runs": len(dates)}


def ensure_leader() -> None:
    """The leader account the clients log in as (created when missing)."""
    from tracker.choices import Role
    from tracker.models import User
    from tracker.services import user_set_role

    leader, created = User.objects.get_or_create(username=USERNAME, defaults={"full_name": "基准领导"})
    if created:
        leader.set_password(PASSWORD)
        leader.save()
        user_set_role(user=leader, role=Role.LEADER, unit=None)


# --- serving ------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env(static_root: Path) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "STATIC_ROOT": str(static_root),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    return env


def _wait_for(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited early")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer in time")


def _login(port: int) -> str:
    """The Cookie header of a leader's session, through the real login form (CSRF token and cookie)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    resp = conn.getresponse()
    html = resp.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", resp.getheader("Set-Cookie", "")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    from urllib.parse import urlencode

    body = urlencode({"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token})
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf_cookie}",
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
    )
    resp = conn.getresponse()
    resp.read()
    cookies = resp.getheader("Set-Cookie", "")
    session = re.search(r"sessionid=([^;]+)", cookies)
    if resp.status != 302 or not session:
        raise RuntimeError(f"login failed: {resp.status}")
    return f"sessionid={session.group(1)}"


def _fetch(conn: http.client.HTTPConnection, path: str, cookie: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie})
    resp = conn.getresponse()
    body = resp.read()
    return time.perf_counter() - started, resp.status, len(body)


def _load(port: int, path: str, cookie: str, total: int) -> list[float]:
    """`total` requests of `path` shared by CLIENTS threads, each on its own keep-alive connection."""
    per_client = total // CLIENTS
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine = []
        for _ in range(per_client):
            t, status, _size = _fetch(conn, path, cookie)
            if status != 200:
                errors.append(f"{path}: {status}")
            mine.append(t)
        conn.close()
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return times


def _p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def serve_and_measure(workers: int = 4) -> list[Row]:
    """Start gunicorn on the current database, measure the leaders' dashboard and /healthz, stop gunicorn."""
    from django.core.cache import cache

    static_root = ROOT / "var" / "bench_static"
    env = _server_env(static_root)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_for(port, proc)
        cookie = _login(port)
        cache.clear()  # the first request assembles every panel from the snapshots
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        cold, status, size = _fetch(conn, "/dashboard/city/", cookie)
        if status != 200:
            raise RuntimeError(f"dashboard answered {status}")
        conn.close()
        _load(port, "/dashboard/city/", cookie, CLIENTS)  # warm every worker's connections
        dash_times = _load(port, "/dashboard/city/", cookie, DASHBOARD_REQUESTS)
        health_times = _load(port, "/healthz", cookie, HEALTH_REQUESTS)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    med_d, med_h = statistics.median(dash_times), statistics.median(health_times)
    p95_d, p95_h = _p95(dash_times), _p95(health_times)
    note = f"gunicorn {workers} workers, {CLIENTS} clients"
    return [
        Row(
            "leaders' dashboard, first request (uncached)",
            cold * 1000,
            "ms",
            "healthz median",
            med_h * 1000,
            note=f"page {size / 1024:,.0f} KiB",
        ),
        Row(
            "leaders' dashboard median",
            med_d * 1000,
            "ms",
            "healthz median",
            med_h * 1000,
            note=f"{note}, {DASHBOARD_REQUESTS} requests",
        ),
        Row(
            "leaders' dashboard p95",
            p95_d * 1000,
            "ms",
            "healthz p95",
            p95_h * 1000,
            note=f"{note}, {HEALTH_REQUESTS} healthz requests",
        ),
        Row("leaders' dashboard throughput", len(dash_times) / sum(dash_times) * CLIENTS, "req/s", note=note),
    ]


def run(ctx: BenchContext) -> list[Row]:
    from django.utils import timezone

    from targets.selectors import current_scheme, latest_run
    from tracker.selectors import territorial_units

    rows: list[Row] = []
    today = timezone.localdate()
    scheme = current_scheme()
    if territorial_units().count() < 1000 or scheme is None or latest_run(scheme) is None:
        built = build_province(today)
        rows.append(
            Row(
                "synthetic province: units, targets, items, measures",
                built["setup"],
                "s",
                note=f"{N_UNITS} units × {N_ITEMS} items",
            )
        )
        rows.append(Row("synthetic province: scoring runs", built["scoring"], "s", note=f"{built['runs']} runs"))
    else:
        ensure_leader()
    secs, measured = timed(serve_and_measure)
    rows.extend(measured)
    logger.info("dashboard bench served in %.0f s", secs)
    return rows
