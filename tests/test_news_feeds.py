"""Feed and sitemap parsing: the formats outlets publish, and the hostile ones refused."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from fixture_site import site

from crawlers.feeds import FeedError, parse_feed


def test_rss_items_keep_link_and_pubdate() -> None:
    feed = parse_feed(site.rss("t", [("https://vz.ru/a.html", "А", "Sat, 30 Aug 2025 12:00:00 +0300"),
                                     ("https://vz.ru/b.html", "Б", None)], encoding="windows-1251"))
    assert feed.kind == "rss"
    assert [(e.url, e.lastmod) for e in feed.entries] == [
        ("https://vz.ru/a.html", datetime(2025, 8, 30, 9, 0, tzinfo=UTC)), ("https://vz.ru/b.html", None)]
    assert feed.entries[0].title == "А"


def test_atom_entries_use_alternate_link_and_updated() -> None:
    feed = parse_feed(site.atom("t", [("https://egemen.kz/a", "A", "2025-09-02T11:00:00+05:00")]))
    assert feed.kind == "atom"
    assert feed.entries[0].url == "https://egemen.kz/a"
    assert feed.entries[0].lastmod == datetime(2025, 9, 2, 6, 0, tzinfo=UTC)


def test_news_sitemap_date_and_sitemap_index_children() -> None:
    urlset = parse_feed(site.sitemap([("https://egemen.kz/a", "2025-09-02T11:00:00+05:00")], news=True))
    assert urlset.kind == "sitemap" and urlset.entries[0].lastmod.year == 2025
    children = [("https://zakon.kz/s1.xml", "2025-09-01"), ("https://zakon.kz/s2.xml", None)]
    index = parse_feed(site.sitemap_index(children))
    assert index.kind == "sitemapindex" and [c.url for c in index.children] == [
        "https://zakon.kz/s1.xml", "https://zakon.kz/s2.xml"]


def test_gzipped_sitemap_is_read() -> None:
    feed = parse_feed(gzip.compress(site.sitemap([("https://zakon.kz/a", None)])))
    assert [e.url for e in feed.entries] == ["https://zakon.kz/a"]


@pytest.mark.parametrize(("body", "code"), [
    (site.XML_BOMB, "xml_bomb"),
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss>&x;</rss>', "xml_bomb"),
    (b"<rss><channel><item><link>http://x", "malformed_feed"),
    (b"", "malformed_feed"),
    (b"<html><body>not a feed</body></html>", "not_a_feed"),
])
def test_hostile_or_broken_feeds_are_refused_with_a_reason(body: bytes, code: str) -> None:
    with pytest.raises(FeedError) as caught:
        parse_feed(body)
    assert caught.value.code == code
