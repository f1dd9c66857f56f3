"""The load run with lost-write accounting (issue 19): many browsers write while the database line is cut.

A real web server (gunicorn, three sync workers) talks to PostgreSQL through a TCP proxy that the test takes down
and up; CLIENTS client processes (`load_client.py`, plain HTTP, one logged-in session each) post progress reports
on measures (攻坚任务进展) as fast as they are answered, each request with a token of its own in the note. During
the run the test:

1. takes the database away for 1.5 s (every request meets a dead database: the "没有保存" page);
2. cuts the line at the next COMMIT: the server commits, the reply never arrives (an in-doubt commit);
3. lets the next COMMIT through and then takes the database away (the session save after the view's commit fails);
4. kills one web worker with SIGKILL under its request (the browser gets no answer; gunicorn starts another).

Then every token is counted in the database. What must hold: every request answered "saved" (302) has exactly its
one row — 0 lost acknowledged writes; no request left two rows; a request told "没有保存" left none; one told
"可能已保存" (or left without an answer) left one or none. The numbers are printed with the result.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import MeasureFactory
from tests.faults.conftest import ROOT, children, wait_for
from tracker.models import MeasureProgressReport

pytestmark = pytest.mark.slow

CLIENTS = 16
WEB_WORKERS = 3


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def web(db_proxy, tmp_path, settings):
    """gunicorn on a free port, its database connections through `db_proxy`, configured as in production (DEBUG
    off: Django's own error pages never answer). Yields (base URL, process, log)."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set (the web process would fall back to an in-memory cache and eager Celery)")
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    settings.SECRET_KEY = secrets.token_urlsafe(50)  # production refuses the development key
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "STATIC_MANIFEST"}}
    env.update(
        DATABASE_URL=f"postgres://{auth}@127.0.0.1:{db_proxy.port}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL,
        SECRET_KEY=settings.SECRET_KEY,  # the sessions made here are signed with it
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on the loopback: no TLS proxy in front of it here
        SECURE_COOKIES="0",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{port}",
         "-w", str(WEB_WORKERS), "--preload", "--timeout", "60", "--graceful-timeout", "5"],
        cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        def _up():
            if proc.poll() is not None:
                pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                return urllib.request.urlopen(f"{base}/healthz", timeout=2).status == 200
            except OSError:
                return False

        wait_for(_up, 60, "gunicorn to answer /healthz", interval=0.3)
        wait_for(lambda: len(children(proc.pid)) == WEB_WORKERS, 30, "the web workers to start")
        yield base, proc, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _fault(proxy, arm, what: str) -> None:
    """Arm the proxy, wait until it has gone down (the armed COMMIT came), keep it down 1 s, bring it back."""
    arm()
    wait_for(lambda: proxy.mode == "down", 10, what, interval=0.02)
    time.sleep(1.0)
    proxy.up()


def test_no_acknowledged_write_is_lost_under_load_with_the_database_cut_and_a_worker_killed(
    web, db_proxy, official_a, unit_a, tmp_path, capsys
):
    base, gunicorn, log = web
    measures = [MeasureFactory(unit=unit_a) for _ in range(CLIENTS)]
    stop = tmp_path / "stop"
    outs = [tmp_path / f"client-{n:02d}.jsonl" for n in range(CLIENTS)]
    clients = []
    for n, measure in enumerate(measures):
        browser = Client()
        browser.force_login(official_a)  # a session row of its own, read by the web server from the database
        path = reverse("tracker:measure_detail", args=[measure.pk])
        args = [base, path, browser.cookies["sessionid"].value, timezone.localdate().isoformat(), str(n)]
        command = [sys.executable, "-m", "tests.faults.load_client", *args, str(stop), str(outs[n])]
        errors = open(tmp_path / f"client-{n:02d}.err", "w")
        clients.append(subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors))
    try:

        def _ready():
            for n, p in enumerate(clients):
                if p.poll() is not None:
                    pytest.fail(f"client {n} exited: {(tmp_path / f'client-{n:02d}.err').read_text()[-2000:]}")
            return all(o.exists() and o.read_text().startswith('{"ready"') for o in outs)

        wait_for(_ready, 60, "every client to open its form")
        started = time.monotonic()

        def phase(what: str) -> None:  # when each fault began, for reading the logs beside the clients' lines
            with (tmp_path / "phases.log").open("a") as f:
                f.write(f"{time.monotonic() - started:6.1f} s  {what}\n")

        time.sleep(3)
        phase("database down")
        db_proxy.down()  # 1. the database is gone
        time.sleep(1.5)
        db_proxy.up()
        phase("database up")
        time.sleep(2.5)
        phase("cut at the next COMMIT")
        _fault(db_proxy, db_proxy.cut_at_next_commit, "a COMMIT to be cut")  # 2. in-doubt commit
        phase("up again")
        time.sleep(2.5)
        phase("down after the next COMMIT")
        _fault(db_proxy, db_proxy.down_after_next_commit, "a COMMIT to go through")  # 3. dead after the commit
        phase("up again")
        time.sleep(2.5)
        victim = children(gunicorn.pid)[0]
        phase(f"SIGKILL web worker {victim}")
        os.kill(victim, signal.SIGKILL)  # 4. a web worker dies under its request
        wait_for(
            lambda: len(children(gunicorn.pid)) == WEB_WORKERS and victim not in children(gunicorn.pid),
            30,
            "gunicorn to replace the killed worker",
        )
        phase("worker replaced")
        time.sleep(3)
        phase("stop")
    finally:
        stop.write_text("")
        for p in clients:
            try:
                p.wait(timeout=45)
            except subprocess.TimeoutExpired:
                p.kill()
    seconds = time.monotonic() - started

    answers: dict[str, str] = {}
    for out in outs:
        for line in out.read_text().splitlines()[1:]:
            row = json.loads(line)
            answers[row["tag"]] = row["outcome"]
    db_proxy.up()
    rows = Counter(
        note.removeprefix("进展 ")
        for note in MeasureProgressReport.objects.filter(note__startswith="进展 load-").values_list("note", flat=True)
    )
    outcomes = Counter(answers.values())
    by = {k: [t for t, o in answers.items() if o == k] for k in outcomes}
    lost = [t for t in by.get("ok", []) if rows[t] == 0]
    doubled = sorted(t for t, n in rows.items() if n > 1)
    untrue = [t for t in by.get("not_saved", []) if rows[t]]
    strangers = sorted(set(rows) - set(answers))  # rows of a request no client sent
    in_doubt = by.get("maybe", []) + by.get("no_answer", [])
    saved_in_doubt = sum(1 for t in in_doubt if rows[t])
    summary = (
        f"load run: {CLIENTS} clients, {len(answers)} requests in {seconds:.1f} s — "
        + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
        + f"; rows {sum(rows.values())}; lost acknowledged {len(lost)}; doubled {len(doubled)}; "
        f"'没有保存' but saved {len(untrue)}; in doubt {len(in_doubt)} of which saved {saved_in_doubt}"
    )
    with capsys.disabled():
        print(f"\n{summary}")

    assert lost == [] and doubled == [] and untrue == [] and strangers == [], summary
    # the faults were met, and the run wrote enough to mean something
    assert outcomes["ok"] >= 50, summary
    assert outcomes["not_saved"] >= 1 and outcomes["maybe"] >= 1, summary
    assert db_proxy.commits_seen >= 2, summary
    # nothing else came back: no 500, no bare 400 (every fault ends on one of the platform's two honest pages)
    assert set(outcomes) <= {"ok", "maybe", "not_saved", "no_answer"}, (summary, log.read_text()[-3000:])
