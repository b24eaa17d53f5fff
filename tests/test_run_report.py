"""The run report, the relaying of Scrapy's log at its own levels, progress lines and ``make run``'s
filter of the DAG log: pure functions, checked on the shapes Airflow and Scrapy really produce."""

from __future__ import annotations

import logging

from mediamon import crawl_tasks, run_report
from mediamon.commands.airflow import progress_line
from mediamon.crawling import scrapy_line_level
from transforms.progress import Progress

PLAN = [{"spider": "seed_files", "source": "seeds"}, {"spider": "news", "source": "vz_ru"},
        {"spider": "news", "source": "tass"}]


def _rows() -> list[dict]:
    base = {"status": "finished", "items_seen": 3, "items_new": 3, "items_quarantined": 0, "errors": 0,
            "failure": None}
    return [{**base, "crawl_run_id": 1, "spider": "seed_files", "source": "seeds"},
            {**base, "crawl_run_id": 2, "spider": "news", "source": "vz_ru"},
            {**base, "crawl_run_id": 3, "spider": "news", "source": "tass", "items_seen": 0, "items_new": 0,
             "errors": 2, "failure": "crawl run 3: 2 errors out of 2 attempts"},
            {**base, "crawl_run_id": 4, "spider": "news", "source": "tass", "items_seen": 0, "items_new": 0,
             "errors": 2, "failure": "crawl run 4: 2 errors out of 2 attempts"}]


def test_crawl_outcome_takes_each_crawls_last_attempt_and_counts_a_missing_one_as_failed():
    outcome = crawl_tasks.crawl_outcome(PLAN, _rows())
    assert (outcome["planned"], outcome["succeeded"], outcome["items_new"]) == (3, 2, 6)
    assert outcome["failed"] == ["tass: crawl run 4: 2 errors out of 2 attempts"]
    nothing = crawl_tasks.crawl_outcome(PLAN[:1], [])
    assert nothing["failed"] == ["seeds: no crawl run recorded (task did not run?)"]
    assert crawl_tasks.crawl_outcome([], [])["planned"] == 0


def test_report_is_partial_when_only_crawls_failed_and_failed_when_a_stage_did():
    outcome = crawl_tasks.crawl_outcome(PLAN, _rows())
    states = [{"task_id": "crawl", "map_index": i, "state": s} for i, s in enumerate(["success", "success", "failed"])]
    states += [{"task_id": t, "map_index": -1, "state": "success"} for t in run_report.STAGES]
    returns = {"collect_crawls": [outcome], "normalize": [{"in": 6, "out": 6}],
               "extract_entities": [{"in": 4, "mentions": 10}, {"in": 2, "mentions": 5}],
               "refresh_marts": [{"views": 10}]}
    partial = run_report.build(states, returns)
    assert partial["status"] == "partial"
    assert partial["failed_tasks"] == [{"task_id": "crawl", "map_index": 2, "state": "failed", "label": "tass"}]
    assert partial["summary"].splitlines()[0] == (
        "partial: 1 of 3 crawls failed (tass); marts refreshed (10 views) for the rest")
    assert partial["counts"]["extract_entities"] == {"batches": 2, "in": 6, "mentions": 15}
    states[-2] = {"task_id": "check_quality", "map_index": -1, "state": "failed"}
    states[-1] = {"task_id": "refresh_marts", "map_index": -1, "state": "upstream_failed"}
    failed = run_report.build(states, {**returns, "refresh_marts": [None]})
    assert failed["status"] == "failed"
    assert failed["headline"] == "failed: check_quality, refresh_marts; marts NOT refreshed"
    healthy = crawl_tasks.crawl_outcome(PLAN[:2], _rows())
    clean = run_report.build(states[:2] + states[3:-2], {"collect_crawls": [healthy]})
    assert clean["status"] == "succeeded"


def test_scrapy_lines_keep_their_own_level_and_continuations_inherit_it():
    assert scrapy_line_level("2026-12-01 21:00:01 [scrapy.core.engine] INFO: Spider opened", logging.ERROR) == (
        logging.INFO, "[scrapy.core.engine] Spider opened")
    level, message = scrapy_line_level("2026-12-01 21:00:02 [news] ERROR: feed http://x/rss failed", logging.INFO)
    assert level == logging.ERROR and message == "[news] feed http://x/rss failed"
    assert scrapy_line_level("Traceback (most recent call last):", logging.ERROR) == (
        logging.ERROR, "Traceback (most recent call last):")
    assert scrapy_line_level("{'downloader/request_count': 3,", logging.INFO)[0] == logging.INFO


def test_progress_says_done_total_and_rate_every_interval_and_at_the_end():
    now = [0.0]
    lines: list[str] = []
    progress = Progress("entities", 100, "articles", every_s=5, emit=lines.append, clock=lambda: now[0])
    for _ in range(4):
        now[0] += 2
        progress.advance(10)
    progress.finish()
    assert lines == ["entities: 30/100 articles (30%), 5.0 articles/s, 6 s",
                     "entities: 40/100 articles (40%), 5.0 articles/s, 8 s"]


def test_make_run_shows_task_starts_counts_and_progress_and_hides_the_rest():
    start = ("2026-12-01T21:41:01.0Z [info     ] [DAG TEST] starting task_id=crawl map_index=2 "
             "[airflow.sdk.definitions.dag] loc=dag.py:1501")
    assert progress_line(start) == "crawl[2]: started"
    labels: list[str] = []
    plan = "2026-12-01T21:41:00.0Z [info     ] crawl plan: 3 crawls: seeds, vz_ru, tass [task.stdout] loc=x.py:1"
    assert progress_line(plan, labels) == "  crawl plan: 3 crawls: seeds, vz_ru, tass"
    assert progress_line(start, labels) == "crawl[tass]: started"
    counts = ("2026-12-01T21:41:09.0Z [info     ] normalize counts: {'in': 5, 'out': 5} "
              "[task.stdout] loc=python.py:10")
    assert progress_line(counts) == "  normalize counts: {'in': 5, 'out': 5}"
    relayed = ("2026-12-01T21:41:05.0Z [info     ] [crawlers.extensions] progress: 3/9 requests done, 2 items, "
               "1.0 requests/s, 3 s [mediamon.crawl] loc=crawling.py:64")
    assert progress_line(relayed) == "  progress: 3/9 requests done, 2 items, 1.0 requests/s, 3 s"
    assert progress_line("mediamon.crawl_tasks.CrawlFailed: crawl run 6: 1 errors out of 1 attempts") == (
        "  failed: crawl run 6: 1 errors out of 1 attempts")
    noise = "2026-12-01T21:41:01.0Z [info     ] Task instance state updated [airflow.api] loc=x.py:1 new_state=success"
    assert progress_line(noise) is None
