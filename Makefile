# Touchflow: `make run` and `make test` are all a newcomer needs (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 8000
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: setup canvas run test test-all lint format messages bench clean

# The canvas (frontend_static/): npm ci when the lock file changed, a Vite build when a source did.
CANVAS := frontend_static
CANVAS_MODULES := $(CANVAS)/node_modules/.package-lock.json
CANVAS_MANIFEST := $(CANVAS)/dist/.vite/manifest.json
CANVAS_SOURCES := $(shell find $(CANVAS)/src -type f) $(CANVAS)/vite.config.ts $(CANVAS)/tsconfig.json

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

setup: $(STAMP)

$(CANVAS_MODULES): $(CANVAS)/package-lock.json
	cd $(CANVAS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CANVAS_MANIFEST): $(CANVAS_MODULES) $(CANVAS_SOURCES)
	cd $(CANVAS) && npm run --silent build -- --logLevel warn

canvas: $(CANVAS_MANIFEST)

run: setup canvas
	$(PY) manage.py migrate --noinput --verbosity 0
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py touchflow_load_demo
	HOST=$(HOST) PORT=$(PORT) PY=$(PY) ./scripts/serve.sh

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The fast tier: everything but tests marked slow. The canvas's own unit tests run under vitest.
test: lint canvas
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	cd $(CANVAS) && npm test --silent
	$(PY) -m pytest -m "not slow" -n $(PYTEST_WORKERS)

# Everything, including the slow tier, on SQLite and then again on PostgreSQL.
test-all: lint canvas
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	cd $(CANVAS) && npm test --silent
	$(PY) -m pytest -n $(PYTEST_WORKERS)
	DATABASE_URL=$(POSTGRES_URL) $(PY) -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

# Translations (core/locale): re-extract the admin's and the canvas's strings, keep existing
# translations, compile the .mo files and list what still needs translating. Needs gettext.
messages: setup
	$(PY) manage.py touchflow_messages

# Benchmarks print figures as ratios measured in one run; the last line is JSON merging them.
# BENCH_ARGS goes to bench/engine.py, e.g. BENCH_ARGS=--quick or BENCH_ARGS="--n 20000".
BENCH_ARGS ?=
bench: setup canvas
	$(PY) bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache $(CANVAS)/node_modules $(CANVAS)/dist
