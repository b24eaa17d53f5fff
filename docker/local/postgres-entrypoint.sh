#!/usr/bin/env bash
# The part of the official postgres image's entrypoint that docker-compose.yml relies on:
# POSTGRES_USER / POSTGRES_PASSWORD, a cluster created on first start in $PGDATA, the scripts of
# /docker-entrypoint-initdb.d run once against it, then the server in the foreground as `postgres`,
# listening on the container's network with password (scram) authentication.
set -euo pipefail
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
POSTGRES_USER="${POSTGRES_USER:-postgres}"
export POSTGRES_USER

if [[ "$(id -u)" == 0 ]]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-host=scram-sha-256 --auth-local=trust \
    --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  printf "host all all all scram-sha-256\n" >>"$PGDATA/pg_hba.conf"
  # Init scripts run against a server reachable on the Unix socket only.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -k /var/run/postgresql" -w start >/dev/null
  export PGHOST=/var/run/postgresql
  for script in /docker-entrypoint-initdb.d/*; do
    case "$script" in
      *.sh) echo "init: $script"; bash "$script" ;;
      *.sql) echo "init: $script"; psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" -d postgres -f "$script" ;;
      *) ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  unset PGHOST
  echo "init: cluster ready in $PGDATA"
fi

if [[ "${1:-}" == postgres ]]; then
  shift
  exec postgres -D "$PGDATA" -c listen_addresses='*' -k /var/run/postgresql "$@"
fi
exec "$@"
