"""Extraction in worker processes (``crawlers.extract_pool``) gives what in-process extraction
gives: the same fields, the same quarantine codes, the same warnings in the crawl's log."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from test_extraction_fields import PARAGRAPHS, ld, page

from bench import extract_eval
from crawlers import extraction
from crawlers.extract_pool import ExtractionPool


@pytest.fixture(scope="module")
def pool() -> Iterator[ExtractionPool]:
    pool = ExtractionPool(2)
    yield pool
    pool.close()


def extract_in(pool: ExtractionPool, body: bytes, url: str, **kwargs: object) -> extraction.Extracted:
    page, seconds = asyncio.run(pool.extract(body, url, **kwargs))
    assert seconds > 0
    return page


def test_real_pages_extract_the_same_in_a_worker(pool: ExtractionPool) -> None:
    pages = extract_eval.load_corpus()[:2]
    if not pages:
        pytest.skip("tests/real_pages is missing")
    for p in pages:
        url = p.gold["url"]
        expected = extraction.extract(p.body, url, timezone="Europe/Moscow", now=None).as_dict()
        got = extract_in(pool, p.body, url, timezone="Europe/Moscow").as_dict()
        assert got == expected, p.gold["id"]


@pytest.mark.parametrize(("body", "code"), [(b"just a plain text error page, no markup at all", "not_html"),
                                            (b"\x89PNG\r\n\x1a\n" + bytes(200), "binary")])
def test_quarantine_codes_survive_the_trip_from_a_worker(pool: ExtractionPool, body: bytes, code: str) -> None:
    with pytest.raises(extraction.NotHtmlError) as raised:
        extract_in(pool, body, "https://example.kz/x")
    assert raised.value.code == code


def test_warnings_logged_in_a_worker_reach_the_crawls_log(pool: ExtractionPool, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="crawlers.fields.body")
    text = "\n".join(PARAGRAPHS * 4)
    html = page(head=ld(**{"@type": "NewsArticle", "headline": "Заголовок", "articleBody": text}),
                article="".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "<div class='paywall'>Подпишитесь</div>")
    got = extract_in(pool, html.encode(), "https://example.kz/news/3")
    assert got.text_method == "json-ld"
    assert any(r.name == "crawlers.fields.body" and "https://example.kz/news/3" in r.getMessage()
               for r in caplog.records)
