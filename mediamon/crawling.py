"""Run a Scrapy spider in a subprocess and read back its ``ops.crawl_runs`` record.

A subprocess per crawl because Twisted's reactor cannot be restarted inside one process; the
same function serves ``mediamon crawl`` and the Airflow crawl task.

Scrapy writes its whole log to stderr. Passed through as is, every line of it — INFO included —
lands in an Airflow task log at ERROR (Airflow files a task's stderr under ERROR), and a user of
``mediamon crawl`` gets the banner with every run. So the output is read line by line and each
line is handed on with the level Scrapy gave it (:func:`scrapy_line_level`): to the ``logging``
module by default (the task log shows INFO as INFO), or to the caller's ``on_line``.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from mediamon import settings

log = logging.getLogger("mediamon.crawl")

# Scrapy's default LOG_FORMAT: "%(asctime)s [%(name)s] %(levelname)s: %(message)s".
_SCRAPY_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[(?P<name>[^\]]+)\] "
                          r"(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL): (?P<message>.*)$")


@dataclass(frozen=True)
class CrawlResult:
    exit_code: int
    run: dict[str, object] | None  # the ops.crawl_runs row, None when the spider never recorded one
    last_error: str | None = None  # the last ERROR/CRITICAL line of Scrapy's log, for one-line reports

    @property
    def summary(self) -> str:
        if self.run is None:
            return f"crawl recorded nothing (exit code {self.exit_code})"
        r = self.run
        return (f"crawl run {r['crawl_run_id']} ({r['spider']}) {r['status']}: seen {r['items_seen']}, "
                f"new {r['items_new']}, quarantined {r['items_quarantined']}, errors {r['errors']}")


def scrapy_line_level(line: str, previous: int) -> tuple[int, str]:
    """The logging level and message of one line of Scrapy's log.

    A line that does not start a log record (a traceback's continuation, a stats dump) keeps the
    level of the record it belongs to, ``previous``.
    """
    match = _SCRAPY_LINE.match(line)
    if match is None:
        return previous, line
    return logging.getLevelName(match["level"]), f"[{match['name']}] {match['message']}"


def _log_line(level: int, message: str) -> None:
    log.log(level, "%s", message)


def run_spider(database_url: str, spider: str, spider_args: Mapping[str, str] | None = None,
               scrapy_settings: Mapping[str, str] | None = None,
               on_line: Callable[[int, str], None] | None = None) -> CrawlResult:
    """Run ``scrapy crawl SPIDER`` from the repository root against ``database_url``.

    Every line of Scrapy's output goes to ``on_line(level, message)`` as it comes (default: this
    module's logger at that level), so progress shows while the crawl runs.
    """
    on_line = on_line or _log_line
    run_token = uuid.uuid4().hex
    command = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"run_token={run_token}"]
    for key, value in (spider_args or {}).items():
        command += ["-a", f"{key}={value}"]
    for key, value in (scrapy_settings or {}).items():
        command += ["-s", f"{key}={value}"]
    env = {**os.environ, "MEDIAMON_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    level, last_error = logging.INFO, None
    with subprocess.Popen(command, cwd=settings.REPO_ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace") as proc:
        assert proc.stdout is not None
        for raw in proc.stdout:
            level, message = scrapy_line_level(raw.rstrip("\n"), level)
            if level >= logging.ERROR and _SCRAPY_LINE.match(raw):
                last_error = message
            on_line(level, message)
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        run = conn.execute(
            "SELECT * FROM ops.crawl_runs WHERE args->>'run_token' = %s", (run_token,)).fetchone()
    return CrawlResult(proc.returncode, run, last_error)
