"""gunicorn settings file for the benchmark's servers (`-c bench/gunicorn_ready.py`): each worker, once it has
loaded the application, leaves a file named by its pid in $BENCH_READY_DIR, so that a measurement can wait until
every worker has started (bench_dashboard `_start`). A request sent while the other workers still start competes
with them for the machine's two cores, and what it then measures is their start, not the page."""

import os
from pathlib import Path


def post_worker_init(worker) -> None:
    ready = os.environ.get("BENCH_READY_DIR")
    if ready:
        Path(ready, str(worker.pid)).touch()
