"""Run records that cannot lie about being ``running``: ``ops.crawl_runs`` and ``ops.stage_runs``.

A run's row is written and later closed through one connection that stays open for the whole
run. The row remembers that connection's PostgreSQL backend (pid and start time). When the
process is killed (``kill -9``, OOM, a lost machine), the server drops the backend; the next run
then finds a ``running`` row whose backend is gone and marks it ``abandoned``. No timeout to
tune: a crawl that legitimately runs for hours keeps its backend and is never touched.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

#: The run-log tables swept.
RUN_TABLES = ("ops.crawl_runs", "ops.stage_runs")

#: SQL expression for the two columns that identify this connection's backend.
BACKEND_COLUMNS = "backend_pid, backend_started_at"
BACKEND_VALUES = "pg_backend_pid(), (SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())"


def abandon_stale(conn: psycopg.Connection, table: str) -> int:
    """Mark ``abandoned`` every ``running`` row of ``table`` whose backend has disconnected;
    return how many. Rows without a recorded backend (older rows, writers that do not record it)
    are left alone."""
    if table not in RUN_TABLES:
        raise ValueError(f"{table} is not a run-log table")
    schema, name = table.split(".")
    finished_note = (sql.SQL(", stats = r.stats || jsonb_build_object('abandoned', true)")
                     if name == "crawl_runs" else
                     sql.SQL(", error = 'abandoned: the process running the stage died before it finished'"))
    query = sql.SQL("""
        UPDATE {table} AS r SET status = 'abandoned', finished_at = now(){note}
        WHERE r.status = 'running' AND r.backend_pid IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM pg_stat_activity AS a
                          WHERE a.pid = r.backend_pid AND a.backend_start = r.backend_started_at)
        """).format(table=sql.Identifier(schema, name), note=finished_note)
    return conn.execute(query).rowcount
