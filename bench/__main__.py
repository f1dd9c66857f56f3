"""Run every benchmark module `bench/bench_*.py` against a fresh database and print one table.

Contract for a benchmark module: a function `run(ctx: BenchContext) -> list[Row]`. Times are always reported
next to a baseline measured in the same process, as a ratio, never asserted. The table is also written to
`bench/results/latest.md` and `latest.json` (ignored by git); after a whole run in which every module succeeded,
`bench/report.py` turns it into `docs/performance.md`.

    python -m bench                 # all
    python -m bench air scoring     # modules whose name contains one of the words
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import json
import logging
import os
import pkgutil
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Benchmarks run on their own database so they never touch the demo or the tests.
if "DATABASE_URL" in os.environ and "BENCH_DATABASE_URL" not in os.environ:
    base = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{base}/eco_bench"
elif "BENCH_DATABASE_URL" in os.environ:
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]

from bench.common import BenchContext, Row, format_table  # noqa: E402

logger = logging.getLogger("bench")


def _prepare_database() -> None:
    import django
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        import psycopg2

        conn = psycopg2.connect(
            dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
        )
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{db["NAME"]}"')
        conn.close()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    words = [a for a in argv if not a.startswith("-")]
    _prepare_database()
    ctx = BenchContext()
    rows: list[Row] = []
    failed: list[str] = []
    started_at = datetime.datetime.now(datetime.UTC)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    for info in sorted(pkgutil.iter_modules([str(ROOT / "bench")]), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        if words and not any(w in info.name for w in words):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        logger.info("running %s", info.name)
        try:
            rows.extend(module.run(ctx))
        except Exception:  # the other modules still run; the table says which one failed and the exit code too
            logger.exception("%s failed", info.name)
            failed.append(info.name)
    total = time.monotonic() - started
    header = (
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"database {ctx.database_vendor()}; total {total:.0f} s"
    )
    if failed:
        header += f"; FAILED (no lines): {', '.join(failed)}"
    table = format_table(rows)
    print(header)
    print(table)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(header + "\n\n" + table + "\n", encoding="utf-8")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True)
    record = {
        "started": started_at.strftime("%Y-%m-%d %H:%M UTC"),
        "commit": (commit.stdout.strip() or "?") + (" (with uncommitted changes)" if dirty.stdout.strip() else ""),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"database {ctx.database_vendor()}",
        "total_s": total,
        "load_before": f"{load_before:.2f}",
        "load_after": f"{os.getloadavg()[0]:.2f}",
        "modules": words or "all",
        "failed": failed,
        "rows": [dataclasses.asdict(r) for r in rows],
    }
    (out / "latest.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    if not words and not failed:  # docs/performance.md is one whole, clean run's output
        from bench import report

        report.main([])
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
