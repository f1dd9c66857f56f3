"""Security headers and failure pages."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.urls import path, reverse

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_pages_carry_csp_nosniff_and_deny_framing(client, leader):
    client.force_login(leader)
    response = client.get(reverse("home"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def _db_down(request):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


urlpatterns = [path("db-down/", _db_down)]


@override_settings(ROOT_URLCONF=__name__)
def test_database_down_gives_a_clear_503_not_a_traceback(client):
    client.raise_request_exception = False
    response = client.get("/db-down/")
    assert response.status_code == 503
    body = response.content.decode()
    assert "数据库暂时不可用" in body and "Traceback" not in body and "5432" not in body


def test_deploy_check_is_clean_with_production_settings():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DEBUG="0", SECRET_KEY="k" * 64 + "-Production-Only-9f8e7d", ALLOWED_HOSTS="eco.example.gov.cn")
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
