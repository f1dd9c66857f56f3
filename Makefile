# 生态环境工作调度平台 — the two commands of the README, and a few helpers.
#   make run    fresh clone → venv, install, migrate, seed the demo, serve at http://127.0.0.1:8000
#   make test   install what the tests need (incl. PostgreSQL/Redis up, Chromium) → whole suite
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | md5sum | cut -c1-12)

# Tests run against real PostgreSQL and Redis unless told otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/eco_platform
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: run install test lint check bench worker beat messages clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools
	$(PY) -m pip install --quiet ".[test]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

.demo-password:
	@$(PY) -c "import secrets; print('Eco-' + secrets.token_urlsafe(9))" > .demo-password

run: install .demo-password
	$(PY) manage.py compilemessages --ignore=.venv -v 0 || true
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --password "$$(cat .demo-password)"
	@echo ""
	@echo "演示站点: http://127.0.0.1:8000   演示账号密码: $$(cat .demo-password)"
	@echo "（领导 leader · 督察员 inspector · 管理员 admin · 区县填报员如 jingyan、muchuan · 部门如 sthjj）"
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	bash scripts/ensure-services.sh
	bash scripts/ensure-browser.sh
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) scripts/ensure_database.py
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} $(MAKE) --no-print-directory check
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} $(PY) -m pytest $(PYTEST_ARGS)

check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/check_local_dates.py
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy

lint: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	bash scripts/ensure-services.sh
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} $(PY) -m bench $(BENCH_ARGS)

worker: install
	$(VENV)/bin/celery -A config worker -l info --concurrency 2

beat: install
	$(VENV)/bin/celery -A config beat -l info

messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
