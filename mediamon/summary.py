"""Row counts per table, before and after a run: the summary ``make run`` prints."""

from __future__ import annotations

import psycopg

LAYERS = ("raw", "core", "mart", "ops")


def table_counts(conn: psycopg.Connection) -> dict[str, int]:
    """Exact row count of every table in the data layers (bookkeeping tables excluded)."""
    tables = conn.execute(
        """
        SELECT n.nspname || '.' || c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p', 'm')
          AND (n.nspname, c.relname) <> ('ops', 'schema_migrations')
        ORDER BY array_position(%s, n.nspname::text), c.relname
        """,
        (list(LAYERS), list(LAYERS)),
    ).fetchall()
    counts: dict[str, int] = {}
    for (table,) in tables:
        schema, name = table.split(".")
        query = psycopg.sql.SQL("SELECT count(*) FROM {}.{}").format(
            psycopg.sql.Identifier(schema), psycopg.sql.Identifier(name))
        counts[table] = conn.execute(query).fetchone()[0]
    return counts


def table_checksums(conn: psycopg.Connection, schemas: tuple[str, ...] = ("raw", "core")) -> dict[str, str]:
    """An md5 over every row of every table of ``schemas``: equal checksums, unchanged contents.

    Reads whole tables (for tests and small databases: ``airflow_tool test --checksums``). Rows
    are compared as their text form, in sorted order, so the physical order does not matter.
    """
    tables = conn.execute(
        """
        SELECT n.nspname, c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'p')
        ORDER BY 1, 2
        """, (list(schemas),)).fetchall()
    checksums: dict[str, str] = {}
    for schema, name in tables:
        query = psycopg.sql.SQL(
            "SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {}.{} AS x").format(
            psycopg.sql.Identifier(schema), psycopg.sql.Identifier(name))
        checksums[f"{schema}.{name}"] = conn.execute(query).fetchone()[0]
    return checksums


def format_counts(before: dict[str, int], after: dict[str, int]) -> str:
    """A small table: rows before, after, and the difference, for each table."""
    width = max((len(t) for t in after), default=10)
    lines = [f"{'table':<{width}}  {'before':>8}  {'after':>8}  {'new':>6}"]
    for table, count in after.items():
        previous = before.get(table, 0)
        lines.append(f"{table:<{width}}  {previous:>8}  {count:>8}  {count - previous:>+6}")
    return "\n".join(lines)
