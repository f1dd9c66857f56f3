"""Worker peak memory: the national scoring run (2,844 units × 50 items, 142,200 snapshots) executed by a real
Celery worker subprocess (solo pool, so the task runs in the worker process itself) through Redis.

Peak resident memory is the kernel's high-water mark of that process (`VmHWM` in /proc/<pid>/status), read
after the task finished; the baseline is the same mark of the same worker once started and idle (Django,
pandas and the app loaded), so the ratio is what one scoring run adds. The wall time from send to result is
reported next to the in-process service time measured by bench_scoring when it ran.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from bench.common import BenchContext, Row

logger = logging.getLogger("bench")
ROOT = Path(__file__).resolve().parent.parent


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def run(ctx: BenchContext) -> list[Row]:
    from django.conf import settings

    from bench.bench_scoring import AS_OF, N_ITEMS, N_UNITS, scheme_for
    from config.celery import app
    from targets.choices import RunStatus
    from targets.models import ScoreSnapshot, ScoringRun
    from targets.tasks import compute_scores

    if not settings.REDIS_URL or not Path("/proc/self/status").exists():
        logger.warning("bench_worker needs REDIS_URL and Linux /proc; skipped")
        return []
    scheme = scheme_for(ctx)
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    log = open(ROOT / "bench" / "results" / "worker.log", "w") if (ROOT / "bench" / "results").is_dir() else None
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
    try:
        deadline = time.monotonic() + 120
        while not app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1.0):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"benchmark worker did not start (exit {proc.returncode})")
        idle = vm_hwm_mb(proc.pid)
        run_row = ScoringRun.objects.create(scheme=scheme, as_of=AS_OF, status=RunStatus.QUEUED)
        started = time.perf_counter()
        result = compute_scores.apply_async(args=[run_row.pk], queue=queue)
        status = result.get(timeout=600)
        wall = time.perf_counter() - started
        peak = vm_hwm_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
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
