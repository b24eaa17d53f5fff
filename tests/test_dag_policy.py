"""The DAG parses without errors or a database, and follows the project's DAG policy."""

from __future__ import annotations

import ast
import os
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DAG_FILE = REPO_ROOT / "dags" / "media_monitoring.py"

# Airflow reads its configuration on first import: give this test session a throwaway home so
# parsing never touches ~/airflow or the project's .local/airflow.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="mediamon_airflow_home_"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(REPO_ROOT / "dags")


@pytest.fixture(scope="module")
def dag(dagbag):
    return dagbag.dags["media_monitoring"]


def test_dagbag_has_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "media_monitoring" in dagbag.dag_ids


def test_dag_is_daily_on_almaty_data_intervals_one_run_at_a_time(dag):
    from airflow.sdk import CronDataIntervalTimetable

    from mediamon import airflow_local

    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.timetable.expression == "0 0 * * *"
    assert str(dag.timetable.timezone) == airflow_local.DAG_TIMEZONE
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.start_date is not None


def test_dag_has_tags_and_markdown_docs(dag):
    assert {"mediamon", "daily"} <= set(dag.tags)
    assert dag.doc_md and dag.doc_md.lstrip().startswith("# media_monitoring")


def test_every_task_has_owner_retries_with_backoff_and_doc_md(dag):
    assert dag.tasks
    for task in dag.tasks:
        assert task.owner == "mediamon", task.task_id
        assert task.retries >= 1, task.task_id
        assert task.retry_exponential_backoff, task.task_id
        assert task.doc_md and task.doc_md.strip().startswith("###"), task.task_id


def test_crawls_run_in_the_crawl_pool_and_produce_the_raw_articles_asset(dag):
    from mediamon import crawl_tasks

    crawl = dag.get_task("crawl")
    assert crawl.pool == crawl_tasks.CRAWL_POOL
    assert "mediamon://db/raw/articles" in {outlet.uri for outlet in crawl.outlets}


def test_dag_file_imports_only_airflow_sdk_and_light_modules_at_top_level():
    """Parsing stays fast and needs no database: project code is imported inside the tasks."""
    tree = ast.parse(DAG_FILE.read_text(encoding="utf-8"))
    top_level: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top_level |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            top_level.add(node.module or "")
    assert top_level <= {"__future__", "datetime", "inspect", "os", "pendulum", "airflow.sdk"}, top_level


def test_dag_parses_with_no_database_reachable(tmp_path):
    """A DAG processor without database access (wrong URL, no embedded server) still parses it."""
    import subprocess
    import sys

    env = {**os.environ, "MEDIAMON_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
           "AIRFLOW_HOME": str(tmp_path)}
    code = ("from airflow.dag_processing.dagbag import DagBag; "
            f"b = DagBag({str(REPO_ROOT / 'dags')!r}); "
            "assert not b.import_errors, b.import_errors; print(len(b.dags))")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "1"


def test_ruff_airflow3_rules_are_clean_on_dags():
    import subprocess

    ruff = Path(os.sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", "--select", "AIR3", str(REPO_ROOT / "dags")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_task_docs_are_markdown_not_an_indented_code_block(dag):
    """Indented docstring lines are a Markdown code block: the UI showed literal ``###``."""
    for task in dag.tasks:
        body = task.doc_md.splitlines()
        assert body[0].startswith("### "), task.task_id
        assert not [line for line in body if line.startswith("    ")], task.task_id


def test_a_failed_crawl_does_not_stop_the_stages_and_the_report_sees_everything(dag):
    assert dag.get_task("collect_crawls").trigger_rule == "all_done"
    assert dag.get_task("report").trigger_rule == "all_done"
    assert dag.get_task("collect_crawls").upstream_task_ids == {"crawl", "plan_crawls"}
    # normalize waits for the crawls only through collect_crawls, and needs the schema check to pass.
    assert dag.get_task("normalize").upstream_task_ids == {"collect_crawls", "check_schema"}
    assert dag.get_task("normalize").trigger_rule == "all_success"
    assert {"crawl", "collect_crawls", "refresh_marts"} <= dag.get_task("report").upstream_task_ids


def test_a_dead_outlet_costs_one_short_retry_and_mapped_tasks_are_labelled(dag):
    from datetime import timedelta

    crawl = dag.get_task("crawl")
    assert crawl.retries == 1
    assert crawl.retry_delay <= timedelta(minutes=1)
    assert crawl.map_index_template == "{{ crawl_label }}"
    assert dag.get_task("extract_entities").map_index_template == "{{ batch_label }}"
    assert all(task.max_retry_delay <= timedelta(minutes=5) for task in dag.tasks)
