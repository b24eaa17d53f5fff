#!/usr/bin/env bash
# Every container: derive the Airflow connection mediamon_db from MEDIAMON_DATABASE_URL (one
# setting, no secret in code), then run the given command.
set -euo pipefail
if [[ -z "${AIRFLOW_CONN_MEDIAMON_DB:-}" && -n "${MEDIAMON_DATABASE_URL:-}" ]]; then
  AIRFLOW_CONN_MEDIAMON_DB="$(python -c 'import os; from mediamon.airflow_connection import connection_json; print(connection_json(os.environ["MEDIAMON_DATABASE_URL"]))')"
  export AIRFLOW_CONN_MEDIAMON_DB
fi
exec "$@"
