"""The whole DAG runs with ``dag.test()`` on the seeds against the real PostgreSQL, twice.

Airflow reads its configuration when first imported, so each run happens in a subprocess
(``python -m mediamon.airflow_tool``, the same code ``make run`` uses) with an Airflow home and a
SQLite metadata database under ``tmp_path``; the news data goes to the test's own PostgreSQL
database through ``AIRFLOW_CONN_MEDIAMON_DB``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from helpers_dag import STAGE_RUN_TASKS, airflow_test_env, assert_succeeded, data_tables, run_day

DAY = "2025-08-30"


@pytest.mark.slow
def test_dag_runs_a_day_end_to_end_and_a_rerun_changes_no_data(db_url, tmp_path):
    env = airflow_test_env(db_url, tmp_path)
    result, (first, second) = run_day(env, DAY, tmp_path / "runs.json", runs=2)
    assert_succeeded(result, [first, second])
    start, end = (datetime.fromisoformat(x) for x in first["data_interval"])
    assert (start, end) == (datetime(2025, 8, 29, 19, tzinfo=UTC), datetime(2025, 8, 30, 19, tzinfo=UTC))
    task_ids = {t["task_id"] for t in first["tasks"]}
    assert {"check_schema", "plan_crawls", "crawl"} <= task_ids
    crawls = first["returns"]["crawl"]
    assert [c["spider"] for c in crawls] == ["seed_files"]
    assert crawls[0]["items_new"] == 5 and crawls[0]["errors"] == 0
    after_first = first["table_counts"]
    assert after_first["raw.articles"] == 5
    assert after_first["ops.crawl_runs"] == 1
    assert after_first["ops.quarantine"] == 0
    # normalize + deduplicate: five articles; 001 and 002 report the same meeting, so four stories.
    assert first["returns"]["normalize"][0]["out"] == 5
    assert after_first["core.articles"] == 5
    assert after_first["core.story_articles"] == 5
    assert after_first["core.stories"] == 4
    assert first["returns"]["deduplicate"][0]["in"] == 5
    # entities: one batch (five articles) mapped, names linked to canonical entities.
    assert [r["in"] for r in first["returns"]["extract_entities"]] == [5]
    assert after_first["core.mentions"] > 0 and after_first["core.entities"] > 0
    with psycopg.connect(db_url) as conn:
        top = conn.execute("SELECT e.canonical_name FROM core.mentions m JOIN core.entities e USING (entity_id)"
                           " GROUP BY 1 ORDER BY count(*) DESC LIMIT 3").fetchall()
        stage_rows = conn.execute("SELECT stage, status, logical_date::text FROM ops.stage_runs ORDER BY 1").fetchall()
    assert {"Китай", "Касым-Жомарт Токаев"} <= {name for (name,) in top}  # the beat's two main names
    # quality passed (or only warned) on the seeds, so the marts were refreshed from the core layer.
    assert first["returns"]["check_quality"][0]["status"] in ("passed", "warned")
    assert after_first["mart.articles"] == 5
    assert first["returns"]["refresh_marts"][0]["rows"]["mart.articles"] == 5
    assert ("normalize", "succeeded", DAY) in stage_rows and ("deduplicate", "succeeded", DAY) in stage_rows

    assert second["returns"]["crawl"][0]["items_new"] == 0
    assert second["returns"]["normalize"][0]["in"] == 0
    assert second["returns"]["deduplicate"][0]["in"] == 0
    assert second["returns"]["plan_entity_batches"] == [[]]  # nothing pending: no entity batch
    assert {t["state"] for t in second["tasks"] if t["task_id"] == "extract_entities"} == {"skipped"}
    after_second = second["table_counts"]
    # quality and marts run again anyway: one more quality run and one more refresh, same results.
    assert after_second["ops.dq_runs"] == after_first["ops.dq_runs"] + 1
    assert after_second["ops.mart_refreshes"] == after_first["ops.mart_refreshes"] + 1
    assert second["returns"]["check_quality"][0]["status"] == first["returns"]["check_quality"][0]["status"]
    stage_tasks = len([t for t in second["tasks"] if t["task_id"] in STAGE_RUN_TASKS and t["state"] == "success"])
    # The run logs record the second attempt (one row per crawl, one per stage); nothing else moves.
    assert after_second["ops.crawl_runs"] == after_first["ops.crawl_runs"] + len(crawls)
    assert after_second["ops.stage_runs"] == after_first["ops.stage_runs"] + stage_tasks
    assert data_tables(after_second) == data_tables(after_first)


@pytest.mark.slow
@pytest.mark.extended
def test_a_critical_quality_failure_fails_the_run_at_once_and_leaves_the_marts_alone(db_url, tmp_path):
    """dag.test() does not raise when a task fails: the DagRun state says it. A raw row breaking a
    critical check (its url_fingerprint is not a SHA-1) fails check_quality on its first try (no
    retry can fix data), refresh_marts never runs, and the marts stay as they were (empty here)."""
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "INSERT INTO raw.articles (url_fingerprint, url, source, spider, fetched_at, content_sha256, content,"
            " text, encoding) VALUES ('NOT-A-SHA1', 'seed://planted.txt', 'seeds', 'test', now(), %s, %s, %s,"
            " 'utf-8')", ("0" * 64, "Текст".encode(), "Текст"))
    env = airflow_test_env(db_url, tmp_path)
    result, [report] = run_day(env, DAY, tmp_path / "run.json")
    states = {t["task_id"]: (t["state"], t["try_number"]) for t in report["tasks"]}
    assert result.returncode == 1 and report["state"] == "failed"
    assert states["check_quality"] == ("failed", 1)
    assert states["refresh_marts"][0] == "upstream_failed"
    assert states["normalize"][0] == states["deduplicate"][0] == "success"
    assert report["table_counts"]["mart.articles"] == 0
    with psycopg.connect(db_url) as conn:
        [(status, error)] = conn.execute("SELECT status, error FROM ops.stage_runs WHERE stage = 'quality'").fetchall()
        assert status == "failed" and "raw.articles:url_fingerprint.sha1" in error
        assert conn.execute("SELECT count(*) FROM ops.mart_refreshes").fetchone()[0] == 0
