"""The mediamon_analyst role reads mart and core, writes nothing, and cannot see raw or ops.

The test connects as the superuser and switches with SET ROLE, which drops the superuser's rights:
every privilege check below is the one an analyst login (GRANT mediamon_analyst TO alice) gets.
"""

from __future__ import annotations

import psycopg
import pytest
from helpers_quality import plant_world

from transforms import marts


@pytest.fixture()
def analyst(conn: psycopg.Connection, db_url: str):
    plant_world(conn)
    marts.refresh(conn, allow_unchecked=True)
    with psycopg.connect(db_url, autocommit=True) as session:
        session.execute("SET ROLE mediamon_analyst")
        yield session


def test_analyst_can_select_every_mart_view_and_core_table(analyst: psycopg.Connection) -> None:
    for view in marts.MART_VIEWS:
        analyst.execute(f"SELECT count(*) FROM {view}").fetchone()
    assert analyst.execute("SELECT count(*) FROM mart.articles").fetchone()[0] == 5
    assert analyst.execute("SELECT count(*) FROM core.articles").fetchone()[0] == 5


@pytest.mark.parametrize("statement", [
    "INSERT INTO mart.articles (article_id) VALUES (1)",
    "UPDATE core.articles SET title = 'x'",
    "DELETE FROM core.mentions",
    "INSERT INTO core.entities (canonical_name, type) VALUES ('x', 'PER')",
    "REFRESH MATERIALIZED VIEW mart.articles",
    "CREATE TABLE mart.scratch (x int)",
    "CREATE TABLE core.scratch (x int)",
    "TRUNCATE core.quotes",
])
def test_analyst_cannot_write(analyst: psycopg.Connection, statement: str) -> None:
    with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectNotInPrerequisiteState,
                        psycopg.errors.WrongObjectType)):
        analyst.execute(statement)


@pytest.mark.parametrize("table", ["raw.articles", "ops.quarantine", "ops.dq_results", "ops.crawl_runs",
                                   "ops.quality_quarantined_rows"])
def test_analyst_cannot_read_raw_or_ops(analyst: psycopg.Connection, table: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        analyst.execute(f"SELECT 1 FROM {table} LIMIT 1")


def test_analyst_role_cannot_log_in_or_escalate(conn: psycopg.Connection) -> None:
    row = conn.execute("SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles "
                       "WHERE rolname = 'mediamon_analyst'").fetchone()
    assert row == (False, False, False, False)


def test_an_analyst_login_granted_the_role_reads_mart_and_not_raw(conn: psycopg.Connection, db_url: str) -> None:
    import uuid

    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    plant_world(conn)
    marts.refresh(conn, allow_unchecked=True)
    login = f"analyst_{uuid.uuid4().hex[:8]}"  # roles are cluster-wide: a unique name, dropped below
    password = uuid.uuid4().hex  # servers that authenticate local TCP logins by password need one
    conn.execute(f"CREATE ROLE {login} LOGIN PASSWORD '{password}'")
    try:
        conn.execute(f"GRANT mediamon_analyst TO {login}")
        params = conninfo_to_dict(db_url)
        params.update(user=login, password=password)
        with psycopg.connect(make_conninfo(**params), autocommit=True) as session:
            assert session.execute("SELECT count(*) FROM mart.story_timeline").fetchone()[0] == 2
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                session.execute("SELECT 1 FROM raw.articles")
    finally:
        conn.execute(f"DROP ROLE {login}")
