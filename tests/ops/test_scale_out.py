"""Scale-out that is real: two web processes and two Celery workers on one PostgreSQL, one Redis and one
S3-compatible store. A file uploaded through one web process is served by the other; work queued through a web
process is done by a worker. Nothing in the code knows there is more than one of anything."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection
from django.urls import reverse

from rectifications.models import Evidence
from targets.choices import RunStatus
from targets.models import ScoringRun
from tests.factories import RectificationItemFactory
from tests.security.conftest import PNG
from tests.targets.conftest import scheme  # noqa: F401 (fixture: two units with targets, three items)

from .conftest import ROOT, database_url, free_port, s3_env, wait_for_http

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PASSWORD = "Test-pass-123"


def _real_password(user) -> None:
    """The processes use the production hashers (the test process hashes with MD5 for speed)."""
    hasher = Argon2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])


@pytest.fixture
def cluster(s3_bucket, tmp_path):
    """web1, web2 (gunicorn) and worker1, worker2 (Celery), all on the test database, Redis and the bucket."""
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")
    endpoint, bucket, s3 = s3_bucket
    queue = f"scale-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEDIA_ROOT", "DEBUG"}}
    env.update(
        DATABASE_URL=database_url(connection.settings_dict["NAME"]),
        REDIS_URL=settings.REDIS_URL,
        CELERY_QUEUE=queue,
        DJANGO_SETTINGS_MODULE="config.settings",
        MEDIA_ROOT=str(tmp_path / "no-local-files"),  # would be used only if a file bypassed the storage API
        **s3_env(endpoint, bucket),
    )
    procs: dict[str, subprocess.Popen] = {}
    webs = {}
    try:
        for name in ("web1", "web2"):
            port = free_port()
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "1"],
                cwd=ROOT, env=env, stdout=open(tmp_path / f"{name}.log", "w"), stderr=subprocess.STDOUT,
            )  # fmt: skip
            webs[name] = f"http://127.0.0.1:{port}"
        for name in ("worker1", "worker2"):
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-n", f"{name}-{queue}@%h",
                 "--pool", "solo", "-c", "1", "--without-gossip", "--without-mingle", "-l", "info"],
                cwd=ROOT, env=env, stdout=open(tmp_path / f"{name}.log", "w"), stderr=subprocess.STDOUT,
            )  # fmt: skip
        for name, url in webs.items():
            wait_for_http(f"{url}/healthz", procs[name])
        from config.celery import app

        workers = [f"worker{n}-{queue}@{os.uname().nodename}" for n in (1, 2)]
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if len(app.control.ping(destination=workers, timeout=1.0)) == 2:
                break
        else:
            pytest.fail("the two workers did not both answer within 90 s")
        yield {"webs": webs, "bucket": bucket, "s3": s3, "logs": tmp_path}
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _login(base: str, username: str):
    import requests

    session = requests.Session()
    session.get(f"{base}{reverse('login')}", timeout=30)
    response = session.post(
        f"{base}{reverse('login')}",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:500]
    return session


def test_a_file_uploaded_through_one_web_process_is_served_by_the_other(cluster, official_a, leader, unit_a):
    for user in (official_a, leader):
        _real_password(user)
    item = RectificationItemFactory(unit=unit_a)
    web1, web2 = cluster["webs"]["web1"], cluster["webs"]["web2"]

    session = _login(web1, "official_a")
    upload = session.post(
        f"{web1}{reverse('rectifications:report', args=[item.pk])}",
        data={"text": "已清理完毕", "progress": "60", "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        files={"files": ("现场.png", PNG, "image/png")},
        allow_redirects=False,
        timeout=60,
    )
    assert upload.status_code == 302, upload.text[:500]
    ev = Evidence.objects.get(item=item)
    assert cluster["s3"].get_object(Bucket=cluster["bucket"], Key=ev.file.name)["Body"].read() == PNG

    # the same login (its session is in the shared database) on the other web process serves the file
    download = session.get(f"{web2}{reverse('rectifications:evidence', args=[ev.pk])}", timeout=60)
    assert download.status_code == 200 and download.content == PNG
    assert re.search(r"attachment", download.headers["Content-Disposition"])
    assert "no-store" in download.headers["Cache-Control"]


def test_work_queued_through_a_web_process_is_done_by_one_of_the_workers(cluster, leader, scheme):  # noqa: F811
    _real_password(leader)
    web2 = cluster["webs"]["web2"]
    session = _login(web2, "leader")
    response = session.post(
        f"{web2}{reverse('targets:run_request', args=[scheme.pk])}",
        data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 302
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = ScoringRun.objects.filter(scheme=scheme).order_by("-pk").first()
        if run is not None and run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED):
            break
        time.sleep(1)
    assert run is not None and run.status == RunStatus.SUCCEEDED, run and run.error
    logs = "".join((cluster["logs"] / f"worker{n}.log").read_text() for n in (1, 2))
    assert "compute_scores" in logs  # done by a worker process, not inline in the web process
