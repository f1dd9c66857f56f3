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
        *,
        pool: str = "prefork",
        broker: str | None = None,
        ping: bool = True,
        queue: str | None = None,
        db_port: int | None = None,
        env: dict | None = None,
    ) -> Worker:
        queue = queue or f"fault-{uuid.uuid4().hex[:10]}"
        extra, env = env or {}, dict(os.environ)
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        port = db_port or db["PORT"] or 5432  # db_port: through a TcpProxy that the test takes down
        env["DATABASE_URL"] = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{port}/{db['NAME']}"
        env["REDIS_URL"] = broker or settings.REDIS_URL
        env["FAULT_DIR"] = str(fault_dir)
        env["SCORING_RETRY_BACKOFF"] = "1"
        env.update(extra)
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


def free_port(start: int = 6391, end: int = 6499) -> int:
    """A port nobody listens on, from 6391 up (6379 is the machine's shared Redis, never touched here)."""
    import socket

    for port in range(start, end):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.skip(f"no free port in {start}–{end}")


class ScratchRedis:
    """A throwaway redis-server of this test: `stop()` (SIGKILL or SIGTERM), `start()`, `restart()`."""

    def __init__(self, exe: str, port: int, data: Path):
        self.port, self.url = port, f"redis://127.0.0.1:{port}/0"
        self.cmd = [exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data), "--save", ""]
        self.cmd += ["--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"]
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port)

        def _ping():
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        wait_for(_ping, 20, "the scratch redis-server to start")

    def stop(self, kill: bool = True) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
            self.proc.wait(timeout=20)

    def restart(self, kill: bool = True) -> None:
        self.stop(kill)
        self.start()


@pytest.fixture
def scratch_redis(tmp_path):
    """A throwaway redis-server on a free port (6391+) with an append-only file fsynced on every write.

    Why: Redis is the broker, and a message it holds only in memory is gone after a restart. With
    `--appendonly yes --appendfsync always` every queued message is on disk before the producer hears "OK",
    so even a killed Redis replays the queue on start. `--save ""` turns off RDB snapshots so the AOF alone is
    what is tested. Yields a ScratchRedis (url, stop, start, restart).
    """
    import shutil

    exe = shutil.which("redis-server")
    if not exe:
        pytest.skip("redis-server is not installed")
    data = tmp_path / "redis"
    data.mkdir()
    server = ScratchRedis(exe, free_port(), data)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def use_broker(settings):
    """`use_broker(url)`: this test process sends its tasks (and pings) through another Redis until the end."""
    from config.celery import app

    saved = app.conf.broker_url

    def _reset():
        app._pool = None
        app.amqp._producer_pool = None

    def _use(url: str) -> None:
        app.conf.broker_url = url
        _reset()

    yield _use
    app.conf.broker_url = saved
    _reset()


class TcpProxy:
    """A TCP proxy in front of PostgreSQL that the test takes down and up, or cuts at a COMMIT.

    Modes: "up" relays; "down" closes every connection and refuses new ones (the database is unreachable);
    `cut_at_next_commit()` relays the next COMMIT to the server, lets the server commit, then drops the
    connection before the client hears the reply (an in-doubt commit); `down_after_next_commit()` relays the
    COMMIT and its reply, then goes down (the request committed, everything after meets a dead database).
    """

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        import socket
        import threading

        self.target = (target_host, target_port)
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.port = self.server.getsockname()[1]
        self.mode = "up"
        self.on_commit = ""  # "", "cut" or "down"
        self.swallow = False
        self.commits_seen = 0
        self.lock = threading.Lock()
        self.pairs: list = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket
        import threading

        while not self.closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.mode == "down":
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src, dst, from_client: bool) -> None:
        import socket

        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if from_client and b"COMMIT" in data and self.on_commit:
                    self.commits_seen += 1
                    if self.on_commit == "cut":
                        self.swallow = True
                        dst.sendall(data)
                        time.sleep(0.5)  # the server commits; its reply is swallowed
                        self.down()
                        return
                    dst.sendall(data)
                    self.on_commit = "down-on-reply"
                    continue
                if not from_client and self.swallow:
                    continue
                dst.sendall(data)
                if not from_client and self.on_commit == "down-on-reply":
                    self.down()
                    return
        except OSError:
            pass
        finally:
            # shutdown before close: the pump of the other direction is blocked in recv() on these sockets, and a
            # bare close() from this thread neither wakes it nor sends the FIN (the kernel keeps the socket while a
            # call is in it). PostgreSQL would then keep the backend of a killed client idle in its transaction,
            # with its row locks, for ever.
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    sock.close()
                except OSError:
                    pass

    def _drop_all(self) -> None:
        import socket

        with self.lock:
            pairs, self.pairs = self.pairs, []
        for pair in pairs:
            for sock in pair:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def down(self) -> None:
        self.mode, self.on_commit = "down", ""
        self._drop_all()

    def up(self) -> None:
        self.mode, self.swallow = "up", False

    def cut_at_next_commit(self) -> None:
        self.on_commit = "cut"

    def down_after_next_commit(self) -> None:
        self.on_commit = "down"

    def close(self) -> None:
        self.closed = True
        self.server.close()
        self._drop_all()


@pytest.fixture
def db_proxy(transactional_db):
    """A TcpProxy in front of the test database's PostgreSQL."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the database proxy is for PostgreSQL")
    proxy = TcpProxy(int(connection.settings_dict["PORT"] or 5432), connection.settings_dict["HOST"] or "127.0.0.1")
    yield proxy
    proxy.close()
    time.sleep(1)  # let PostgreSQL end the backends whose client side the proxy just closed


@pytest.fixture
def through_proxy(db_proxy):
    """This test process's default connection goes through the proxy until the end of the test."""
    from django.db import connection

    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(db_proxy.port)
    yield db_proxy
    connection.close()
    connection.settings_dict["PORT"] = saved
