"""Helpers for the tests that run the whole DAG with ``dag.test()`` (``tests/test_dag_run*.py``,
``tests/test_dag_news_end_to_end.py``).

Airflow reads its configuration when first imported, so each run happens in a subprocess
(``python -m mediamon.airflow_tool``, the same code ``make run`` uses) with an Airflow home and a
SQLite metadata database under the test's ``tmp_path``; the news data goes to the test's own
PostgreSQL database through ``AIRFLOW_CONN_MEDIAMON_DB``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from mediamon import airflow_local, settings, stage_runs

# Tasks that write one ops.stage_runs row per successful attempt.
STAGE_RUN_TASKS = {"normalize", "deduplicate", "extract_entities", "check_quality", "refresh_marts"}


def airflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``python -m mediamon.airflow_tool ARGS`` from the repository root with ``env``."""
    return subprocess.run([sys.executable, "-m", "mediamon.airflow_tool", *args], env=env,
                          cwd=settings.REPO_ROOT, capture_output=True, text=True, timeout=600)


def airflow_test_env(db_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``dag.test()`` run into ``db_url``, its metadata database initialised.

    ``extra`` adds or overrides variables (``MEDIAMON_CRAWL_NEWS`` and friends).
    """
    env = {**os.environ, **airflow_local.airflow_env(
        db_url, metadata_url=f"sqlite:///{tmp_path / 'airflow.db'}", home=tmp_path / "airflow"),
        "MEDIAMON_LOCAL_DIR": str(tmp_path / "local"),  # Data Docs of the quality runs go there
        "MEDIAMON_TASK_RETRY_DELAY_S": "1",  # a retried task waits a second, not the real minute
        **extra}
    init = airflow(env, "init")
    assert init.returncode == 0, init.stderr[-4000:]
    return env


def run_day(env: dict[str, str], day: str, out: Path, *, runs: int = 1,
            checksums: bool = False) -> tuple[subprocess.CompletedProcess, list[dict[str, Any]]]:
    """``runs`` dag.test() runs of ``day`` in one process (one Airflow start-up); their reports
    (with ``checksums``, each report has an md5 per raw and core table under ``table_checksums``)."""
    result = airflow(env, "test", day, "--runs", str(runs), "--out", str(out),
                     *(["--checksums"] if checksums else []))
    assert out.exists(), result.stdout[-4000:] + result.stderr[-4000:]
    report = json.loads(out.read_text())
    return result, report["runs"] if runs > 1 else [report]


def assert_succeeded(result: subprocess.CompletedProcess, reports: list[dict[str, Any]]) -> None:
    """Every run's DagRun succeeded (dag.test() does not raise when a task fails: check the state)."""
    for report in reports:
        failed = [t for t in report["tasks"] if t["state"] not in ("success", "skipped")]
        assert report["state"] == "success", (failed, result.stdout[-6000:], result.stderr[-6000:])
    assert result.returncode == 0


def data_tables(counts: dict[str, int]) -> dict[str, int]:
    """Row counts of the data tables: the run logs (which gain a row per attempt) left out."""
    return {t: n for t, n in counts.items() if t not in stage_runs.RUN_LOG_TABLES}
