# OrgPortal — the two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint migrate clean-demo

# Extra prerequisites of `make test` (e.g. browser-deps), appended by mk/*.mk.
TEST_DEPS :=
.DEFAULT_GOAL := demo
# More targets (serve, worker, beat, bench, browser-deps, ...) live in mk/*.mk, one file per area.
-include mk/*.mk

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; try 'make PYTHON=python3 ...'"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --no-input -v0

## Install everything, load the demo corps (once) and serve it on http://127.0.0.1:8000
demo: migrate
	$(PY) manage.py load_demo --if-empty
	$(PY) manage.py runserver $(HOST):$(PORT)

## The whole test suite: lint, missing migrations, then pytest (PostgreSQL/Redis if DATABASE_URL/REDIS_URL are set)
test: install $(TEST_DEPS)
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(PY) -m pytest -n 2 --create-db -q -p no:randomly

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean-demo:
	rm -f db.sqlite3
