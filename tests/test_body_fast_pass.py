"""The body's fast pass (``crawlers.fields.body.first_pass``): kept only when it already holds the
page's paragraphs, on a tree without link blocks; the full trafilatura cascade otherwise.

Real pages from ``tests/real_pages/`` pin both sides: rbc.ru needs the full cascade (the fast pass
holds a third of the article), gazeta.ru does not (same text either way).
"""

from __future__ import annotations

import lxml.html
import pytest

from bench import extract_eval
from crawlers import extraction
from crawlers.fields import body

PAGES = {p.gold["id"].split("-")[0]: p for p in extract_eval.load_corpus()} if (
    extract_eval.CORPUS / "gold.jsonl").is_file() else {}


def tree_of(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(html, parser=extraction._HTML_PARSER)


def real_tree(site: str) -> tuple[lxml.html.HtmlElement, str]:
    if site not in PAGES:
        pytest.skip("tests/real_pages is missing")
    page = PAGES[site]
    html, _ = extraction.decode_html(page.body)
    return tree_of(html), page.gold["url"]


ARTICLE = "".join(f"<p>Абзац {i} статьи о переговорах Казахстана и Китая по транзиту грузов через Хоргос.</p>"
                  for i in range(6))
MENU = "<ul class='menu'>" + "".join(f"<li><a href='/r/{i}'>Рубрика {i}</a></li>" for i in range(40)) + "</ul>"
TEASERS = "<section class='more'>" + "".join(
    f"<div><a href='/n/{i}'>Заголовок другой новости номер {i}</a><span>12:{i:02d}</span></div>"
    for i in range(40)) + "</section>"
SIDEBAR = "<div class='side'>" + "".join(f"<a href='/s/{i}'>Новость колонки {i}</a>" for i in range(20)) + "</div>"


def test_link_blocks_outside_the_articles_container_are_dropped_for_the_fast_pass() -> None:
    html = (f"<html><body>{MENU}<script>var x = 1;</script><div class='grid'><main><h1>Заголовок</h1>"
            f"<article>{ARTICLE}</article></main>{SIDEBAR}</div>{TEASERS}</body></html>")
    tree = tree_of(html)
    pruned = body.without_link_blocks(tree)
    assert pruned.find(".//ul") is None and pruned.find(".//section") is None and pruned.find(".//script") is None
    # beside the article inside the headline's containers: left for trafilatura to weigh
    assert pruned.find(".//div[@class='side']") is not None
    assert pruned.findtext(".//h1") == "Заголовок" and len(pruned.findall(".//article/p")) == 6
    assert tree.find(".//ul") is not None  # the page itself is not touched


def test_a_link_block_holding_the_headline_is_kept() -> None:
    links = "".join(f"<a href='/x/{i}'>Ссылка номер {i}</a>" for i in range(30))
    tree = tree_of(f"<html><body><div class='wrap'>{links}<h1>Заголовок</h1></div></body></html>")
    assert body.without_link_blocks(tree).findtext(".//h1") == "Заголовок"


def test_the_fast_pass_is_kept_when_it_holds_the_pages_paragraphs() -> None:
    tree, url = real_tree("gazeta")
    fast = body.run_trafilatura(body.without_link_blocks(tree), url, fast=True)
    assert body.coverage(fast, body.page_paragraphs(tree)) >= body.FAST_PASS_COVERAGE
    assert body.first_pass(tree, url) == fast == body.run_trafilatura(tree, url)


def test_the_full_cascade_runs_when_the_fast_pass_misses_paragraphs() -> None:
    """rbc.ru: the article continues outside the block the fast pass chose; readability and the
    recall escalation of the full cascade find the rest."""
    tree, url = real_tree("rbc")
    fast = body.run_trafilatura(body.without_link_blocks(tree), url, fast=True)
    full = body.run_trafilatura(tree, url)
    assert body.coverage(fast, body.page_paragraphs(tree)) < body.FAST_PASS_COVERAGE
    assert len(full) > 2 * len(fast)
    assert body.first_pass(tree, url) == full
