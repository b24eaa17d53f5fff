"""What the news spider refuses to fetch or store, shown by real crawls of local servers.

- Origins (issue 12, defect 3): a feed link or a redirect to another port of the source's own
  host (an "internal service" on 127.0.0.1) is refused; nothing reaches that server.
- Addresses: without ``MEDIAMON_LOCAL_SOURCES`` a source whose name resolves to a loopback address
  (``localhost``) is refused after DNS, before even robots.txt is asked for.
- Schemes (defect 4): ``JavaScript:`` in a feed link or a canonical URL is never followed or stored.
- Honest outcomes (defect 7): a gzip bomb is quarantined and counted; a UTF-16 page lands.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import psycopg
import pytest
from fixture_site import FixtureServer
from fixture_site.site import Article, Route, page_json_ld, rss

from mediamon.crawling import run_spider

pytestmark = pytest.mark.slow

FAST = {"LOG_LEVEL": "WARNING", "AUTOTHROTTLE_START_DELAY": "0.05", "AUTOTHROTTLE_MAX_DELAY": "0.2",
        "MEDIAMON_MAX_ARTICLE_BYTES": "200000"}


def _article(key: str) -> Article:
    return Article(key, f"Китай и Казахстан: {key}", [
        f"Материал {key}: Казахстан и Китай обсудили торговлю и транзит через границу.",
        "Стороны договорились увеличить поставки и упростить таможенные процедуры на переходах.",
    ], "2025-09-02T11:00:00+05:00", ["Редакция"])


@pytest.fixture()
def servers() -> Iterator[tuple[FixtureServer, FixtureServer]]:
    with FixtureServer() as site, FixtureServer() as internal:
        yield site, internal


def test_links_redirects_and_canonical_urls_stay_on_the_sources_origins(
        db_url: str, conn: psycopg.Connection, servers: tuple[FixtureServer, FixtureServer]) -> None:
    server, internal = servers
    site = server.site
    secret = f"http://127.0.0.1:{internal.port}/tengrinews/secret"
    internal.site.routes["/tengrinews/secret"] = Route(body=page_json_ld(_article("secret"), secret).encode())

    good = site.url("/tengrinews/good/")
    site.routes["/tengrinews/good/"] = Route(
        body=page_json_ld(_article("good"), "JavaScript://%0aalert(document.cookie)").encode())
    site.routes["/tengrinews/go-internal"] = Route(status=302, location=secret)
    utf16 = site.url("/tengrinews/utf16/")
    site.routes["/tengrinews/utf16/"] = Route(body=b"\xff\xfe" + page_json_ld(_article("utf16"), utf16).encode(
        "utf-16-le"), content_type="text/html; charset=utf-16")
    bomb = site.url("/tengrinews/bomb/")
    site.routes["/tengrinews/bomb/"] = Route(body=gzip.compress(b" " * (20 * 1024 * 1024), compresslevel=9),
                                             headers={"Content-Encoding": "gzip"})
    site.routes["/tengrinews/news.rss"] = Route(body=rss("Tengrinews", [
        (good, "good", None), (utf16, "utf16", None), (bomb, "bomb", None),
        (secret, "internal port", None), (site.url("/tengrinews/go-internal"), "redirect", None),
        ("JavaScript:alert(1)//" + site.url("/tengrinews/good/"), "script", None),
        (f"ftp://127.0.0.1:{server.port}/tengrinews/good/", "ftp", None),
    ]), content_type="application/rss+xml")

    result = run_spider(db_url, "news", {"source": "tengrinews", "base_url": server.base_url + "/{source}/"},
                        {**FAST, "MEDIAMON_LOCAL_SOURCES": "tengrinews"})

    assert result.run["status"] == "finished"
    assert internal.hits == {}, "a request reached the internal service on another port"
    landed = dict(conn.execute("SELECT url, encoding FROM raw.articles").fetchall())
    assert landed == {good: "utf-8", utf16: "utf-16-le"}  # the JavaScript: canonical URL was not stored
    outcomes = dict(conn.execute("SELECT url, last_outcome FROM ops.crawl_urls").fetchall())
    assert outcomes[site.url("/tengrinews/go-internal")] == "error:offsite_redirect"
    assert outcomes[bomb] == "quarantined:decompression_bomb"
    assert secret not in outcomes
    stats = result.run["stats"]
    assert stats["mediamon/news/refused_links/offsite_origin"] == 1
    assert stats["mediamon/news/refused_links/bad_scheme"] == 2
    reason = conn.execute("SELECT reason_code, reason FROM ops.quarantine WHERE item_key = %s", (bomb,)).fetchone()
    assert reason[0] == "decompression_bomb" and "decompression" in reason[1]
    assert (result.run["items_seen"], result.run["items_new"], result.run["items_quarantined"]) == (3, 2, 1)


def test_a_source_resolving_to_a_loopback_address_is_refused(
        db_url: str, conn: psycopg.Connection, servers: tuple[FixtureServer, FixtureServer]) -> None:
    server, _ = servers
    args = {"source": "egemen", "base_url": f"http://localhost:{server.port}/{{source}}/"}

    refused = run_spider(db_url, "news", args, FAST)

    assert server.hits == {}, "the spider connected to a loopback address (robots.txt included)"
    assert refused.run["status"] == "finished" and refused.run["items_new"] == 0
    assert refused.run["errors"] == 2 and refused.run["stats"]["mediamon/news/errors/private_address"] == 2
    outcomes = set(conn.execute("SELECT last_outcome FROM ops.crawl_urls").fetchall())
    assert outcomes == {("error:private_address",)}

