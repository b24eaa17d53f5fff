"""The crawl-run record: one ``ops.crawl_runs`` row per spider run, opened and closed here."""

from __future__ import annotations

import logging

import psycopg
from scrapy import Spider, signals
from scrapy.crawler import Crawler

from transforms import landing

log = logging.getLogger(__name__)

# Scrapy stats that count as errors of the crawl.
ERROR_STATS = ("log_count/ERROR", "spider_exceptions/count", "downloader/exception_count")


class CrawlRunRecorder:
    """Owns the run's database connection and its ``ops.crawl_runs`` row.

    Pipelines find it with :meth:`of` and count through Scrapy's stats (``mediamon/*`` keys), so the
    record written at close agrees with what Scrapy itself reports.
    """

    def __init__(self, crawler: Crawler, database_url: str) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self._conn: psycopg.Connection | None = None
        self.crawl_run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        from mediamon import database

        url = crawler.settings.get("MEDIAMON_DATABASE_URL") or database.database_url()
        recorder = cls(crawler, url)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlRunRecorder:
        for extension in crawler.extensions.middlewares:
            if isinstance(extension, cls):
                return extension
        raise RuntimeError("CrawlRunRecorder is not enabled in EXTENSIONS; pipelines need it")

    @property
    def conn(self) -> psycopg.Connection:
        """The shared connection, opened with the crawl-run row on first use."""
        if self._conn is None:
            self._conn = psycopg.connect(self.database_url, autocommit=True)
            spider = self.crawler.spider
            args = {k: v for k, v in vars(spider).items() if isinstance(v, str | int | float | bool)}
            self.crawl_run_id = landing.start_crawl_run(
                self._conn, spider.name, getattr(spider, "source_name", None), args)
            log.info("crawl run %s started for spider %s", self.crawl_run_id, spider.name)
        return self._conn

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats
        conn = self.conn  # a run that saw nothing is still recorded
        seen = stats.get_value("mediamon/items_seen", 0)
        new = stats.get_value("mediamon/items_new", 0)
        quarantined = stats.get_value("mediamon/items_quarantined", 0)
        errors = sum(stats.get_value(key, 0) for key in ERROR_STATS)
        landing.finish_crawl_run(
            conn, self.crawl_run_id, status="finished" if reason == "finished" else "failed",
            items_seen=seen, items_new=new, items_quarantined=quarantined, errors=errors,
            stats={**stats.get_stats(), "finish_reason": reason},
        )
        log.info("crawl run %s %s: seen %s, new %s, quarantined %s, errors %s",
                 self.crawl_run_id, reason, seen, new, quarantined, errors)
        conn.close()


class CrawlProgress:
    """Every ``MEDIAMON_PROGRESS_INTERVAL_S`` seconds (default 5) one line: requests done / known so
    far, items, rate. Scrapy's own LogStats says it once a minute and without a total; an operator
    watching a crawl (a task log, ``mediamon crawl``) wants to see it move. The total grows as
    feeds are read (their links are queued then), so it is "known so far", not a promise.
    """

    def __init__(self, crawler: Crawler, interval_s: float) -> None:
        self.crawler = crawler
        self.interval_s = interval_s
        self._task = None
        self._started = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        import os

        interval = float(crawler.settings.get("MEDIAMON_PROGRESS_INTERVAL_S")
                         or os.environ.get("MEDIAMON_PROGRESS_INTERVAL_S", "5"))
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        import time

        from twisted.internet import task

        self._started = time.monotonic()
        self._task = task.LoopingCall(self.report)
        self._task.start(self.interval_s, now=False)

    def line(self) -> str:
        import time

        stats = self.crawler.stats
        done = (stats.get_value("downloader/response_count", 0)
                + stats.get_value("downloader/exception_count", 0))
        known = max(stats.get_value("scheduler/enqueued", 0), done)
        items = stats.get_value("mediamon/items_seen", 0)
        elapsed = max(time.monotonic() - self._started, 1e-9)
        return (f"progress: {done}/{known} requests done, {items} items, "
                f"{done / elapsed:.1f} requests/s, {elapsed:.0f} s")

    def report(self) -> None:
        log.info("%s", self.line())

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()
        log.info("%s (%s)", self.line(), reason)
