"""The settings module switches on the environment alone."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import database_from_url, env_bool

ROOT = Path(__file__).resolve().parents[2]

PROBE = (
    "import json, django; from django.conf import settings; django.setup();"
    "db = settings.DATABASES['default'];"
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']),"
    "'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'broker': settings.CELERY_BROKER_URL, 'debug': settings.DEBUG,"
    "'lang': settings.LANGUAGE_CODE, 'tz': settings.TIME_ZONE, 'use_tz': settings.USE_TZ,"
    "'hosts': settings.ALLOWED_HOSTS}))"
)


def _settings_with(env: dict) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY"}}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_nothing_set_means_sqlite_eager_debug():
    s = _settings_with({})
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"].endswith("db.sqlite3")
    assert s["eager"] is True
    assert s["debug"] is True
    assert (s["lang"], s["tz"], s["use_tz"]) == ("zh-hans", "Asia/Shanghai", True)


def test_database_and_redis_urls_switch_to_postgres_and_real_broker():
    s = _settings_with({"DATABASE_URL": "postgres://eco:pw@db.internal:5433/eco", "REDIS_URL": "redis://r:6379/2"})
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "eco"
    assert s["eager"] is False
    assert s["broker"] == "redis://r:6379/2"


def test_production_needs_a_secret_key_and_takes_hosts_from_env():
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    clean.update(DEBUG="0", DJANGO_SETTINGS_MODULE="config.settings")
    failed = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert failed.returncode != 0
    assert "SECRET_KEY is required" in failed.stderr
    key = "Zq3-vN8_pL1xR7tY5wK2mB9cD4fG6hJ0sA8eU3iO7yT1rE5wQ9uI2oP4aS6dF8gH"  # 64 characters, many distinct
    s = _settings_with({"DEBUG": "false", "SECRET_KEY": key, "ALLOWED_HOSTS": "eco.example.gov.cn, 10.0.0.5"})
    assert s["debug"] is False
    assert s["hosts"] == ["eco.example.gov.cn", "10.0.0.5"]


def test_postgres_connections_run_without_jit_unless_the_url_says_otherwise():
    # JIT compiles for 100+ ms once a plan's estimate crosses jit_above_cost: too slow for a page
    assert database_from_url("postgres://u@h/db")["OPTIONS"] == {"options": "-c jit=off"}
    assert database_from_url("postgres://u@h/db?options=-c%20jit%3Don")["OPTIONS"] == {"options": "-c jit=on"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p%40ss@h:5432/db", {"USER": "u", "PASSWORD": "p@ss", "HOST": "h", "PORT": "5432", "NAME": "db"}),
        ("postgresql://postgres@127.0.0.1/eco", {"USER": "postgres", "HOST": "127.0.0.1", "PORT": "", "NAME": "eco"}),
        ("sqlite:////tmp/x.db", {"NAME": "/tmp/x.db"}),
        ("sqlite:///rel.db", {"NAME": "rel.db"}),
    ],
)
def test_database_url_parsing(url, expected):
    parsed = database_from_url(url)
    for key, value in expected.items():
        assert parsed[key] == value


@pytest.mark.parametrize("url", ["mysql://u@h/db", "postgres://u@h/"])
def test_unsupported_database_url_fails_loudly(url):
    with pytest.raises(ImproperlyConfigured):
        database_from_url(url)


def test_env_bool_refuses_garbage(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("SOME_FLAG", False)
    monkeypatch.setenv("SOME_FLAG", "off")
    assert env_bool("SOME_FLAG", True) is False


@pytest.mark.parametrize(
    "key",
    [
        "x",
        "x" * 60,  # long but one character
        "short-but-varied-key-123",
        "django-insecure-" + "a1b2c3d4e5" * 6,
        "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz",  # the local default
    ],
)
def test_production_refuses_a_weak_secret_key(key):
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}}
    clean.update(
        DEBUG="0", SECRET_KEY=key, ALLOWED_HOSTS="eco.example.gov.cn", DJANGO_SETTINGS_MODULE="config.settings"
    )
    failed = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True)
    assert failed.returncode != 0
    assert "SECRET_KEY is too weak" in failed.stderr


def test_a_web_process_imports_the_views_and_plotlys_figures_when_it_loads_the_application():
    # given a new interpreter; when it loads the WSGI application, as each gunicorn worker does before it takes a
    # request; then the views (imported lazily by Django, on the first request) and plotly's figure classes (on the
    # first figure) are loaded already: the first leader after a restart does not wait for them
    probe = (
        "import sys, config.wsgi;"
        "print(sorted(m for m in ('targets.dashboards.views', 'tracker.views', 'plotly.graph_objs._bar',"
        "'plotly.graph_objs._scatter') if m not in sys.modules))"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_a_web_process_builds_url_lookups_cache_client_and_dashboard_templates_when_it_loads_the_application():
    # given a new interpreter; when it loads the WSGI application; then what the leaders' dashboard's first request
    # built lazily (~0.3–0.8 s of it on the loaded 2-core machine) is built already: the reverse lookups of each
    # language and namespace, the cache client (and its library), the dashboard's compiled templates, and the
    # objects the loading left are collected and frozen (no full collection inside the first request)
    probe = (
        "import sys, config.wsgi;"
        "from django.conf import settings;"
        "from django.core.cache import caches;"
        "from django.template import engines;"
        "from django.urls import get_resolver;"
        "r = get_resolver();"
        "missing = [c for c, _ in settings.LANGUAGES if c not in r._reverse_dict];"
        "t = r.namespace_dict['targets'][1];"
        "missing += [f'targets:{c}' for c, _ in settings.LANGUAGES if c not in t._reverse_dict];"
        "missing += [a for a in settings.CACHES if '_cache' not in vars(caches[a])];"
        "loader = engines['django'].engine.template_loaders[0];"
        "cached = list(loader.get_template_cache);"
        "missing += [n for n in config.wsgi.WARM_TEMPLATES if not any(k.startswith(n) for k in cached)];"
        "import gc;"
        "missing += [] if gc.get_freeze_count() > 10000 else ['gc.freeze'];"
        "print(missing)"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
