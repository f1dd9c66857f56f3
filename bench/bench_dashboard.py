"""The leaders' dashboard served by a real server under 16 concurrent clients, next to `/healthz` on the same server.

`serve_and_measure()` takes a populated database: it starts gunicorn (4 sync workers) on 127.0.0.1, logs a
leader in through the login form, and has 16 threads (http.client, keep-alive) fetch the dashboard a bounded
number of times; then the same for `/healthz`. It reports the median and p95 per request of each and their ratio,
plus the first (uncached) request, which assembles every panel from the snapshots.

`run(ctx)`: when the database holds few units (the bench database starts empty, or another module generated
less), it first builds a quick synthetic province: 2,844 territorial units in five war zones, a scheme of ten
computed items (fake sources registered in this process), targets for every unit and item, scoring runs at six
month ends and one a week before the last, plus open rectification items and measures for the exception panels.

`city_cold_build()`: the same province at city size (11 units × 10 items, the same seven runs, open items and
measures scaled down) in a database of its own (`<bench database>_city`, built by `python -m
bench.bench_dashboard city` in a child process, so the national data never share its tables), served and measured
as the national cold build is: a fresh gunicorn, a leader logged in, the cache cleared, one request.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import BenchContext, Row, timed

logger = logging.getLogger("bench")
ROOT = Path(__file__).resolve().parent.parent
N_UNITS = int(os.environ.get("BENCH_DASHBOARD_UNITS", 2844))  # smaller only while developing
N_ITEMS = 10
CITY_UNITS = 11  # the city-size line: a city's districts and counties
CLIENTS = 16
DASHBOARD_REQUESTS = 160  # bounded: 10 per client and round
ROUNDS = 3
STAMPEDE = 4  # leaders opening the dashboard at once on an empty cache
BASELINE_PATH = "/accounts/password/done/"  # a minimal page behind login: session, user, menu, no data
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


def build_province(today: date, n_units: int = N_UNITS) -> dict:
    """`n_units` units (2,844), a 10-item scheme with targets, seven scoring runs, open items and measures (6,000
    and 3,000 at 2,844 units, as many per unit at other sizes)."""
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
                for n in range(n_units)
            ],
            batch_size=5000,
        )
        scheme = AssessmentScheme.objects.create(year=today.year, name=f"{today.year}年度基准考核", published=True)
        indicators = Indicator.objects.bulk_create(
            [
                Indicator(
                    code=c,
                    name=f"基准指标{n}",
                    unit_of_measure="%",
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
                    unit=units[n % n_units],
                    responsible_person="张三",
                    deadline=today + timedelta(days=rng.randint(-90, 60)),
                    colour=rng.choice(["green", "yellow", "orange", "red"]),
                    status="open",
                )
                for n in range(round(6000 * n_units / N_UNITS))
            ],
            batch_size=5000,
        )
        Measure.objects.bulk_create(
            [
                Measure(
                    code=f"BM-{n:05d}",
                    title=f"基准任务{n}",
                    area="air",
                    unit=units[n % n_units],
                    responsible_person="李四",
                    deadline=today + timedelta(days=rng.randint(-30, 90)),
                    progress=rng.randint(0, 90),
                )
                for n in range(round(3000 * n_units / N_UNITS))
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


def _fetch(conn: http.client.HTTPConnection, path: str, cookie: str, gzip: bool = True) -> tuple[float, int, int]:
    headers = {"Cookie": cookie} | ({"Accept-Encoding": "gzip"} if gzip else {})
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    return time.perf_counter() - started, resp.status, len(body)


def _one(port: int, path: str, cookie: str, gzip: bool = True) -> tuple[float, int]:
    """One request on a fresh connection: seconds and body bytes (as sent)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    seconds, status, size = _fetch(conn, path, cookie, gzip)
    conn.close()
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    return seconds, size


def _load(port: int, path: str, cookie: str, total: int, clients: int = CLIENTS, together: bool = False) -> dict:
    """`total` requests of `path` from `clients` keep-alive clients in a separate process (bench/loadgen.py)."""
    cmd = [sys.executable, "-m", "bench.loadgen", "--port", str(port), "--cookie", cookie, "--path", path]
    cmd += ["--clients", str(clients), "--requests", str(total)] + (["--together"] if together else [])
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True, timeout=900)
    result = json.loads(out.stdout)
    bad = [s for s in result["statuses"] if s != 200]
    if bad:
        raise RuntimeError(f"{len(bad)} failed requests of {path}, e.g. HTTP {bad[0]}")
    return result


def _p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def _start(root: Path, workers: int, database_url: str | None = None) -> tuple[subprocess.Popen, int]:
    """gunicorn with `workers` sync workers on the code in `root`, once every worker has loaded the application
    (bench/gunicorn_ready.py): a request sent while others still start would measure their start too."""
    import tempfile

    static_root = ROOT / "var" / "bench_static"
    ready = Path(tempfile.mkdtemp(prefix="bench-ready-"))
    env = _server_env(static_root) | {"BENCH_READY_DIR": str(ready)}
    env |= {"DATABASE_URL": database_url} if database_url else {}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=root, env=env, check=True)
    port = _free_port()
    cmd = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-w", str(workers)]
    cmd += ["-b", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning"]
    cmd += ["-c", str(ROOT / "bench" / "gunicorn_ready.py")]
    proc = subprocess.Popen(cmd, cwd=root, env=env)
    _wait_for(port, proc)
    deadline = time.monotonic() + 120
    while len(list(ready.iterdir())) < workers:
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            raise RuntimeError(f"gunicorn: {len(list(ready.iterdir()))} of {workers} workers started")
        time.sleep(0.1)
    return proc, port


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _change_one_item_status(flip: int) -> None:
    """One rectification status change, as a write service makes it (an UPDATE: the statement trigger bumps the
    data version the dashboards read)."""
    from rectifications.models import RectificationItem

    item = RectificationItem.objects.order_by("pk").first()
    RectificationItem.objects.filter(pk=item.pk).update(status="in_progress" if flip % 2 else "open")


def serve_and_measure(workers: int = 4, root: Path = ROOT, rounds: int = ROUNDS, full: bool = True) -> list[Row]:
    """Start gunicorn on the current database and measure the leaders' dashboard against a minimal page behind
    login on the same server (`/accounts/password/done/`: session, user, menu, no data), with the load generator
    in its own process: warm throughput (requests per wall second, alternated, median of `rounds`), p95, page
    bytes; with `full`, also the cold build, the stampede (4 leaders at once on an empty cache: how many build)
    and the next view after one rectification status change."""
    from django.core.cache import cache

    from targets.dashboards import selectors as dash

    proc, port = _start(root, workers)
    page, base = "/dashboard/city/", BASELINE_PATH
    rows: list[Row] = []
    try:
        cookie = _login(port)
        if full:
            cache.clear()  # the first request assembles every panel from the snapshots
            cold, _size = _one(port, page, cookie)
            cache.clear()
            stampede = _load(port, page, cookie, STAMPEDE, clients=STAMPEDE, together=True)
            stampede_builds = dash.builds()
        _load(port, page, cookie, CLIENTS)  # every worker warm
        _load(port, base, cookie, CLIENTS)
        dash_runs, base_runs = [], []
        for _ in range(rounds):  # alternated: both sides see the same background load
            dash_runs.append(_load(port, page, cookie, DASHBOARD_REQUESTS))
            base_runs.append(_load(port, base, cookie, DASHBOARD_REQUESTS))
        page_gz, page_raw = _one(port, page, cookie)[1], _one(port, page, cookie, gzip=False)[1]
        base_gz, base_raw = _one(port, base, cookie)[1], _one(port, base, cookie, gzip=False)[1]
        panel_path = _first_panel_path() if root == ROOT else None
        panel = [_one(port, panel_path, cookie)[0] for _ in range(5)] if panel_path else []
        invalidated = []
        if full:
            for n in range(3):
                _change_one_item_status(n)
                invalidated.append(_one(port, page, cookie)[0])
            _change_one_item_status(0)
    finally:
        _stop(proc)
    tp_d = statistics.median([r["throughput"] for r in dash_runs])
    tp_b = statistics.median([r["throughput"] for r in base_runs])
    times_d = [t for r in dash_runs for t in r["times"]]
    times_b = [t for r in base_runs for t in r["times"]]
    note = f"gunicorn {workers} workers, {CLIENTS} clients in a separate process"
    note += f", {DASHBOARD_REQUESTS} requests × {rounds} rounds"
    rows.append(
        Row(
            "leaders' dashboard warm throughput",
            tp_d,
            "req/s",
            "minimal page behind login",
            tp_b,
            f"{note}; median of {rounds}, alternated",
        )
    )
    rows.append(
        Row(
            "leaders' dashboard p95 under 16 clients",
            _p95(times_d) * 1000,
            "ms",
            "minimal page p95",
            _p95(times_b) * 1000,
            note,
        )
    )
    rows.append(
        Row(
            "leaders' dashboard page weight (gzip as sent)",
            page_gz / 1024,
            "KiB",
            "minimal page",
            base_gz / 1024,
            f"uncompressed {page_raw / 1024:,.0f} KiB (minimal page {base_raw / 1024:,.0f} KiB)"
            "; item charts load per panel",
        )
    )
    if panel:
        rows.append(
            Row("one item panel (lazy), warm", statistics.median(panel) * 1000, "ms", note="median of 5, one client")
        )
    if full:
        rows.append(
            Row(
                "leaders' dashboard cold build (empty cache)",
                cold * 1000,
                "ms",
                note="first request after the cache is cleared",
            )
        )
        rows.append(
            Row(
                f"{STAMPEDE} leaders at once on an empty cache: slowest answer",
                max(stampede["times"]) * 1000,
                "ms",
                note=f"{stampede_builds} panel build(s) counted (dash.builds); answers "
                + ", ".join(f"{t:.2f}" for t in sorted(stampede["times"]))
                + " s",
            )
        )
        rows.append(
            Row(
                "next view after one rectification status change",
                statistics.median(invalidated) * 1000,
                "ms",
                note="UPDATE of one item's status (the trigger bumps the data version), then one view; "
                f"median of {len(invalidated)}",
            )
        )
    return rows


def _first_panel_path() -> str | None:
    from django.urls import reverse

    from targets.models import AssessmentItem
    from targets.selectors import current_scheme, latest_run

    scheme = current_scheme()
    run = latest_run(scheme) if scheme else None
    item = AssessmentItem.objects.filter(scheme=scheme).order_by("sort_order").first() if scheme else None
    if run is None or item is None:
        return None
    return f"{reverse('targets:dashboard_city_panel', args=[item.pk])}?run={run.pk}"


def stated_sizes() -> tuple[int, int]:
    """(items, units) of the current scheme: its items, and the units that have a target of one of them."""
    from targets.models import AssessmentItem, Target
    from targets.selectors import current_scheme

    scheme = current_scheme()
    items = AssessmentItem.objects.filter(scheme=scheme).count()
    indicators = AssessmentItem.objects.filter(scheme=scheme).values("indicator")
    units = Target.objects.filter(indicator__in=indicators, year=scheme.year).values("unit").distinct().count()
    return items, units


def _city_database() -> str:
    """A new, empty database beside the bench's own (`<name>_city`, dropped first when left over): its URL."""
    import psycopg2
    from django.conf import settings

    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_city"
    conn = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"


def city_cold_build(workers: int = 4) -> Row:
    """The leaders' dashboard's first request after the cache is cleared, at city size (CITY_UNITS units × N_ITEMS
    items, seven runs) in a database of its own, measured as the national line is (see the module's docstring)."""
    from django.core.cache import cache

    url = _city_database()
    child = subprocess.run(
        [sys.executable, "-m", "bench.bench_dashboard", "city"],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    sizes = json.loads(child.stdout.strip().splitlines()[-1])
    assert (sizes["items"], sizes["units"]) == (N_ITEMS, CITY_UNITS), (
        f"city-size line expects {CITY_UNITS} units × {N_ITEMS} items, got {sizes['units']} × {sizes['items']}"
    )
    proc, port = _start(ROOT, workers, database_url=url)
    try:
        cookie = _login(port)
        cache.clear()  # the first request assembles every panel from the snapshots
        cold, _size = _one(port, "/dashboard/city/", cookie)
    finally:
        _stop(proc)
        cache.clear()  # the city database's runs have the national ones' ids: leave no entry of it behind
    return Row(
        "leaders' dashboard cold build at city size (empty cache)",
        cold * 1000,
        "ms",
        note=f"{CITY_UNITS} units × {N_ITEMS} items, {sizes['runs']} runs, in a database of its own; "
        "first request after the cache is cleared",
    )


def _city_main() -> None:
    """`python -m bench.bench_dashboard city`, run by `city_cold_build` with DATABASE_URL set to the city database:
    migrate it, build the city-size province, print its sizes (JSON, last line)."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    built = build_province(timezone.localdate(), n_units=CITY_UNITS)
    items, units = stated_sizes()
    print(json.dumps({"items": items, "units": units, "runs": built["runs"]}))


def run(ctx: BenchContext) -> list[Row]:
    from django.utils import timezone

    from targets.selectors import current_scheme, latest_run
    from tracker.selectors import territorial_units

    rows: list[Row] = []
    today = timezone.localdate()
    scheme = current_scheme()
    if territorial_units().count() < min(1000, N_UNITS) or scheme is None or latest_run(scheme) is None:
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
    # the sizes this module states
    items, units = stated_sizes()
    assert (items, units) == (N_ITEMS, N_UNITS), (
        f"dashboard bench expects {N_UNITS} units × {N_ITEMS} items, got {units} × {items}"
    )
    secs, measured = timed(serve_and_measure)
    rows.extend(measured)
    logger.info("dashboard bench served in %.0f s", secs)
    secs, city = timed(city_cold_build)
    rows.append(city)
    logger.info("city-size cold build measured in %.0f s", secs)
    return rows


if __name__ == "__main__" and sys.argv[1:] == ["city"]:
    _city_main()
