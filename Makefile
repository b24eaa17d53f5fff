# mediamon: `make run` runs the pipeline on the seeds, `make test` runs the test suite.
# Both create .venv with uv (installing uv with pip when it is missing) and use the embedded
# PostgreSQL in .local/pg unless MEDIAMON_DATABASE_URL is set.

SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
VENV := .venv
PY := $(VENV)/bin/python
MEDIAMON := $(VENV)/bin/mediamon

.PHONY: help env db migrate run test lint clean

help:
	@echo "make run    - set up, start the database, migrate, run the pipeline on seeds/, print a summary"
	@echo "make test   - set up and run the test suite against a real PostgreSQL"
	@echo "make lint   - ruff"
	@echo "make clean  - stop the embedded database, remove .venv and .local (its data included)"

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --python 3.11
	@touch $@

env: $(VENV)/.synced

db: env
	$(MEDIAMON) db up

migrate: db
	$(MEDIAMON) db migrate

run: migrate
	$(MEDIAMON) run

test: env
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: env
	$(VENV)/bin/ruff check .

clean:
	-@[ -x $(MEDIAMON) ] && $(MEDIAMON) db down
	rm -rf $(VENV) .local
