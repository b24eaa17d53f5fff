"""Stage-run records (``ops.stage_runs``) and the batching of mapped stage tasks.

Used by the DAG's tasks (imported inside them, so parsing the DAG needs no psycopg).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date
from typing import Any

import psycopg
from psycopg.types.json import Jsonb


def run_stage(conninfo: str, stage: str, logical_date: date | None,
              work: Callable[[psycopg.Connection], dict[str, Any]],
              *, transform_version: str | None = None, autocommit: bool = False) -> dict[str, Any]:
    """Run one stage function on its own connection and record it in ``ops.stage_runs``.

    The record is written on a separate autocommit connection, so a stage that fails still leaves
    a ``failed`` row with its error. With ``autocommit=False`` the stage runs in one transaction,
    rolled back on failure; ``autocommit=True`` is for stages that commit their own batches
    (``with conn.transaction()``), so a failure keeps the finished batches and a retry goes on
    from there. ``ops.stage_runs`` is a run log: every attempt adds a row.
    """
    from transforms import run_log

    with psycopg.connect(conninfo, autocommit=True) as log_conn:
        # The record is held by log_conn's backend: if this process dies, the next stage marks it abandoned.
        run_log.abandon_stale(log_conn, "ops.stage_runs")
        stage_run_id = log_conn.execute(
            f"INSERT INTO ops.stage_runs (stage, logical_date, transform_version, {run_log.BACKEND_COLUMNS})"
            f" VALUES (%s, %s, %s, {run_log.BACKEND_VALUES}) RETURNING stage_run_id",
            (stage, logical_date, transform_version)).fetchone()[0]
        try:
            with psycopg.connect(conninfo, autocommit=autocommit) as conn:
                counts = work(conn)
                if not autocommit:
                    conn.commit()
        except BaseException as error:
            log_conn.execute(
                "UPDATE ops.stage_runs SET status = 'failed', finished_at = now(), error = %s"
                " WHERE stage_run_id = %s", (f"{type(error).__name__}: {error}"[:4000], stage_run_id))
            raise
        counts = dict(counts)
        log_conn.execute(
            "UPDATE ops.stage_runs SET status = 'succeeded', finished_at = now(), counts = %s"
            " WHERE stage_run_id = %s", (Jsonb(counts, dumps=_json_dumps), stage_run_id))
    return counts


def _json_dumps(value: Any) -> str:
    """Counts may carry dates or paths (a quality summary does): store them as text."""
    return json.dumps(value, ensure_ascii=False, default=str)


def batches(ids: list[int], size: int) -> list[list[int]]:
    """Split ``ids`` into lists of at most ``size`` (the unit a mapped task works on)."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def entity_batch_size() -> int:
    """Articles per mapped entity task (``MEDIAMON_ENTITY_BATCH_SIZE``, default 200: ~10 s of NER)."""
    return int(os.environ.get("MEDIAMON_ENTITY_BATCH_SIZE", "200"))

SERIAL_TASKS_ENV = "MEDIAMON_SERIAL_TASKS"  # set by ``airflow_tool test``: dag.test() runs tasks one by one


def entity_workers() -> int:
    """Processes one entity task forks for NER (``MEDIAMON_ENTITY_WORKERS``).

    Default: every core under ``dag.test()`` (``make run``, ``mediamon airflow run``: it sets
    ``MEDIAMON_SERIAL_TASKS``), which runs the mapped batches one after another, so one NER process
    would leave the other cores idle. 1 under a scheduler (LocalExecutor, CeleryExecutor): there
    the batches themselves run side by side (up to 4 a run, ``max_active_tis_per_dagrun``), and
    forking every core in each would put 4 x cores NER processes on the cores (oversubscribed, and
    ~210 MB of models each). Outside Airflow: every core.
    """
    value = os.environ.get("MEDIAMON_ENTITY_WORKERS", "").strip()
    if value:
        return max(1, int(value))
    cores = max(1, len(os.sched_getaffinity(0)))
    if os.environ.get(SERIAL_TASKS_ENV) == "1":
        return cores
    if os.environ.get("AIRFLOW__CORE__EXECUTOR", "") in ("LocalExecutor", "CeleryExecutor"):
        return 1
    return cores


RUN_LOG_TABLES = ("ops.crawl_runs", "ops.stage_runs", "ops.dq_runs", "ops.dq_results", "ops.mart_refreshes",
                  "ops.run_reports")
"""Logs that record every attempt by design: re-running a day adds a row per crawl, per stage, per
quality run (and its per-expectation results), per mart refresh and per run report."""
