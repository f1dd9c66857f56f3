"""Shared pieces of the benchmark suite: the row type, the table, timing and peak memory helpers."""

from __future__ import annotations

import io
import resource
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Row:
    """One line of the table: a measured value next to its baseline from the same process."""

    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline


@dataclass
class BenchContext:
    """Shared state between benchmark modules (e.g. a generated data set reused by several)."""

    cache: dict = field(default_factory=dict)

    @staticmethod
    def database_vendor() -> str:
        from django.db import connection

        return connection.vendor


@contextmanager
def preserved(*tables: str) -> Iterator[None]:
    """Put back, afterwards, the rows a module's own TRUNCATEs take from `tables` (COPY out, COPY back in), so
    the modules after it still measure on the whole national data set (bench_uploads empties the air and water
    readings for every repetition; bench_watch, bench_water and bench_worker need them afterwards)."""
    from django.db import connection, transaction

    saved: dict[str, io.StringIO] = {}
    with connection.cursor() as cur:
        for table in tables:
            saved[table] = io.StringIO()
            cur.cursor.copy_expert(f'COPY "{table}" TO STDOUT', saved[table])
    try:
        yield
    finally:
        with transaction.atomic(), connection.cursor() as cur:
            for table, text in saved.items():
                cur.execute(f'TRUNCATE "{table}" CASCADE')
                text.seek(0)
                cur.cursor.copy_expert(f'COPY "{table}" FROM STDIN', text)


def timed(fn: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """Median wall time in seconds over `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def alternate(
    path: Callable[[], object], floor: Callable[[], object], *, reset: Callable[[], object], rounds: int = 3
) -> tuple[float, float]:
    """Median seconds of `path` and of its `floor`, measured the same way: one untimed warm-up of each, then
    `rounds` rounds alternating them (so both see the same background load), `reset()` before every run."""
    times: dict[str, list[float]] = {"path": [], "floor": []}
    for n in range(rounds + 1):
        for name, fn in (("path", path), ("floor", floor)):
            reset()
            started = time.perf_counter()
            fn()
            if n:  # round 0 warms both
                times[name].append(time.perf_counter() - started)
    return statistics.median(times["path"]), statistics.median(times["floor"])


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def format_table(rows: list[Row]) -> str:
    lines = [
        "| measurement | value | unit | baseline | baseline value | ratio | note |",
        "|---|---:|---|---|---:|---:|---|",
    ]
    for r in rows:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else ""
        base = _number(r.baseline) if r.baseline is not None else ""
        lines.append(f"| {r.name} | {_number(r.value)} | {r.unit} | {r.baseline_name} | {base} | {ratio} | {r.note} |")
    return "\n".join(lines)


def _number(value: float) -> str:
    """Counts without decimals, everything else with three."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.3f}"
