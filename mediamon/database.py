"""Where the database is, and connections to it.

One setting decides: ``MEDIAMON_DATABASE_URL``. When it is unset, mediamon starts (or reuses) an
embedded PostgreSQL 16 from the ``pgserver`` wheel, with its data in ``.local/pg``. pgserver runs
as root, listens on a Unix socket only, and keeps running after the command that started it, so
every later command (and Airflow) finds the same server.

pgserver initialises its cluster with ``trust`` for everyone, so a login's password was never
checked: an analyst account (``GRANT mediamon_analyst TO alice``) needed none, and any role name
got in. :func:`secure_embedded_auth` replaces that with :data:`EMBEDDED_PG_HBA` — only the
local superuser ``postgres`` over the Unix socket is trusted (it is how mediamon itself connects;
the socket lives in the git-ignored ``.local/pg``), every other role must give its password
(``scram-sha-256``) — and reloads the server when the file changed.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg

from mediamon import settings

log = logging.getLogger(__name__)

_announced = False


def embedded_data_dir() -> Path:
    return settings.local_dir() / "pg"


def start_embedded() -> str:
    """Start the embedded PostgreSQL unless it already runs; return its URL."""
    import warnings

    with warnings.catch_warnings():  # pgserver's platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pgserver  # heavy and only needed for the embedded default
    logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs every handle at INFO

    data_dir = embedded_data_dir()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    url = server.get_uri()
    secure_embedded_auth(data_dir, url)
    return url


EMBEDDED_PG_HBA = """\
# Written by mediamon (mediamon/database.py): only the local superuser is trusted, over the Unix
# socket; every other role authenticates with its password. Rewritten at every start.
# TYPE  DATABASE        USER            ADDRESS                 METHOD
local   all             postgres                                trust
local   all             all                                     scram-sha-256
host    all             all             127.0.0.1/32            scram-sha-256
host    all             all             ::1/128                 scram-sha-256
local   replication     postgres                                trust
"""


def secure_embedded_auth(data_dir: Path, url: str) -> bool:
    """Make the embedded server check passwords (see the module docstring); return True when the
    file had to be changed (and the server was told to reload it)."""
    hba = data_dir / "pg_hba.conf"
    if hba.read_text() == EMBEDDED_PG_HBA:
        return False
    with hba.open("w") as handle:  # in place: the server's user keeps owning the file
        handle.write(EMBEDDED_PG_HBA)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_reload_conf()")
    log.info("embedded PostgreSQL: pg_hba.conf now requires passwords for every role but postgres")
    return True


def stop_embedded(timeout_s: float = 30.0) -> bool:
    """Stop the embedded PostgreSQL (fast shutdown); return False when it was not running."""
    import os
    import signal
    import time

    pid_file = embedded_data_dir() / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown: roll back sessions, stop cleanly
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout_s
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return True


def database_url() -> str:
    """The URL every command uses: the environment's, else the embedded server's (started on demand)."""
    global _announced
    url = settings.database_url_from_env()
    if url is None:
        url = start_embedded()
        if not _announced:
            print(f"mediamon: using embedded PostgreSQL at {url} (set MEDIAMON_DATABASE_URL to use another)",
                  file=sys.stderr)
            _announced = True
    return url


def with_database(url: str, dbname: str) -> str:
    """The same server URL pointing at another database name."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(dbname), parts.query, parts.fragment))


def database_name(url: str) -> str:
    return psycopg.conninfo.conninfo_to_dict(url).get("dbname") or "postgres"


@contextmanager
def connect(url: str | None = None, *, autocommit: bool = False) -> Iterator[psycopg.Connection]:
    """A psycopg 3 connection that commits on success and rolls back on error."""
    with psycopg.connect(url or database_url(), autocommit=autocommit) as conn:
        yield conn


def create_database(server_url: str, dbname: str, *, template: str | None = None) -> str:
    """Create a database on the server at ``server_url`` (if missing) and return its URL."""
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname))
            if template:
                stmt = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(dbname), sql.Identifier(template))
            conn.execute(stmt)
    return with_database(server_url, dbname)


def drop_database(server_url: str, dbname: str) -> None:
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
