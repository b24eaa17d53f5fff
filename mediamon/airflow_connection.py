"""The Airflow connection ``mediamon_db``: its JSON form, and the libpq/SQLAlchemy URLs made from it.

Why a JSON connection: the embedded PostgreSQL listens on a Unix socket only, so its URL is
``postgresql://postgres:@/dbname?host=/path/to/socketdir``. Airflow's URI form puts the host in
the authority part, where a socket path does not fit, and drops the ``host=`` query parameter into
``extra``. The JSON form (``{"conn_type": "postgres", "host": "/path/to/socketdir", ...}``) keeps
every libpq field where it belongs, and libpq accepts a directory as ``host``.

Nothing here imports Airflow at module level: the CLI uses these helpers before Airflow is configured.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import psycopg

CONN_ID = "mediamon_db"
CONN_ENV = "AIRFLOW_CONN_MEDIAMON_DB"

# libpq keys that may travel in a connection's ``extra`` (sslmode and friends); anything else in
# extra (Airflow's own options) is not passed to psycopg.
_LIBPQ_EXTRA_KEYS = frozenset({
    "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name",
    "options", "target_session_attrs", "gssencmode", "channel_binding", "keepalives",
})



def connection_json(url: str) -> str:
    """The value of ``AIRFLOW_CONN_MEDIAMON_DB`` for a libpq URL (TCP or Unix socket)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    conn: dict[str, Any] = {"conn_type": "postgres"}
    if info.get("host"):
        conn["host"] = info["host"]
    if info.get("port"):
        conn["port"] = int(info["port"])
    if info.get("user"):
        conn["login"] = info["user"]
    if info.get("password"):
        conn["password"] = info["password"]
    conn["schema"] = info.get("dbname") or "postgres"
    extra = {k: v for k, v in info.items() if k in _LIBPQ_EXTRA_KEYS}
    if extra:
        conn["extra"] = extra
    return json.dumps(conn)


def url_from_fields(*, host: str | None, port: int | None, login: str | None,
                    password: str | None, schema: str | None,
                    extra: Mapping[str, Any] | None = None) -> str:
    """A libpq URL from the fields of an Airflow connection (a Unix-socket host goes in ``?host=``).

    A URL rather than a ``key=value`` string because every consumer takes one: psycopg, the
    spiders' ``MEDIAMON_DATABASE_URL``, and great-expectations (through SQLAlchemy).
    """
    from urllib.parse import quote, urlencode

    auth = quote(login or "postgres", safe="")
    if password:
        auth += ":" + quote(password, safe="")
    query: dict[str, str] = {}
    netloc = auth + "@"
    if host and host.startswith("/"):
        query["host"] = host
        if port:
            query["port"] = str(port)
    elif host:
        netloc += host + (f":{port}" if port else "")
    query.update({k: str(v) for k, v in (extra or {}).items() if k in _LIBPQ_EXTRA_KEYS})
    dbname = quote(schema or "postgres", safe="")
    return f"postgresql://{netloc}/{dbname}" + (f"?{urlencode(query)}" if query else "")


def mediamon_database_url() -> str:
    """The news database, as the Airflow connection ``mediamon_db`` describes it (inside a task)."""
    from airflow.sdk import Connection

    conn = Connection.get(CONN_ID)
    return url_from_fields(host=conn.host, port=conn.port, login=conn.login,
                                password=conn.password, schema=conn.schema, extra=conn.extra_dejson)


def sqlalchemy_url(libpq_url: str) -> str:
    """A SQLAlchemy URL (psycopg 3 driver) for a libpq URL, Unix-socket URLs included."""
    info = psycopg.conninfo.conninfo_to_dict(libpq_url)
    from urllib.parse import quote, urlencode

    auth = quote(info.get("user") or "postgres", safe="")
    if info.get("password"):
        auth += ":" + quote(info["password"], safe="")
    host = info.get("host") or ""
    query: dict[str, str] = {}
    netloc = auth + "@"
    if host.startswith("/"):
        query["host"] = host
    else:
        netloc += host + (f":{info['port']}" if info.get("port") else "")
    query.update({k: str(v) for k, v in info.items() if k in _LIBPQ_EXTRA_KEYS})
    dbname = quote(info.get("dbname") or "postgres", safe="")
    return f"postgresql+psycopg://{netloc}/{dbname}" + (f"?{urlencode(query)}" if query else "")
