"""A real Celery worker for the fault tests: prefork or solo, any broker, steered through files in a temp dir.

Same pattern as `celery_worker_queue` in tests/conftest.py (subprocess reading the test database), with the
knobs the faults need: the pool (prefork has a child process to kill), the broker URL (a throwaway Redis),
`FAULT_DIR`, and a short scoring retry backoff.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out.extend(int(p) for p in text)
    return out


class Worker:
    def __init__(self, proc: subprocess.Popen, queue: str, log: Path):
        self.proc, self.queue, self.log = proc, queue, log

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def fault_dir(tmp_path):
    d = tmp_path / "faults"
    d.mkdir()
    return d


@pytest.fixture
def start_worker(transactional_db, settings, fault_dir):
    """`start_worker(pool="prefork", broker=None, ping=True, queue=None)` → a running Worker (private queue)."""
    from django.db import connection

    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: no broker for a real worker (make test sets it)")
    started: list[Worker] = []

    def _start(
        *, pool: str = "prefork", broker: str | None = None, ping: bool = True, queue: str | None = None
    ) -> Worker:
        queue = queue or f"fault-{uuid.uuid4().hex[:10]}"
        env = dict(os.environ)
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        env["REDIS_URL"] = broker or settings.REDIS_URL
        env["FAULT_DIR"] = str(fault_dir)
        env["SCORING_RETRY_BACKOFF"] = "1"
        log = fault_dir / f"worker-{queue}.log"
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-I", "tests.faults.sources"),
                *("--pool", pool, "-c", "1", "--without-heartbeat", "--without-gossip", "--without-mingle"),
                *("-l", "info", "-n", f"{queue}@%h"),
            ],
            cwd=ROOT,
            env=env,
            stdout=open(log, "w"),
            stderr=subprocess.STDOUT,
        )
        worker = Worker(proc, queue, log)
        started.append(worker)
        if ping:
            from config.celery import app

            def _alive():
                if proc.poll() is not None:
                    pytest.fail(f"celery worker exited with {proc.returncode}:\n{worker.log_text()}")
                return app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1.0)

            wait_for(_alive, 60, "the worker to answer a ping")
        return worker

    yield _start
    for w in started:
        w.stop()


@pytest.fixture
def scratch_redis(tmp_path):
    """A throwaway redis-server on port 6390 with an append-only file fsynced on every write.

    Why: Redis is the broker, and a message it holds only in memory is gone after a restart. With
    `--appendonly yes --appendfsync always` every queued message is on disk before the producer hears "OK",
    so even a killed Redis replays the queue on start. `--save ""` turns off RDB snapshots so the AOF alone is
    what is tested. Yields (url, restart) where `restart(kill=True)` kills it with SIGKILL and starts it again.
    """
    import shutil

    import redis

    exe = shutil.which("redis-server")
    if not exe:
        pytest.skip("redis-server is not installed")
    port = 6390
    data = tmp_path / "redis"
    data.mkdir()
    cmd = [exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data), "--save", ""]
    cmd += ["--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"]
    holder: dict = {}

    def _up():
        holder["proc"] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        client = redis.Redis(port=port)

        def _ping():
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        wait_for(_ping, 20, "the scratch redis-server to start")

    def restart(kill: bool = True) -> None:
        proc = holder["proc"]
        proc.kill() if kill else proc.terminate()
        proc.wait(timeout=20)
        _up()

    try:
        redis.Redis(port=port, socket_connect_timeout=0.5).ping()
        pytest.skip(f"port {port} is taken by another Redis")
    except redis.ConnectionError:
        pass
    _up()
    yield f"redis://127.0.0.1:{port}/0", restart
    holder["proc"].kill()
    holder["proc"].wait(timeout=20)
