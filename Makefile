# mediamon: `make run` runs the pipeline on the seeds, `make test` runs the test suite.
# Both create .venv with uv (installing uv with pip when it is missing) and use the embedded
# PostgreSQL in .local/pg unless MEDIAMON_DATABASE_URL is set.

SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
VENV := .venv
PY := $(VENV)/bin/python
MEDIAMON := $(VENV)/bin/mediamon

.PHONY: help env db migrate run airflow airflow-celery celery-smoke redis docker-engine images compose-smoke \
	bench-daily bench-daily-quick test test-extended lint clean

help:
	@echo "make run    - set up, start the database, migrate, run the pipeline on seeds/, print a summary"
	@echo "make airflow - start Airflow (api-server, scheduler, dag-processor) and print the UI address + login"
	@echo "make airflow-celery - the same on the CeleryExecutor: Redis + 2 local Celery workers (WORKERS=n)"
	@echo "make celery-smoke - one scheduled run on scratch databases over 2 Celery workers (~3-4 min)"
	@echo "make compose-smoke - build images from Debian packages, docker compose up, one day, Celery profile"
	@echo "make bench-daily - bench/daily_run.py: N=10000 articles/day for D=3 days through the DAG (N=, D=)"
	@echo "make test   - set up and run the test suite against a real PostgreSQL (extended DAG runs skipped)"
	@echo "make test-extended - the extended whole-DAG runs (partial failure, scheduler, alerts branch); CI runs both"
	@echo "make lint   - ruff"
	@echo "make clean  - stop the embedded database, remove .venv and .local (its data included)"

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen --all-extras --python 3.11
	@touch $@

env: $(VENV)/.synced

db: env
	$(MEDIAMON) db up

migrate: db
	$(MEDIAMON) db migrate

# The Airflow DAG media_monitoring for one day (DAY=YYYY-MM-DD, default yesterday) via dag.test(),
# AIRFLOW_HOME=.local/airflow, metadata in the embedded server's database `airflow`.
run: migrate
	$(MEDIAMON) airflow run $(if $(DAY),--day $(DAY))

# Local Airflow UI on http://localhost:8080 (login printed); Ctrl-C stops it.
airflow: migrate
	$(MEDIAMON) airflow up

# Debian's redis-server, the broker of the Celery executor (a fresh machine lacks it).
redis:
	@command -v redis-server >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server)

# CeleryExecutor: Redis, api-server, scheduler, dag-processor and WORKERS (2) `airflow celery worker`s.
airflow-celery: migrate redis
	$(MEDIAMON) airflow celery --workers $(or $(WORKERS),2)

# A real scheduled run over 2 Celery workers on scratch databases; fails unless both ran entity batches.
celery-smoke: migrate redis
	nice -n 10 $(MEDIAMON) airflow celery --smoke --workers 2

# The Docker engine, docker-compose and debootstrap from Debian; dockerd started when it is not running.
docker-engine:
	@command -v dockerd >/dev/null && command -v debootstrap >/dev/null && command -v docker-compose >/dev/null \
	  || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io docker-compose debootstrap)
	@docker info >/dev/null 2>&1 || (mkdir -p .local && (nohup dockerd > .local/dockerd.log 2>&1 &) \
	  && for i in $$(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done; docker info >/dev/null)

# Images for docker-compose.local.yml, from Debian packages and the uv.lock wheelhouse (no registry).
images: env docker-engine
	bash docker/local/build-images.sh

# docker compose up with the local images: init migrates, the scheduler runs a day, Celery with 2 workers.
compose-smoke: env docker-engine
	bash docker/local/compose-smoke.sh

# The daily run at scale (N articles a day for D days through the real DAG); --quick: N=300, D=2.
bench-daily: migrate
	nice -n 10 $(PY) bench/daily_run.py -n $(or $(N),10000) -d $(or $(D),3) $(if $(WRITE),--write docs/benchmarks.md)

bench-daily-quick: migrate
	nice -n 10 $(PY) bench/daily_run.py --quick

# The suite without the `extended` DAG runs (~9 min on 2 idle cores); test-extended runs those (~4 min).
test: env
	$(VENV)/bin/pytest -m "not extended" $(PYTEST_ARGS)

test-extended: env
	$(VENV)/bin/pytest -m extended $(PYTEST_ARGS)

lint: env
	$(VENV)/bin/ruff check .

clean:
	-@[ -x $(MEDIAMON) ] && $(MEDIAMON) db down
	rm -rf $(VENV) .local
