"""Scoring executed by a real Celery worker subprocess (solo pool, so the task runs in the worker process itself)
through Redis, at national size and at city size.

National: the scoring run of 2,844 units × 50 items (142,200 snapshots). Peak resident memory is the kernel's
high-water mark of the worker process (`VmHWM` in /proc/<pid>/status), read after the task finished; the baseline
is the same mark of the same worker once started and idle (Django, pandas and the app loaded), so the ratio is
what one scoring run adds. The wall time from send to result is reported next to the in-process service time
measured by bench_scoring when it ran.

City size (`city_line()`): a city's 11 units with their own data (`bench.generate.scaled(11, days=365)`: 7 air
stations × 365 days, 15 water sections × 12 months, 194 rectification items, 78 projects …) and the same scheme
shape as bench_scoring (the platform's computed indicators and entered ones, 50 items: 550 snapshots), in a
database of its own (`<bench database>_worker_city`, built and measured by `python -m bench.bench_worker city`
in a child process, so the national data never share its tables). One worker is started on that database; a
scoring run is sent to it through Redis (send → result: queueing, the task, its status updates) and the same
service runs in the child process (`services.scores_compute`), alternated: one warm-up round, then median of 3.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from bench.common import BenchContext, Row

logger = logging.getLogger("bench")
ROOT = Path(__file__).resolve().parent.parent
CITY_UNITS = 11  # a city's districts and counties
CITY_ROUNDS = 3


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def start_worker(log_name: str) -> tuple[subprocess.Popen, str]:
    """A Celery worker (solo pool) on a queue of its own, on this process's DATABASE_URL and REDIS_URL, answering
    a ping: (process, queue)."""
    from config.celery import app

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    results = ROOT / "bench" / "results"
    log = open(results / log_name, "w") if results.is_dir() else None
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue),
            *("--pool", "solo", "-c", "1", "--without-heartbeat", "--without-gossip", "--without-mingle"),
            *("-l", "info", "-n", f"{queue}@%h"),
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while not app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1.0):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_worker(proc)
            raise RuntimeError(f"benchmark worker did not start (exit {proc.returncode})")
    return proc, queue


def stop_worker(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def run(ctx: BenchContext) -> list[Row]:
    from django.conf import settings

    if not settings.REDIS_URL or not Path("/proc/self/status").exists():
        logger.warning("bench_worker needs REDIS_URL and Linux /proc; skipped")
        return []
    rows = national_lines(ctx)
    if ctx.database_vendor() == "postgresql":
        rows.append(city_line())
    return rows


def national_lines(ctx: BenchContext) -> list[Row]:
    from bench.bench_scoring import AS_OF, N_ITEMS, N_UNITS, scheme_for
    from targets.choices import RunStatus
    from targets.models import ScoreSnapshot, ScoringRun
    from targets.tasks import compute_scores

    scheme = scheme_for(ctx)
    proc, queue = start_worker("worker.log")
    try:
        idle = vm_hwm_mb(proc.pid)
        run_row = ScoringRun.objects.create(scheme=scheme, as_of=AS_OF, status=RunStatus.QUEUED)
        started = time.perf_counter()
        result = compute_scores.apply_async(args=[run_row.pk], queue=queue)
        status = result.get(timeout=600)
        wall = time.perf_counter() - started
        peak = vm_hwm_mb(proc.pid)
    finally:
        stop_worker(proc)
    run_row.refresh_from_db()
    n = ScoreSnapshot.objects.filter(run=run_row).count()
    assert status != "succeeded" or n == N_UNITS * N_ITEMS == 142_200, n  # the stated size, nothing else
    note = f"run {status}; {n:,} snapshots written; solo pool"
    in_process = ctx.cache.get("scoring_service_s")
    return [
        Row("worker peak memory, national scoring run", peak, "MiB", "same worker idle", idle, note),
        Row(
            "scoring through Redis and a real worker (send → result)",
            wall,
            "s",
            "same service in process (bench_scoring)" if in_process else "",
            in_process,
            "includes queueing, the worker's DB connection and status updates",
        ),
    ]


# --- city size -------------------------------------------------------------------------------------------------
def _city_database() -> str:
    """A new, empty database beside the bench's own (`<name>_worker_city`, dropped first when left over): its URL."""
    import psycopg2
    from django.conf import settings

    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_worker_city"
    conn = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"


def city_line() -> Row:
    """Scoring at city size through a real worker against the same service in process (see the module's
    docstring), measured in a child process on a database of its own."""
    from django.core.cache import cache

    from bench.bench_scoring import N_ITEMS

    url = _city_database()
    try:
        child = subprocess.run(
            [sys.executable, "-m", "bench.bench_worker", "city"],
            cwd=ROOT,
            env=os.environ | {"DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        cache.clear()  # the city database's runs have the national ones' ids: leave no entry of it behind
    if child.returncode:
        raise RuntimeError(f"city-size worker line failed:\n{child.stderr[-3000:]}")
    got = json.loads(child.stdout.strip().splitlines()[-1])
    assert (got["units"], got["items"], got["snapshots"]) == (CITY_UNITS, N_ITEMS, CITY_UNITS * N_ITEMS), got
    return Row(
        "scoring at city size through Redis and a real worker (send → result)",
        got["worker_s"],
        "s",
        "same service in process",
        got["in_process_s"],
        f"{got['units']} 单位 × {got['items']} 项 = {got['snapshots']} 条得分，城市规模数据"
        f"（{got['stations']} 站 × 365 天等），独立数据库；solo 池；中位数 / {CITY_ROUNDS} 次，交替，已预热；"
        f"各次 {got['worker_all']} s",
    )


def _city_main() -> None:
    """`python -m bench.bench_worker city`, run by `city_line` with DATABASE_URL set to the city database: migrate
    it, generate the city's data and scheme, measure, print the sizes and the medians (JSON, last line)."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command

    from bench.bench_scoring import AS_OF, build_scheme
    from bench.generate import generate, scaled
    from targets import services
    from targets.choices import RunStatus
    from targets.models import AssessmentItem, ScoreSnapshot, ScoringRun
    from targets.tasks import compute_scores
    from tracker.air_days import air_unit_days_refresh
    from tracker.models import AirDailyReading
    from tracker.selectors import territorial_units

    call_command("migrate", verbosity=0)
    data = generate(scaled(CITY_UNITS, days=365))
    scheme = build_scheme()
    air_unit_days_refresh()  # the unit-days as an upload leaves them (bench_scoring._unit_days_kept)
    units = territorial_units().count()
    items = AssessmentItem.objects.filter(scheme=scheme).count()
    assert units == CITY_UNITS and AirDailyReading.objects.count() == len(data["stations"]) * 365

    proc, queue = start_worker("worker_city.log")
    times: dict[str, list[float]] = {"worker": [], "in_process": []}
    try:
        for n in range(CITY_ROUNDS + 1):  # round 0 warms both
            run_row = ScoringRun.objects.create(scheme=scheme, as_of=AS_OF, status=RunStatus.QUEUED)
            started = time.perf_counter()
            status = compute_scores.apply_async(args=[run_row.pk], queue=queue).get(timeout=300)
            worker_s = time.perf_counter() - started
            assert status == RunStatus.SUCCEEDED, status
            started = time.perf_counter()
            services.scores_compute(scheme_id=scheme.pk, as_of=AS_OF)
            in_process_s = time.perf_counter() - started
            if n:
                times["worker"].append(worker_s)
                times["in_process"].append(in_process_s)
    finally:
        stop_worker(proc)
    snapshots = ScoreSnapshot.objects.filter(run=run_row).count()
    print(
        json.dumps(
            {
                "units": units,
                "items": items,
                "snapshots": snapshots,
                "stations": len(data["stations"]),
                "worker_s": statistics.median(times["worker"]),
                "in_process_s": statistics.median(times["in_process"]),
                "worker_all": ", ".join(f"{t:.3f}" for t in times["worker"]),
            }
        )
    )


if __name__ == "__main__" and sys.argv[1:] == ["city"]:
    _city_main()
