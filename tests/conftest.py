"""Standard actors: officials of unit A and unit B, a department official, a leader, an inspector, an admin.

Every permission test uses them.
"""

import datetime

import pytest
import time_machine

from tests.clocks import CLOCKS
from tests.factories import UnitFactory, UserFactory
from tracker.choices import Role, UnitKind


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        default=None,
        help="start the whole run at this moment (ISO 8601 with offset, e.g. 2026-06-16T00:30+08:00); it ticks on",
    )


def pytest_generate_tests(metafunc):
    # A test marked `clock` runs once per Beijing clock time of tests/clocks.py.
    if "_clock" in metafunc.fixturenames and metafunc.definition.get_closest_marker("clock"):
        metafunc.parametrize("_clock", list(CLOCKS.values()), ids=[f"clock-{k}" for k in CLOCKS], indirect=True)


@pytest.fixture(scope="session", autouse=True)
def _session_clock(request):
    start = request.config.getoption("--clock")
    if not start:
        yield None
        return
    with time_machine.travel(datetime.datetime.fromisoformat(start), tick=True):
        yield start


@pytest.fixture(autouse=True)
def _clock(request):
    """The frozen (ticking) moment a `clock`-marked test runs at; None for other tests."""
    moment = getattr(request, "param", None)
    if moment is None:
        yield None
        return
    with time_machine.travel(moment, tick=True):
        yield moment


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: cached parts are keyed by run ids and data versions, and a test
    database created afresh hands out the same ids and versions again, so entries left in Redis by an earlier
    session (or test) could otherwise be read back as this test's."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _site_language():
    """Every test starts in the site's language: a test client request with an English cookie activates English in
    this thread (LocaleMiddleware never deactivates it), which would leak into the next test's direct calls."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_hashing_and_eager_tasks(settings, request):
    # Argon2 is the production hasher (tested on its own); tests create many users, so hash cheaply here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from config.celery import app

    # Tasks run inline unless a test is about the real worker.
    eager = request.node.get_closest_marker("celery_worker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    app.conf.task_eager_propagates = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def unit_a(db):
    return UnitFactory(code="511124", name="井研县", kind=UnitKind.COUNTY)


@pytest.fixture
def unit_b(db):
    return UnitFactory(code="511129", name="沐川县", kind=UnitKind.COUNTY)


@pytest.fixture
def dept_unit(db):
    return UnitFactory(code="D-HJ", name="市生态环境局", kind=UnitKind.DEPARTMENT)


@pytest.fixture
def official_a(unit_a):
    return UserFactory(username="official_a", unit=unit_a, role=Role.COUNTY_OFFICIAL)


@pytest.fixture
def official_b(unit_b):
    return UserFactory(username="official_b", unit=unit_b, role=Role.COUNTY_OFFICIAL)


@pytest.fixture
def dept_official(dept_unit):
    return UserFactory(username="dept_official", unit=dept_unit, role=Role.DEPARTMENT_OFFICIAL)


@pytest.fixture
def leader(db):
    return UserFactory(username="leader", role=Role.LEADER)


@pytest.fixture
def inspector(db):
    return UserFactory(username="inspector", role=Role.INSPECTOR)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN, is_superuser=True)


@pytest.fixture
def actors(official_a, official_b, dept_official, leader, inspector, admin_user):
    return {
        "official_a": official_a,
        "official_b": official_b,
        "dept_official": dept_official,
        "leader": leader,
        "inspector": inspector,
        "admin": admin_user,
    }


@pytest.fixture
def client_for(client):
    """`client_for(user)` → the test client logged in as `user` (None → anonymous)."""

    def _login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _login


@pytest.fixture
def celery_worker_queue(transactional_db, settings):
    """A real Celery worker (subprocess) on Redis, consuming a private queue, reading the test database.

    Yields the queue name; send with `task.apply_async(..., queue=queue)`. Skipped when REDIS_URL is unset.
    Tests using it must be marked `@pytest.mark.celery_worker` (so tasks are not run eagerly).
    """
    import os
    import subprocess
    import sys
    import time
    import uuid
    from pathlib import Path

    from django.db import connection

    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: no broker for a real worker (make test sets it)")
    queue = f"test-{uuid.uuid4().hex[:10]}"
    env = dict(os.environ)
    db = connection.settings_dict
    if db["ENGINE"].endswith("postgresql"):
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    root = Path(__file__).resolve().parents[1]
    log = open(root / "var" / f"worker-{queue}.log", "w") if (root / "var").is_dir() else subprocess.DEVNULL
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "-c",
            "1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
            "-n",
            f"{queue}@%h",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from config.celery import app

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            replies = app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1.0)
            if replies:
                break
            if proc.poll() is not None:
                pytest.fail(f"celery worker exited with {proc.returncode}")
        else:
            pytest.fail("celery worker did not start within 60 s")
        yield queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
