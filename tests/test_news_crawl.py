"""The news spider crawls the local fixture site end to end, in a subprocess, into a real database.

Every expected article must land with its extracted metadata, every bad case must end as a
quarantine row or a counted error with its reason, and a second crawl must fetch nothing new.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
from fixture_site import FixtureServer, site

from mediamon.crawling import CrawlResult, run_spider
from transforms.landing import url_fingerprint

pytestmark = pytest.mark.slow

OUTLETS = ",".join(site.FixtureSite.OUTLETS)
# Polite by default (AutoThrottle starts at 1 s per slot); on localhost the tests start it low.
FAST = {"LOG_LEVEL": "WARNING", "AUTOTHROTTLE_START_DELAY": "0.05", "AUTOTHROTTLE_MAX_DELAY": "0.2"}


@pytest.fixture()
def fixture_server() -> Iterator[FixtureServer]:
    with FixtureServer() as server:
        yield server


def crawl(db_url: str, server: FixtureServer, **args: str) -> CrawlResult:
    spider_args = {"source": OUTLETS, "base_url": server.base_url + "/{source}/", **args}
    return run_spider(db_url, "news", spider_args, FAST)


def test_fixture_site_crawls_end_to_end_and_a_second_crawl_fetches_nothing_new(
        db_url: str, conn: psycopg.Connection, fixture_server: FixtureServer) -> None:
    server, fixture = fixture_server, fixture_server.site
    first = crawl(db_url, server)
    assert first.exit_code == 0 and first.run["status"] == "finished"

    landed = {r[0]: r[1:] for r in conn.execute(
        "SELECT url, source, spider, encoding, http_status, metadata, url_fingerprint, text FROM raw.articles")}
    quarantined = {r[0]: r[1:] for r in conn.execute(
        "SELECT item_key, reason_code, reason, content IS NOT NULL FROM ops.quarantine")}
    outcomes = dict(conn.execute("SELECT url, last_outcome FROM ops.crawl_urls"))
    expected_landed = [e for e in fixture.expected if e.outcome == "landed"]

    for e in fixture.expected:
        url = fixture.url(e.path)
        if e.outcome == "landed":
            final = fixture.url(e.landed_path or e.path)
            assert final in landed, f"{e.path} did not land"
            source, spider, encoding, status, metadata, fingerprint, text = landed[final]
            assert (source, spider, status) == (e.source, "news", 200)
            assert encoding == (e.encoding or "utf-8")
            assert fingerprint == url_fingerprint(final)
            assert (metadata["title"], metadata["published_at"], metadata["authors"]) == (
                e.title, e.published_at, e.authors)
            assert metadata["text"].startswith(e.body_start)
            assert metadata["language"] == (e.language or "ru")
            assert metadata["discovered_url"] == url
            assert "<html" in text.lower()  # raw text is the decoded page; the body is in metadata
            assert outcomes[url] == "fetched"
        elif e.outcome == "quarantined":
            assert quarantined[url][0] == e.reason, e.path
            assert outcomes[url] == f"quarantined:{e.reason}"
        elif e.outcome == "error":
            assert outcomes[url] == f"error:{e.reason}", e.path
            assert first.run["stats"].get(f"mediamon/news/errors/{e.reason}") == 1
        else:
            assert e.outcome == "off_topic" and outcomes[url] == "off_topic" and url not in landed

    assert len(landed) == len(expected_landed)
    assert quarantined[fixture.url("/zakon_kz/news/huge")][2] is False  # 10 MB not kept inline
    assert quarantined[fixture.url("/zakon_kz/news/empty")][2] is True
    errors = [e for e in fixture.expected if e.outcome == "error"]
    bad = [e for e in fixture.expected if e.outcome == "quarantined"]
    assert (first.run["items_new"], first.run["items_quarantined"], first.run["errors"]) == (
        len(expected_landed), len(bad), len(errors))
    assert server.hits.get("/zakon_kz/private/secret") is None  # robots.txt obeyed
    assert server.hits.get("/zakon_kz/news/elsewhere") is None  # the offsite redirect was not followed
    watermark = conn.execute("SELECT newest_item_at FROM ops.source_watermarks WHERE source = 'egemen'").fetchone()
    assert watermark is not None and watermark[0].isoformat() == "2025-09-02T06:00:00+00:00"
    assert conn.execute("SELECT count(*) FROM ops.sources WHERE in_registry").fetchone()[0] >= 8

    server.hits.clear()
    second = crawl(db_url, server)
    assert second.run["status"] == "finished"
    assert (second.run["items_seen"], second.run["items_new"], second.run["items_quarantined"]) == (0, 0, 0)
    pages = {p for p in server.hits if not p.endswith((".xml", ".rss", "/rss", "/robots.txt"))}
    assert pages == set(), "the second crawl fetched article pages again"
    assert second.run["stats"]["mediamon/news/feeds_not_modified"] == second.run["stats"][
        "mediamon/news/feeds_requested"]
    assert conn.execute("SELECT count(*) FROM raw.articles").fetchone()[0] == len(expected_landed)


def test_a_page_whose_feed_date_moved_is_fetched_again_and_lands_as_a_new_version(
        db_url: str, conn: psycopg.Connection, fixture_server: FixtureServer) -> None:
    server, fixture = fixture_server, fixture_server.site
    assert crawl(db_url, server, source="vz_ru").run["items_new"] == 2

    path = "/vz_ru/politics/2025/8/30/1357001.html"
    route = fixture.routes[path]
    route.body = route.body.replace("Китай и Казахстан".encode("cp1251"), "КНР и Казахстан".encode("cp1251"), 1)
    fixture.routes["/vz_ru/rss.xml"].body = site.rss("ВЗГЛЯД", [
        (fixture.url(path), "updated", "Sun, 31 Aug 2025 09:00:00 +0300"),
        (fixture.url("/vz_ru/economy/2025/9/2/1357100.html"), "same", "Tue, 02 Sep 2025 11:00:00 +0500"),
    ], encoding="windows-1251")
    server.hits.clear()

    again = crawl(db_url, server, source="vz_ru")
    assert again.run["items_new"] == 1
    assert server.hits.get(path) == 1 and "/vz_ru/economy/2025/9/2/1357100.html" not in server.hits
    versions = conn.execute("SELECT count(*) FROM raw.articles WHERE url = %s", (fixture.url(path),)).fetchone()
    assert versions[0] == 2


def test_ad_hoc_feed_lands_articles_without_a_registry_entry(
        db_url: str, conn: psycopg.Connection, fixture_server: FixtureServer, monkeypatch, capsys) -> None:
    from mediamon import cli

    monkeypatch.setenv("MEDIAMON_DATABASE_URL", db_url)
    feed = fixture_server.base_url + "/egemen/rss"
    assert cli.main(["crawl", "--feed", feed]) == 0
    assert "new 2" in capsys.readouterr().out
    rows = conn.execute("SELECT source, metadata->>'language' FROM raw.articles ORDER BY 2").fetchall()
    assert rows == [("feed:127.0.0.1", "kk"), ("feed:127.0.0.1", "ru")]


def test_extract_command_prints_the_article_as_json(fixture_server: FixtureServer, capsys) -> None:
    from mediamon import cli

    url = fixture_server.base_url + "/kazinform/ru/tokaev-otmetil-potencial-a4125"
    assert cli.main(["extract", url, "--url", "https://www.inform.kz/ru/tokaev-otmetil-potencial-a4125"]) == 0
    page = json.loads(capsys.readouterr().out)
    assert set(page) == {"title", "published_at", "authors", "text", "language", "url"}
    assert page["title"] == "Токаев отметил колоссальный потенциал отношений между Казахстаном и Китаем"
    # the outlet itself is no author
    assert page["published_at"] == "2023-10-17T15:30:00+06:00" and page["authors"] == []
    assert page["language"] == "ru" and page["text"].startswith("17 октября 2023 года")


def test_environment_configures_a_bare_news_crawl_for_schedulers(
        db_url: str, conn: psycopg.Connection, fixture_server: FixtureServer, monkeypatch) -> None:
    monkeypatch.setenv("MEDIAMON_NEWS_SOURCES", "egemen")
    monkeypatch.setenv("MEDIAMON_NEWS_BASE_URL", fixture_server.base_url + "/{source}/")
    result = run_spider(db_url, "news", {}, FAST)
    assert (result.run["status"], result.run["source"], result.run["items_new"]) == ("finished", "egemen", 3)
