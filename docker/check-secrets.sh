#!/usr/bin/env bash
# Refuse to start with the placeholder or well-known secrets of .env.example, then run the command.
# Used as the entrypoint wrapper of every service (PostgreSQL included), so `cp .env.example .env`
# followed by `docker compose up` stops with a clear message instead of serving a database and a UI
# whose passwords are printed in the repository.
set -euo pipefail
weak='^(change-me.*|admin|airflow|postgres|mediamon|password|secret|)$'
problems=()
for name in POSTGRES_PASSWORD MEDIAMON_DB_PASSWORD AIRFLOW_DB_PASSWORD AIRFLOW_ADMIN_PASSWORD \
            AIRFLOW_JWT_SECRET AIRFLOW__API_AUTH__JWT_SECRET; do
  if [[ -v $name ]]; then
    value="${!name}"
    if [[ "$value" =~ $weak ]]; then
      problems+=("$name is a placeholder or a well-known value")
    elif (( ${#value} < 12 )); then
      problems+=("$name is shorter than 12 characters")
    fi
  fi
done
# Passwords that only reach a container inside a connection URL.
for name in MEDIAMON_DATABASE_URL AIRFLOW__DATABASE__SQL_ALCHEMY_CONN AIRFLOW__CELERY__RESULT_BACKEND; do
  if [[ -v $name && "${!name}" == *change-me* ]]; then
    problems+=("$name contains a change-me placeholder password")
  fi
done
if (( ${#problems[@]} )); then
  for problem in "${problems[@]}"; do
    echo "mediamon: error: $problem; set a real secret in .env" >&2
  done
  echo "mediamon: error: refusing to start (generate secrets with: python -c \"import secrets; print(secrets.token_urlsafe(32))\")" >&2
  exit 78  # EX_CONFIG
fi
exec "$@"
