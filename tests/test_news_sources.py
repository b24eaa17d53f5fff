"""The sources registry: the committed file is valid and holds the seed outlets; bad entries are
reported with their name; loading into ops.sources is idempotent."""

from __future__ import annotations

import psycopg
import pytest
import yaml

from transforms import sources


def test_committed_registry_holds_the_outlets_the_seeds_name() -> None:
    registry = {s.name: s for s in sources.load_registry()}
    titles = " ".join(s.title for s in registry.values())
    outlets = ("NUR.KZ", "Zakon.kz", "Kazinform", "Tengrinews", "Akorda", "Egemen Qazaqstan",
               "ВЗГЛЯД", "ТАСС")
    for outlet in outlets:
        assert outlet in titles
    assert registry["egemen"].language == "kk"
    assert all(s.feeds or s.sitemaps for s in registry.values())
    assert registry["tass"].mentions_topic("Визит в КНР")
    assert not registry["tass"].mentions_topic("Погода в Москве")


def _entry(**overrides):
    entry = {
        "name": "demo", "title": "Demo", "homepage": "https://demo.kz/", "domains": ["demo.kz"],
        "language": "ru", "country": "KZ", "feeds": ["https://www.demo.kz/rss.xml"], "enabled": True,
        "verification": "fixture",
    }
    entry.update(overrides)
    return entry


def test_invalid_entries_are_all_reported_with_their_name() -> None:
    document = {"sources": [
        _entry(name="Bad Name"),
        _entry(name="offsite", feeds=["https://elsewhere.com/rss"]),
        _entry(name="nofeeds", feeds=[], sitemaps=[]),
        _entry(name="lang", language="xx", colour="red"),
        _entry(), _entry(),
    ]}
    with pytest.raises(sources.RegistryError) as caught:
        sources.parse_registry(document)
    message = str(caught.value)
    assert "lower_snake_case" in message
    assert "(offsite): 'https://elsewhere.com/rss' is outside the source's domains" in message
    assert "(nofeeds): needs at least one feed or sitemap" in message
    assert "(lang): unknown keys ['colour']" in message and "language 'xx'" in message
    assert "name 'demo' is used twice" in message


def test_rebasing_moves_feeds_under_the_base_url_and_allows_its_host() -> None:
    source = sources.parse_registry({"sources": [_entry(sitemaps=["https://demo.kz/sitemap.xml?page=1"])]})[0]
    moved = source.rebased("http://127.0.0.1:8123/{source}")
    assert moved.feeds == ("http://127.0.0.1:8123/demo/rss.xml",)
    assert moved.sitemaps == ("http://127.0.0.1:8123/demo/sitemap.xml?page=1",)
    assert moved.allows_host("127.0.0.1") and moved.allows_host("www.demo.kz")
    assert not moved.allows_host("localhost")


def test_selecting_an_unknown_source_names_the_known_ones() -> None:
    registry = sources.load_registry()
    with pytest.raises(sources.RegistryError, match="unknown source"):
        sources.select(registry, ["nope"])
    assert all(s.enabled for s in sources.select(registry))


def test_loading_the_registry_twice_changes_nothing_and_retires_removed_sources(
        conn: psycopg.Connection, tmp_path) -> None:
    first = sources.sync_to_database(conn)
    rows = conn.execute("SELECT name, feeds, enabled FROM ops.sources ORDER BY name").fetchall()
    assert first["sources"] == len(rows) >= 8
    sources.sync_to_database(conn)
    assert conn.execute("SELECT name, feeds, enabled FROM ops.sources ORDER BY name").fetchall() == rows

    document = yaml.safe_load(sources.default_registry_path().read_text(encoding="utf-8"))
    document["sources"] = [s for s in document["sources"] if s["name"] != "tass"]
    smaller = tmp_path / "sources.yaml"
    smaller.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    assert sources.sync_to_database(conn, smaller)["retired"] == 1
    assert conn.execute("SELECT in_registry, enabled FROM ops.sources WHERE name = 'tass'").fetchone() == (
        False, False)
