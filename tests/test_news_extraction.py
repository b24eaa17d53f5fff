"""Extraction of title, date, author, body, language and charset from every fixture page."""

from __future__ import annotations

import re

import pytest
from fixture_site import FixtureSite

from crawlers import extraction
from transforms import sources

SITE = FixtureSite(port=8000)
LANDED = [e for e in SITE.expected if e.outcome == "landed"]
REGISTRY = {s.name: s for s in sources.load_registry()}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("expected", LANDED, ids=[e.landed_path or e.path for e in LANDED])
def test_fixture_page_extracts_to_its_expected_title_date_authors_and_body(expected) -> None:
    path = expected.landed_path or expected.path
    route = SITE.routes[path]
    source = REGISTRY[expected.source]  # what the spider passes: the outlet's timezone and name
    page = extraction.extract(route.body, SITE.url(path), content_type=route.content_type,
                              timezone=source.timezone, site_name=source.title)
    assert page.title == expected.title
    assert page.published_at == expected.published_at
    assert page.authors == expected.authors
    assert page.text.startswith(expected.body_start)
    assert page.language == (expected.language or "ru")
    assert page.encoding == (expected.encoding or "utf-8")
    assert page.url == SITE.url(path)  # canonical link or og:url, or the page itself


def test_body_keeps_every_paragraph_of_the_seed_and_no_boilerplate() -> None:
    from fixture_site.site import _articles

    article = _articles()["seed002"]
    route = SITE.routes["/tengrinews/kazakhstan_news/tokaev-poblagodaril-571200/"]
    text = extraction.extract(route.body, "http://127.0.0.1:8000/x").text
    assert _squash(text) == _squash(" ".join(article.paragraphs))
    assert "Читайте также" not in text and "Все права защищены" not in text


def test_cp1251_page_declared_utf8_decodes_to_russian_not_mojibake() -> None:
    body = "<html><head><meta charset='utf-8'><title>Токаев и Си Цзиньпин</title></head></html>".encode("cp1251")
    text, codec = extraction.decode_html(body, "text/html; charset=utf-8")
    assert codec == "cp1251" and "Токаев и Си Цзиньпин" in text


def test_koi8r_page_declared_cp1251_is_detected_by_letter_case() -> None:
    body = "<p>Казахстан и Китай подписали соглашение о торговле</p>".encode("koi8-r")
    text, codec = extraction.decode_html(body, "text/html; charset=windows-1251")
    assert codec == "koi8-r" and "Казахстан и Китай" in text


def test_utf8_page_declared_cp1251_stays_utf8() -> None:
    body = "<p>Пекин, Астана</p>".encode()
    assert extraction.decode_html(body, "text/html; charset=windows-1251") == ("<p>Пекин, Астана</p>", "utf-8")


def test_binary_served_as_html_is_refused() -> None:
    with pytest.raises(extraction.NotHtmlError):
        extraction.extract(b"\x89PNG\r\n\x1a\n\x00\x00", "http://x/photo", content_type="text/html")


@pytest.mark.parametrize(("url", "day"), [
    ("https://vz.ru/politics/2025/8/30/1357001.html", "2025-08-30"),
    ("https://www.zakon.kz/2023-10-17/tokaev.html", "2023-10-17"),
    ("https://tass.ru/politika/20250830/x", "2025-08-30"),
    ("https://www.rbc.ru/politics/03/03/2020/5e5e1a139a7947838ece510f", "2020-03-03"),
    ("https://egemen.kz/article/380001", None),
    ("https://x.kz/2025/13/45/", None),
])
def test_url_date_hint(url: str, day: str | None) -> None:
    hint = extraction.url_date_hint(url)
    assert (hint.isoformat() if hint else None) == day


def test_kazakh_text_is_kk_and_russian_text_is_ru() -> None:
    assert extraction.detect_language("Мемлекет басшысы Қытай Халық Республикасының Төрағасымен кездесті") == "kk"
    assert extraction.detect_language("Президент Казахстана встретился с председателем КНР") == "ru"
    assert extraction.detect_language("The president met the chairman") == "other"
