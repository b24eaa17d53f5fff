"""Run a Scrapy spider in a subprocess and read back its ``ops.crawl_runs`` record.

A subprocess per crawl because Twisted's reactor cannot be restarted inside one process; the
same function serves ``mediamon crawl`` and the Airflow crawl task.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from mediamon import settings


@dataclass(frozen=True)
class CrawlResult:
    exit_code: int
    run: dict[str, object] | None  # the ops.crawl_runs row, None when the spider never recorded one

    @property
    def summary(self) -> str:
        if self.run is None:
            return f"crawl recorded nothing (exit code {self.exit_code})"
        r = self.run
        return (f"crawl run {r['crawl_run_id']} ({r['spider']}) {r['status']}: seen {r['items_seen']}, "
                f"new {r['items_new']}, quarantined {r['items_quarantined']}, errors {r['errors']}")


@dataclass(frozen=True)
class SpiderCommand:
    """A ``scrapy crawl`` invocation; ``run_token`` finds its ``ops.crawl_runs`` row afterwards."""

    argv: list[str]
    env: dict[str, str]
    run_token: str


def spider_command(database_url: str, spider: str, spider_args: Mapping[str, str] | None = None,
                   scrapy_settings: Mapping[str, str] | None = None) -> SpiderCommand:
    """The command line and environment of one crawl (run from the repository root)."""
    run_token = uuid.uuid4().hex
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"run_token={run_token}"]
    for key, value in (spider_args or {}).items():
        command += ["-a", f"{key}={value}"]
    for key, value in (scrapy_settings or {}).items():
        command += ["-s", f"{key}={value}"]
    env = {**os.environ, "MEDIAMON_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    return SpiderCommand(command, env, run_token)


def crawl_run(database_url: str, run_token: str) -> dict[str, object] | None:
    """The ``ops.crawl_runs`` row of the crawl started with ``run_token``, if it recorded one."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        return conn.execute(
            "SELECT * FROM ops.crawl_runs WHERE args->>'run_token' = %s", (run_token,)).fetchone()


def run_spider(database_url: str, spider: str, spider_args: Mapping[str, str] | None = None,
               scrapy_settings: Mapping[str, str] | None = None) -> CrawlResult:
    """Run ``scrapy crawl SPIDER`` from the repository root against ``database_url``."""
    command = spider_command(database_url, spider, spider_args, scrapy_settings)
    completed = subprocess.run(command.argv, cwd=settings.REPO_ROOT, env=command.env, check=False)
    return CrawlResult(completed.returncode, crawl_run(database_url, command.run_token))
