"""The embedded PostgreSQL checks passwords for every role but the local superuser (issue 12).

pgserver creates its cluster with ``trust`` for everyone: an analyst login got in with a wrong
password or none. ``mediamon.database`` rewrites ``pg_hba.conf`` at start; this test logs in as a
real role over the real socket. Skipped against an external server (its authentication is its
administrator's business).
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from mediamon import database, settings

pytestmark = pytest.mark.skipif(settings.database_url_from_env() is not None,
                                reason="the embedded server only: an external server has its own pg_hba.conf")


def test_a_login_role_needs_its_password_and_the_local_superuser_does_not(conn: psycopg.Connection,
                                                                         db_url: str) -> None:
    login, password = f"alice_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    conn.execute(f"CREATE ROLE {login} LOGIN PASSWORD '{password}'")
    try:
        params = conninfo_to_dict(db_url)

        def connect_as(**extra: str) -> psycopg.Connection:
            return psycopg.connect(make_conninfo(**{**params, "user": login, **extra}), connect_timeout=10)

        for wrong in ({"password": "wrong"}, {"password": ""}, {}):
            with pytest.raises(psycopg.OperationalError, match="password"):
                connect_as(**wrong).close()
        with connect_as(password=password) as session:
            assert session.execute("SELECT current_user").fetchone()[0] == login
        method = conn.execute("SELECT auth_method FROM pg_hba_file_rules "
                              "WHERE type = 'local' AND 'all' = ANY(user_name)").fetchone()[0]
        assert method == "scram-sha-256"
        with psycopg.connect(db_url) as superuser:  # mediamon's own connections: no password
            assert superuser.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
    finally:
        conn.execute(f"DROP ROLE {login}")


def test_the_written_rules_trust_only_the_superuser() -> None:
    rules = [line.split() for line in database.EMBEDDED_PG_HBA.splitlines() if line and not line.startswith("#")]
    assert [r for r in rules if r[-1] == "trust"] == [["local", "all", "postgres", "trust"],
                                                       ["local", "replication", "postgres", "trust"]]
    assert all(r[-1] == "scram-sha-256" for r in rules if r[2] != "postgres")
