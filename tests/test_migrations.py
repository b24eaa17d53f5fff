"""Migrations: applied in order, once each, recorded; a second apply is a no-op."""

from __future__ import annotations

import psycopg
import pytest

from mediamon import migrations


def test_applying_migrations_twice_is_a_noop(db_url: str) -> None:
    # The fixture database is already migrated: applying again applies nothing and changes nothing.
    with psycopg.connect(db_url) as conn:
        before = conn.execute("SELECT version, checksum, applied_at FROM ops.schema_migrations").fetchall()
    assert migrations.apply_all(db_url) == []
    with psycopg.connect(db_url) as conn:
        after = conn.execute("SELECT version, checksum, applied_at FROM ops.schema_migrations").fetchall()
    assert before == after
    assert [row[0] for row in after] == [m.version for m in migrations.discover()]


def test_fresh_database_gets_every_layer(server_url: str) -> None:
    from mediamon import database

    url = database.create_database(server_url, "mediamon_test_fresh_layers")
    try:
        applied = migrations.apply_all(url)
        assert [m.version for m in applied] == [m.version for m in migrations.discover()]
        with psycopg.connect(url) as conn:
            schemas = {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace")}
        assert {"raw", "core", "mart", "ops"} <= schemas
    finally:
        database.drop_database(server_url, "mediamon_test_fresh_layers")


def test_every_table_and_column_has_a_comment(conn: psycopg.Connection) -> None:
    missing = conn.execute(
        """
        SELECT c.table_schema || '.' || c.table_name || '.' || c.column_name
        FROM information_schema.columns c
        JOIN pg_class t ON t.relname = c.table_name
        JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = c.table_schema
        WHERE c.table_schema IN ('raw', 'core', 'mart', 'ops')
          AND col_description(t.oid, c.ordinal_position) IS NULL
        UNION ALL
        SELECT n.nspname || '.' || t.relname
        FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname IN ('raw', 'core', 'mart', 'ops') AND t.relkind IN ('r', 'v', 'm', 'p')
          AND obj_description(t.oid, 'pg_class') IS NULL
        """
    ).fetchall()
    assert missing == []


def test_edited_migration_is_reported_not_ignored(db_url: str, tmp_path) -> None:
    for migration in migrations.discover():
        (tmp_path / migration.path.name).write_bytes(migration.path.read_bytes())
    first = sorted(tmp_path.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\n")
    with pytest.raises(migrations.MigrationError, match="changed after it was applied"):
        migrations.apply_all(db_url, tmp_path)


def test_badly_named_migration_is_refused(tmp_path) -> None:
    (tmp_path / "1_oops.sql").write_text("SELECT 1;")
    with pytest.raises(migrations.MigrationError, match="NNNN_lower_snake"):
        migrations.discover(tmp_path)
