"""/healthz and `manage.py healthcheck`: database, Redis, worker heartbeat; reachable whatever ALLOWED_HOSTS says."""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from tracker import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.delete(health.HEARTBEAT_KEY)
    yield
    cache.delete(health.HEARTBEAT_KEY)


def test_healthz_answers_127_0_0_1_when_allowed_hosts_is_the_public_name(client, settings):
    settings.ALLOWED_HOSTS = ["eco.example.gov.cn"]  # compose: the name people type, not the probe's address
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400  # everything else still checks Host


def test_healthz_reports_database_redis_and_heartbeat_age(client, settings):
    health.heartbeat_record()
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["redis"] == ("ok" if settings.REDIS_URL else "not configured")
    assert body["worker"] == "ok" and 0 <= body["worker_heartbeat_age_seconds"] <= 5


def test_healthz_says_unknown_before_any_heartbeat_and_stale_when_old(client, settings):
    assert client.get("/healthz").json()["worker"] == "unknown"
    cache.set(health.HEARTBEAT_KEY, {"at": time.time() - 1000, "worker": "w1"}, None)
    settings.HEALTH_HEARTBEAT_MAX_AGE = 300
    body = client.get("/healthz").json()
    assert body["worker"] == "stale" and body["worker_heartbeat_age_seconds"] >= 1000
    assert body["status"] == "ok"  # a stale worker does not make web unhealthy


def test_healthz_is_503_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["redis"] == "unavailable"


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    from django.db import OperationalError, connection

    def dead(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", dead)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "unavailable"


def test_the_heartbeat_task_records_the_time():
    from config.celery import heartbeat

    heartbeat.apply()
    assert health.heartbeat_age() is not None and health.heartbeat_age() < 5


def test_healthcheck_command_requires_a_fresh_heartbeat_when_asked(capsys):
    call_command("healthcheck")  # no heartbeat needed without the option
    assert json.loads(capsys.readouterr().out)["database"] == "ok"
    with pytest.raises(CommandError, match="heartbeat"):
        call_command("healthcheck", "--max-heartbeat-age", "300")
    health.heartbeat_record()
    call_command("healthcheck", "--max-heartbeat-age", "300")
