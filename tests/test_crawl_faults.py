"""Fault injection: a real crawl subprocess killed with SIGKILL half-way, then crawled again.

The news spider keeps per-URL state (``ops.crawl_urls``) so that a URL it has dealt with is not
fetched again. If that state ever says "done" for an article that never reached ``raw.articles``,
a crash loses the article for good. Here a feed of 600 items (a quarter real articles, the rest
404s) is crawled, the crawl is killed with ``kill -9`` as soon as it has written anything, and a
second crawl must leave every article in ``raw.articles`` exactly once. The killed run's record,
left ``running`` by the dead process, must be marked ``abandoned`` by the next crawl.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import psycopg
import pytest
from fixture_site import FixtureServer
from fixture_site.site import Article, Route, page_json_ld, rss

from mediamon import settings
from mediamon.crawling import crawl_run, run_spider, spider_command

pytestmark = pytest.mark.slow

FEED_ITEMS = 600
SETTINGS = {"LOG_LEVEL": "WARNING", "AUTOTHROTTLE_START_DELAY": "0.01", "AUTOTHROTTLE_MAX_DELAY": "0.05",
            "MEDIAMON_LOCAL_SOURCES": "*"}


def _big_feed(server: FixtureServer) -> list[str]:
    """Replace tengrinews' feed with FEED_ITEMS links; return the URLs of the real articles."""
    site = server.site
    items, articles = [], []
    for i in range(FEED_ITEMS):
        path = f"/tengrinews/kazakhstan_news/bulk-{i:04d}/"
        if i % 4 == 0:
            article = Article(f"bulk{i}", f"Китай и Казахстан: соглашение номер {i}", [
                f"Стороны подписали соглашение номер {i} о торговле между Китаем и Казахстаном.",
                "Документ предусматривает увеличение поставок зерна и развитие транзитных маршрутов.",
                f"Министерство торговли сообщило, что соглашение {i} вступит в силу в начале года.",
            ], "2025-09-02T11:00:00+05:00", ["Редакция"])
            site.routes[path] = Route(body=page_json_ld(article, site.url(path)).encode(), delay=0.01)
            articles.append(site.url(path))
        items.append((site.url(path), f"item {i}", None))  # no route: 404
    site.routes["/tengrinews/news.rss"] = Route(body=rss("Tengrinews", items), content_type="application/rss+xml")
    return articles


def _written(conn: psycopg.Connection) -> tuple[int, int]:
    return conn.execute("SELECT (SELECT count(*) FROM ops.crawl_urls WHERE kind = 'article'),"
                        " (SELECT count(*) FROM raw.articles)").fetchone()


def test_a_crawl_killed_mid_way_loses_no_article_and_is_marked_abandoned_by_the_next(
        db_url: str, conn: psycopg.Connection) -> None:
    with FixtureServer() as server:
        articles = _big_feed(server)
        args = {"source": "tengrinews", "base_url": server.base_url + "/{source}/"}
        command = spider_command(db_url, "news", args, SETTINGS)
        proc = subprocess.Popen(command.argv, cwd=settings.REPO_ROOT, env=command.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 300
            while _written(conn) == (0, 0) and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)  # as soon as the crawl has written any URL state or article
        finally:
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL, "the crawl ended before it could be killed"
        states_at_kill, landed_at_kill = _written(conn)
        assert landed_at_kill < len(articles) and states_at_kill < FEED_ITEMS, "not killed mid-way"
        killed = crawl_run(db_url, command.run_token)
        assert killed is not None and killed["status"] == "running"

        again = run_spider(db_url, "news", args, SETTINGS)

    assert again.run is not None and again.run["status"] == "finished"
    counts = dict(conn.execute(
        "SELECT url, count(*) FROM raw.articles WHERE url = ANY(%s) GROUP BY url", (articles,)).fetchall())
    missing = [url for url in articles if url not in counts]
    assert missing == [], f"{len(missing)} of {len(articles)} articles lost after the kill (landed "\
                          f"{landed_at_kill} before it)"
    assert set(counts.values()) == {1}
    assert conn.execute("SELECT count(*) FROM raw.articles").fetchone()[0] == len(articles)
    assert crawl_run(db_url, command.run_token)["status"] == "abandoned"
