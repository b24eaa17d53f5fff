#!/usr/bin/env bash
# `make compose-smoke`: docker-compose really started on this machine, without an image registry.
#
#  1. the Docker engine answers (started here as `dockerd` when it does not, log in .local/dockerd.log);
#  2. the images exist (docker/local/build-images.sh: Debian packages + the uv.lock wheelhouse);
#  3. for each mode (default "local celery"): `compose up` with docker-compose.local.yml and a throw-away
#     .env (random passwords, ports published on 127.0.0.1 only, news crawls off: no internet here),
#     then checks that the init service exited 0 and migrated the news database, unpauses the DAG, waits
#     for the scheduler's own run of the last complete day on the seeds to succeed, prints every task
#     instance with the host that ran it, and in the celery mode (CeleryExecutor, `--profile celery`,
#     2 workers, one article per entity batch) checks that both worker containers ran entity batches;
#  4. `compose down -v` (also on failure; KEEP=1 keeps the stack for a look).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
MODES="${MODES:-local celery}"
TIMEOUT="${TIMEOUT:-900}"
say() { printf 'compose-smoke: %s\n' "$*" >&2; }
die() { printf 'compose-smoke: error: %s\n' "$*" >&2; exit 1; }

if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || die "no Docker engine: apt-get install docker.io"
  mkdir -p .local
  say "starting dockerd (log: .local/dockerd.log)"
  nohup dockerd >.local/dockerd.log 2>&1 &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || die "dockerd did not start, see .local/dockerd.log"
fi
if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose)
elif command -v docker-compose >/dev/null; then COMPOSE=(docker-compose)
else die "neither 'docker compose' nor docker-compose: apt-get install docker-compose"; fi

bash docker/local/build-images.sh

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
secret() { python3 -c 'import secrets; print(secrets.token_urlsafe(24))'; }

dc=()
CURRENT_ENV=""
# Stop and remove the stack of the current mode (volumes included), on success and on failure.
cleanup() {
  [[ -n "$CURRENT_ENV" ]] || return 0
  if [[ "${KEEP:-0}" == 1 ]]; then say "KEEP=1: left it running (${dc[*]} down -v)"; else
    "${dc[@]}" down -v --remove-orphans >/dev/null 2>&1 || true; rm -f "$CURRENT_ENV"; fi
  CURRENT_ENV=""
}
trap cleanup EXIT

run_mode() {
  local mode="$1" project="mediamon-smoke-$1" envfile
  envfile="$(mktemp)"
  local executor=LocalExecutor profile=() batch=200
  if [[ "$mode" == celery ]]; then executor=CeleryExecutor; profile=(--profile celery); batch=1; fi
  cat >"$envfile" <<ENV
POSTGRES_PASSWORD=$(secret)
POSTGRES_PORT=127.0.0.1:$(free_port)
MEDIAMON_DB_PASSWORD=$(secret)
AIRFLOW_DB_PASSWORD=$(secret)
AIRFLOW_ADMIN_PASSWORD=$(secret)
AIRFLOW_JWT_SECRET=$(secret)
AIRFLOW_PORT=127.0.0.1:$(free_port)
AIRFLOW_EXECUTOR=$executor
MEDIAMON_CRAWL_NEWS=0
MEDIAMON_CRAWL_SEEDS=1
MEDIAMON_ENTITY_BATCH_SIZE=$batch
ENV
  dc=("${COMPOSE[@]}" -p "$project" --env-file "$envfile" -f docker-compose.yml -f docker-compose.local.yml
      ${profile[@]+"${profile[@]}"})
  CURRENT_ENV="$envfile"
  local started=$SECONDS
  say "[$mode] up ($executor)"
  local scale=()
  [[ "$mode" == celery ]] && scale=(--scale airflow-worker=2)
  if ! "${dc[@]}" up -d ${scale[@]+"${scale[@]}"} >/dev/null; then
    "${dc[@]}" logs --tail 60 airflow-init postgres >&2 || true
    die "[$mode] compose up failed"
  fi
  # The init service: exit code 0, and the news database migrated.
  local init_id code
  init_id="$("${dc[@]}" ps -q airflow-init)"
  code="$(docker wait "$init_id")"
  [[ "$code" == 0 ]] || { docker logs "$init_id" | tail -30; die "[$mode] airflow-init exited with $code"; }
  local migrated
  migrated="$("${dc[@]}" exec -T postgres psql -U postgres -d mediamon -Atc 'SELECT count(*) FROM ops.schema_migrations')"
  say "[$mode] init done in $((SECONDS - started)) s: $migrated migrations applied to the news database"
  # The scheduler's own run of the last complete day, once the DAG processor has parsed the DAG.
  for _ in $(seq 60); do
    "${dc[@]}" exec -T airflow-scheduler airflow dags unpause media_monitoring >/dev/null 2>&1 && break
    sleep 5
  done
  local state="" deadline=$((SECONDS + TIMEOUT)) sql
  sql="SELECT state FROM dag_run WHERE dag_id = 'media_monitoring' ORDER BY id DESC LIMIT 1"
  while (( SECONDS < deadline )); do
    state="$("${dc[@]}" exec -T postgres psql -U postgres -d airflow -Atc "$sql" 2>/dev/null || true)"
    [[ "$state" == success || "$state" == failed ]] && break
    sleep 10
  done
  "${dc[@]}" exec -T postgres psql -U postgres -d airflow -c \
    "SELECT task_id, map_index, state, hostname FROM task_instance WHERE dag_id = 'media_monitoring' ORDER BY 1, 2"
  say "[$mode] DAG run: ${state:-none} after $((SECONDS - started)) s"
  if [[ "$state" != success ]]; then
    "${dc[@]}" logs --tail 40 >&2 || true
    die "[$mode] the scheduled run did not succeed"
  fi
  local articles
  articles="$("${dc[@]}" exec -T postgres psql -U postgres -d mediamon -Atc 'SELECT count(*) FROM core.articles')"
  say "[$mode] core.articles: $articles"
  (( articles > 0 )) || die "[$mode] no article reached core.articles"
  if [[ "$mode" == celery ]]; then
    local hosts
    hosts="$("${dc[@]}" exec -T postgres psql -U postgres -d airflow -Atc \
      "SELECT count(DISTINCT hostname) FROM task_instance WHERE task_id = 'extract_entities' AND state = 'success'")"
    say "[$mode] entity batches ran on $hosts worker containers"
    (( hosts >= 2 )) || die "[$mode] the entity batches did not spread over the 2 workers"
  fi
}

for mode in $MODES; do run_mode "$mode"; cleanup; done
say "passed: $MODES"
