"""Which URLs may be followed, stored or rendered (issue 12, defects 3 and 4): pure rules, the
extraction of a ``<link rel=canonical>``, and the HTML digest over a real PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from helpers_quality import plant_world

from crawlers import extraction
from transforms import marts, urls
from transforms.report import gather, render
from transforms.sources import Source

HOSTILE = ["JavaScript:alert(1)", "JAVASCRIPT://%0aalert(document.cookie)", " javascript:alert(1)",
           "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
           "https-evil://x.kz/", "file:///etc/passwd", "//tengrinews.kz/no-scheme", "http://", "http://x.kz:99999/"]


@pytest.mark.parametrize("url", HOSTILE)
def test_only_absolute_http_urls_are_web_urls(url: str) -> None:
    assert not urls.is_web_url(url) and urls.safe_href(url) is None and urls.origin(url) is None


def test_scheme_case_does_not_matter_for_real_web_urls() -> None:
    assert urls.safe_href("HTTPS://Tengrinews.kz/a") == "HTTPS://Tengrinews.kz/a"
    assert urls.origin("HTTPS://Tengrinews.kz/a") == urls.Origin("https", "tengrinews.kz", 443)


@pytest.mark.parametrize(("address", "public"), [
    ("127.0.0.1", False), ("10.1.2.3", False), ("192.168.0.10", False), ("172.16.5.4", False),
    ("169.254.169.254", False), ("0.0.0.0", False), ("::1", False), ("fe80::1", False), ("fc00::5", False),
    ("::ffff:127.0.0.1", False), ("224.0.0.1", False), ("100.64.0.1", False), ("not-an-ip", False),
    ("8.8.8.8", True), ("2a00:1450:4001::1", True), ("::ffff:8.8.8.8", True),
])
def test_non_public_addresses_are_recognised(address: str, public: bool) -> None:
    assert urls.is_public_address(address) is public


def _source(*registered: str) -> Source:
    return Source(name="outlet", title="Outlet", homepage=registered[0], domains=("outlet.kz",), language="ru",
                  country="KZ", feeds=registered[1:] or registered[:1])


def test_a_source_fetches_only_its_registered_origins() -> None:
    source = _source("https://outlet.kz/", "https://www.outlet.kz/rss.xml")
    assert source.refuses("https://news.outlet.kz/a") is None
    assert source.refuses("http://outlet.kz/a") is None  # the standard ports are one family
    assert source.refuses("https://outlet.kz:8443/a") == "offsite_origin"
    assert source.refuses("http://outlet.kz:6379/") == "offsite_origin"
    assert source.refuses("https://evil.kz/a") == "offsite_link"
    assert source.refuses("JavaScript:alert(1)//outlet.kz") == "bad_scheme"
    assert source.refuses("ftp://outlet.kz/a") == "bad_scheme"


def test_a_mirror_on_a_port_allows_that_port_only() -> None:
    mirror = _source("https://outlet.kz/", "https://outlet.kz/rss.xml").rebased("http://127.0.0.1:8123/{source}/")
    assert mirror.refuses("http://127.0.0.1:8123/outlet/a") is None
    assert mirror.refuses("http://127.0.0.1:8124/outlet/a") == "offsite_origin"
    assert mirror.refuses("http://127.0.0.1/outlet/a") == "offsite_origin"


@pytest.mark.parametrize("canonical", HOSTILE[:6])
def test_a_hostile_canonical_url_is_ignored_by_extraction(canonical: str) -> None:
    page = (f'<html><head><link rel="canonical" href="{canonical}"><title>Китай</title></head>'
            "<body><p>Текст статьи о Китае и Казахстане, достаточно длинный для извлечения.</p></body></html>")
    assert extraction.extract(page.encode(), "https://outlet.kz/a").url == "https://outlet.kz/a"


def test_the_digest_renders_only_http_links(conn) -> None:
    ids = plant_world(conn)
    conn.execute("UPDATE core.articles SET url = 'JavaScript://%%0aalert(document.cookie)' WHERE article_id = %s",
                 (ids["a1"],))
    marts.refresh(conn, allow_unchecked=True)
    page = render(gather(conn, date(2025, 8, 30)))
    hrefs = [part.split('"', 2)[1] for part in page.split("href=")[1:]]
    assert hrefs and all(h.lower().startswith(("http://", "https://", "#")) for h in hrefs), hrefs
    assert "Си Цзиньпин встретился с Токаевым" in page  # the article is still listed, as text
