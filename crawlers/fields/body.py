"""The article body: trafilatura first, fallbacks only when it found far less than the page holds.

Order (the first that is *enough* wins; ``text_method`` records which):

1. ``trafilatura`` — trafilatura on the parsed tree, with its own fallbacks (readability-lxml and
   jusText comparison) on, exactly as a plain ``trafilatura.extract`` would run;
2. ``json-ld`` — the JSON-LD ``articleBody`` the publisher wrote for search engines;
3. ``paragraphs`` — the densest block of ``<p>`` paragraphs, never inside ``<footer>``, ``<nav>``,
   ``<aside>``, ``<header>``, a form, or an element whose class/id says cookie, footer, menu,
   copyright, subscribe, comments or related.

*Enough* means at least half of the page's article markup (the longest of ``articleBody``, the
``itemprop=articleBody`` element and the paragraphs inside ``<article>``) and at least
``MIN_CHARS`` characters. When no candidate is enough, trafilatura's own text is kept if it found
any, else the longest fallback: a fallback never replaces a body trafilatura had.
"""

from __future__ import annotations

import logging
import re

import trafilatura
from lxml import etree

from crawlers.fields.jsonld import JsonLd
from crawlers.fields.titles import unescape

log = logging.getLogger(__name__)

MIN_CHARS = 200
SHARE_OF_MARKUP = 0.5
_BOILERPLATE_TAGS = ("footer", "nav", "aside", "header", "form", "menu", "noscript", "figcaption")
_BOILERPLATE_WORDS = re.compile(
    r"cookie|consent|gdpr|footer|copyright|subscri|newsletter|\bnav|menu|sidebar|related|comment|"
    r"share|social|banner|promo|advert|breadcrumb", re.I)
_BOILERPLATE_TEXT = re.compile(r"©|все права защищены|cookie|барлық құқықтар қорғалған|при копировании|"
                               r"использование материалов", re.I)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _in_boilerplate(element: etree._Element) -> bool:
    for node in element.iterancestors():
        if not isinstance(node.tag, str):
            continue
        if node.tag in _BOILERPLATE_TAGS:
            return True
        marks = f"{node.get('class', '')} {node.get('id', '')} {node.get('role', '')}"
        if marks.strip() and _BOILERPLATE_WORDS.search(marks):
            return True
    return False


def densest_paragraphs(tree: etree._Element) -> str:
    """The ``<p>`` texts of the element holding the most paragraph text, outside boilerplate;
    '' unless it looks like a body (two paragraphs or ``MIN_CHARS`` characters)."""
    groups: dict[etree._Element, list[str]] = {}
    for paragraph in tree.iter("p"):
        parent = paragraph.getparent()
        if parent is None or _in_boilerplate(paragraph):
            continue
        text = _squash("".join(paragraph.itertext()))
        if text and not _BOILERPLATE_TEXT.search(text):
            groups.setdefault(parent, []).append(text)
    best = max(groups.values(), key=lambda texts: sum(map(len, texts)), default=[])
    if len(best) < 2 and sum(map(len, best)) < MIN_CHARS:
        return ""
    return "\n".join(best)


def article_markup_chars(tree: etree._Element, ld: JsonLd) -> int:
    """How much article text the page's own markup says it holds (0 when it says nothing)."""
    sizes = [0]
    body = ld.article.get("articleBody")
    if isinstance(body, str):
        sizes.append(len(_squash(body)))
    for element in tree.xpath('//*[@itemprop="articleBody"]'):
        sizes.append(len(_squash(" ".join(p for p in element.xpath(".//p//text()")))))
    for article in tree.iter("article"):
        texts = [_squash("".join(p.itertext())) for p in article.iter("p") if not _in_boilerplate(p)]
        sizes.append(sum(len(t) + 1 for t in texts if t and not _BOILERPLATE_TEXT.search(t)))
    return max(sizes)


def run_trafilatura(tree: etree._Element, url: str | None) -> str:
    """trafilatura's text for the page; ``tree`` must be an ``lxml.html`` element (it is copied)."""
    return trafilatura.extract(tree, url=url, include_comments=False, include_tables=False,
                               deduplicate=False) or ""


def choose_body(tree: etree._Element, url: str, ld: JsonLd) -> tuple[str, str | None]:
    """``(text, method)`` for the page; method is None when nothing was found."""
    reference = article_markup_chars(tree, ld)
    needed = max(MIN_CHARS, int(SHARE_OF_MARKUP * reference)) if reference else MIN_CHARS

    text = run_trafilatura(tree, url).strip()
    if len(text) >= needed:
        return text, "trafilatura"
    json_body = ld.article.get("articleBody")
    fallbacks = [("json-ld", _json_body(json_body)), ("paragraphs", densest_paragraphs(tree))]
    for method, candidate in fallbacks:
        if len(candidate) >= needed and len(candidate) > len(text):
            log.warning("body of %s from the %s fallback: trafilatura found %d characters, the page's "
                        "article markup %d", url, method, len(text), reference)
            return candidate, method
    if text:
        return text, "trafilatura"
    method, candidate = max(fallbacks, key=lambda pair: len(pair[1]))
    if candidate:
        log.warning("body of %s from the %s fallback: trafilatura found nothing", url, method)
        return candidate, method
    return "", None


def _json_body(value: object) -> str:
    if not isinstance(value, str):
        return ""
    text = unescape(value)
    if "<" in text and ">" in text:
        fragment = etree.fromstring(f"<div>{text}</div>", etree.HTMLParser())
        text = "\n".join(_squash(t) for t in fragment.xpath("//text()") if t.strip()) if fragment is not None else ""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
