"""A day with a dead outlet, and a day with nothing to crawl, each really run with ``dag.test()``.

Partial failure is normal: one outlet down must not keep the others' articles (nor the seeds')
from the marts, and must stay visible — its crawl task failed, its ``ops.crawl_runs`` row says
why, the ``report`` task lists it and marks the run failed. A run whose crawl plan is empty still
processes what landed earlier. Retry delays are shrunk to a second (``MEDIAMON_TASK_RETRY_DELAY_S``
in ``helpers_dag``), so the dead outlet's retry is real but costs no minute.
"""

from __future__ import annotations

import psycopg
import pytest
from fixture_site import FixtureServer
from helpers_dag import airflow_test_env, assert_succeeded, run_day

from mediamon.crawling import run_spider

DAY = "2025-09-03"
LIVE_OUTLETS = ("tengrinews", "vz_ru")
DEAD_OUTLET = "tass"  # in the registry, not on the fixture site: its feeds answer 404


@pytest.mark.slow
@pytest.mark.extended
def test_a_dead_outlet_fails_its_crawl_and_the_run_while_the_others_reach_the_marts(db_url, tmp_path):
    with FixtureServer() as server:
        env = airflow_test_env(db_url, tmp_path, MEDIAMON_CRAWL_NEWS="1",
                               MEDIAMON_NEWS_SOURCES=",".join((*LIVE_OUTLETS, DEAD_OUTLET)),
                               MEDIAMON_NEWS_BASE_URL=server.base_url + "/{source}/",
                               MEDIAMON_LOCAL_SOURCES="*")
        result, [report] = run_day(env, DAY, tmp_path / "run.json")
    tasks = {(t["task_id"], t["label"] or t["map_index"]): t for t in report["tasks"]}
    assert result.returncode == 1 and report["state"] == "failed", result.stdout[-3000:]
    # The dead outlet's crawl failed after its one retry; the mapped crawls are labelled by outlet.
    assert tasks[("crawl", DEAD_OUTLET)]["state"] == "failed"
    assert tasks[("crawl", DEAD_OUTLET)]["try_number"] == 2
    for label in ("seeds", *LIVE_OUTLETS):
        assert tasks[("crawl", label)]["state"] == "success", label
    # Every stage ran on what landed, the marts included; only the report is red.
    for task_id in ("collect_crawls", "normalize", "deduplicate", "check_quality", "refresh_marts"):
        assert tasks[(task_id, -1)]["state"] == "success", task_id
    assert tasks[("report", -1)]["state"] == "failed"
    collected = report["returns"]["collect_crawls"][0]
    assert (collected["planned"], collected["succeeded"]) == (4, 3)
    assert [f.split(":", 1)[0] for f in collected["failed"]] == [DEAD_OUTLET]
    with psycopg.connect(db_url) as conn:
        mart_sources = {s for (s,) in conn.execute("SELECT DISTINCT source FROM mart.articles")}
        dead_rows = conn.execute("SELECT status, failure FROM ops.crawl_runs WHERE source = %s",
                                 (DEAD_OUTLET,)).fetchall()
        live_failures = conn.execute("SELECT count(*) FROM ops.crawl_runs WHERE source <> %s AND failure IS NOT NULL",
                                     (DEAD_OUTLET,)).fetchone()[0]
        [(status, summary, failed_tasks)] = conn.execute(
            "SELECT status, summary, failed_tasks FROM ops.run_reports").fetchall()
    assert mart_sources == {"seeds", *LIVE_OUTLETS}
    # One row per attempt, each with the reason; the healthy crawls carry none.
    assert len(dead_rows) == 2 and all(f and "errors out of" in f for _, f in dead_rows), dead_rows
    assert live_failures == 0
    assert status == "partial"
    assert summary.splitlines()[0].startswith("partial: 1 of 4 crawls failed (tass); marts refreshed")
    assert [(t["task_id"], t.get("label")) for t in failed_tasks] == [("crawl", DEAD_OUTLET)]


@pytest.mark.slow
@pytest.mark.extended
def test_an_empty_crawl_plan_still_processes_the_pending_rows(db_url, tmp_path, seeds_dir):
    landed = run_spider(db_url, "seed_files", {"directory": str(seeds_dir)})
    assert landed.run is not None and landed.run["items_new"] == 5
    env = airflow_test_env(db_url, tmp_path, MEDIAMON_CRAWL_SEEDS="0")
    result, [report] = run_day(env, DAY, tmp_path / "run.json")
    assert_succeeded(result, [report])
    states = {t["task_id"]: t["state"] for t in report["tasks"]}
    assert report["returns"]["plan_crawls"] == [[]]
    assert states["crawl"] == "skipped"  # mapped over an empty plan
    assert report["returns"]["normalize"][0]["in"] == 5
    assert report["table_counts"]["core.articles"] == 5
    assert report["table_counts"]["mart.articles"] == 5
    assert report["returns"]["report"][0]["status"] == "succeeded"
