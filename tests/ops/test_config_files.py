"""The files that configure a deployment agree with the code: .env.example, docker-compose.yml, .dockerignore."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Variables of the compose stack itself (the db container's), not read by the settings.
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}


def settings_variables() -> set[str]:
    """Every environment variable config/settings.py reads (env_str/env_bool/env_int/env_list/os.environ.get)."""
    source = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    helpers = re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', source)
    direct = re.findall(r'os\.environ\.get\(\s*"([A-Z0-9_]+)"', source)
    return set(helpers) | set(direct)


def example_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_settings_reads_something():
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "AXES_PROXY_COUNT"} <= settings_variables()


def test_env_example_documents_every_variable_the_settings_read():
    missing = settings_variables() - example_variables()
    assert not missing, f".env.example lacks {sorted(missing)}"


def test_env_example_names_nothing_the_settings_do_not_read():
    unknown = example_variables() - settings_variables() - COMPOSE_ONLY
    assert not unknown, f".env.example documents variables nobody reads: {sorted(unknown)}"


def _compose_text() -> str:
    return (ROOT / "docker-compose.yml").read_text(encoding="utf-8")


def _service_block(name: str) -> str:
    text = _compose_text()
    match = re.search(rf"^  {name}:\n((?:    .*\n|\n)+)", text, flags=re.MULTILINE)
    assert match, f"service {name} not found"
    return match.group(1)


def test_compose_passes_the_env_file_to_the_app_containers():
    assert re.search(r"^  env_file:\n    - \.env$", _compose_text(), flags=re.MULTILINE)


@pytest.mark.parametrize("service", ["web", "worker", "beat", "db", "redis"])
def test_every_long_running_service_has_a_health_check(service):
    assert "healthcheck:" in _service_block(service)


def test_the_web_health_check_probes_healthz_and_checks_the_status():
    block = _service_block("web")
    assert "http://127.0.0.1:8000/healthz" in block and "status != 200" in block


def test_the_beat_health_check_uses_a_command_that_exists():
    block = _service_block("beat")
    assert 'manage.py", "healthcheck"' in block and "--max-heartbeat-age" in block
    assert (ROOT / "tracker" / "management" / "commands" / "healthcheck.py").exists()


def test_the_worker_name_matches_its_health_check():
    block = _service_block("worker")
    assert "-n worker@%h" in block and "-d worker@$$HOSTNAME" in block


def test_compose_environment_only_sets_variables_the_settings_read():
    anchor = re.search(r"environment: &app-env\n((?:    [A-Z_]+: .*\n)+)", _compose_text())
    names = set(re.findall(r"^    ([A-Z_]+):", anchor.group(1), flags=re.MULTILINE))
    assert names and names <= settings_variables()


@pytest.mark.parametrize("secret", [".env", ".demo-password", ".venv/", "db.sqlite3", "var/", ".git/"])
def test_dockerignore_keeps_local_and_secret_files_out_of_the_image(secret):
    lines = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert secret in lines
