#!/usr/bin/env bash
# Runs once, when the postgres volume is empty: the news data and Airflow's metadata live in
# separate databases, each owned by its own role. `mediamon` may create roles (CREATEROLE, no
# superuser): migration 0042 creates the read-only `mediamon_analyst` role analysts log in through.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v mediamon_password="$MEDIAMON_DB_PASSWORD" -v airflow_password="$AIRFLOW_DB_PASSWORD" <<'SQL'
CREATE ROLE mediamon LOGIN CREATEROLE PASSWORD :'mediamon_password';
CREATE DATABASE mediamon OWNER mediamon;
CREATE ROLE airflow LOGIN PASSWORD :'airflow_password';
CREATE DATABASE airflow OWNER airflow;
SQL
