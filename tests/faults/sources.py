"""Test-only pieces loaded into the fault tests' worker (`celery worker -I tests.faults.sources`).

Everything here is driven through files in `FAULT_DIR` (set only in the worker's environment), so the test
process steers the worker deterministically without timing guesses:
- `slow` (a computed indicator): writes `started-<pid>-<n>` and then waits while the file `hold` exists;
- `poison` (a computed indicator): counts its calls in `poison-calls` and always fails with a database error
  (the kind the scoring task retries);
- `record` (a task): appends its pid to `record-<n>`, so a message run twice leaves two lines.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
from celery import shared_task

SLOW_CODE = "fault_slow"
POISON_CODE = "fault_poison"


def _dir() -> Path:
    return Path(os.environ["FAULT_DIR"])


def slow(*, year, as_of):
    from tracker.selectors import territorial_units

    if "FAULT_DIR" in os.environ:
        d = _dir()
        n = len(list(d.glob("started-*")))
        (d / f"started-{os.getpid()}-{n}").write_text(str(os.getpid()))
        deadline = time.monotonic() + 120
        while (d / "hold").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    ids = sorted(territorial_units().values_list("pk", flat=True))
    # deterministic values: a function of the position only
    values = [60.0 + (i * 37 % 41) for i in range(len(ids))]
    return pd.DataFrame({"unit_id": ids, "value": values, "detail": [f"有效天数 {int(v * 3)}" for v in values]})


def poison(*, year, as_of):
    from django.db import OperationalError

    with open(_dir() / "poison-calls", "a") as f:
        f.write(f"{os.getpid()}\n")
    raise OperationalError("模拟数据源故障：server closed the connection unexpectedly")


@shared_task(name="tests.faults.record", acks_late=True, time_limit=60, soft_time_limit=50)
def record(n: int) -> int:
    with open(_dir() / f"record-{n}", "a") as f:
        f.write(f"{os.getpid()}\n")
    return n


def register() -> None:
    from targets import registry

    registry.COMPUTED_SOURCES[SLOW_CODE] = "tests.faults.sources.slow"
    registry.COMPUTED_SOURCES[POISON_CODE] = "tests.faults.sources.poison"


if "FAULT_DIR" in os.environ:  # only in the fault tests' worker, never in the test process
    register()
