"""A crawl's Scrapy log reaches the task log at Scrapy's own levels, with progress lines: a real
seed crawl and a real crawl of a dead outlet on the fixture site."""

from __future__ import annotations

import logging

import psycopg
import pytest
from fixture_site import FixtureServer

from mediamon import crawl_tasks
from mediamon.crawling import run_spider


def test_a_clean_crawl_logs_info_as_info_with_progress_and_no_error(db_url, seeds_dir, caplog, monkeypatch):
    monkeypatch.setenv("MEDIAMON_PROGRESS_INTERVAL_S", "0.2")
    with caplog.at_level(logging.INFO, logger="mediamon.crawl"):
        result = run_spider(db_url, "seed_files", {"directory": str(seeds_dir)})
    assert result.run["items_new"] == 5
    records = [r for r in caplog.records if r.name == "mediamon.crawl"]
    assert any("Spider opened" in r.getMessage() and r.levelno == logging.INFO for r in records)
    assert any("progress: 5/5 requests done, 5 items" in r.getMessage() for r in records)
    assert not [r.getMessage() for r in records if r.levelno >= logging.ERROR]


def test_a_dead_outlet_fails_with_its_reason_kept_on_its_crawl_row(db_url, caplog):
    with FixtureServer() as server, caplog.at_level(logging.INFO, logger="mediamon.crawl"):
        spec = crawl_tasks.CrawlSpec("news", "tass", (("base_url", server.base_url + "/{source}/"),
                                                      ("source", "tass")))
        with pytest.raises(crawl_tasks.CrawlFailed, match="above the threshold"):
            crawl_tasks.run_crawl(db_url, spec, airflow_run_id="manual__test",
                                  scrapy_settings={"AUTOTHROTTLE_START_DELAY": "0"})
    errors = [r.getMessage() for r in caplog.records if r.name == "mediamon.crawl" and r.levelno == logging.ERROR]
    assert errors and all("404" in e or "Traceback" not in e for e in errors)
    [row] = crawl_tasks.crawls_of_run(db_url, "manual__test")
    assert row["source"] == "tass" and "errors out of" in row["failure"]
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM ops.crawl_runs WHERE failure IS NULL").fetchone()[0] == 0
