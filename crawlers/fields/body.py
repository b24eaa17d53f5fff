"""The article body: trafilatura first, fallbacks only when it found far less than the page holds.

Order (the first that is *enough* wins; ``text_method`` records which):

1. ``trafilatura`` — trafilatura on the parsed ``lxml.html`` tree, as a plain
   ``trafilatura.extract`` runs (its own readability-lxml and jusText fallbacks included), or its
   fast pass alone when that already holds the page's paragraphs (:func:`first_pass`);
2. ``trafilatura-recall`` — trafilatura again with ``favor_recall`` (keeps blocks it judged
   marginal: leads, pull quotes);
3. ``json-ld`` — the JSON-LD ``articleBody`` the publisher wrote for search engines;
4. ``paragraphs`` — the densest block of ``<p>`` paragraphs, never inside ``<footer>``, ``<nav>``,
   ``<aside>``, ``<header>``, a form, or an element whose class/id says cookie, footer, menu,
   copyright, subscribe, comments or related.

*Enough* means at least ``MIN_CHARS`` characters holding at least half of the words of the page's
article markup (the longest of ``articleBody``, the ``itemprop=articleBody`` element and the
paragraphs inside ``<article>``), so neither a text far shorter than the article nor the site's
region menu taken for it passes. When no candidate is enough, trafilatura's own text (the longer of its
two passes) is kept if it found any, else the longest fallback: a JSON-LD or paragraph fallback
never replaces a body trafilatura had. Every fallback is logged at WARNING with the URL.
"""

from __future__ import annotations

import copy
import logging
import re
from collections import Counter

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
    """Whitespace runs as one space, trimmed (``str.split`` splits on exactly what ``\\s`` matches,
    at a fraction of a regex substitution's cost; this runs for every link of a page)."""
    return " ".join(text.split())


def headline_ancestors(tree: etree._Element) -> frozenset[etree._Element]:
    """The ``<h1>``'s ancestors: never boilerplate for the article under it, whatever their tag
    or class (mk.ru's whole article sits in an ``<aside>`` once lxml repairs its markup)."""
    heading = next(iter(tree.iter("h1")), None)
    return frozenset(heading.iterancestors()) if heading is not None else frozenset()


def _in_boilerplate(element: etree._Element, exempt: frozenset[etree._Element] = frozenset()) -> bool:
    for node in element.iterancestors():
        if not isinstance(node.tag, str) or node in exempt:
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


def article_markup(tree: etree._Element, ld: JsonLd) -> str:
    """The article text the page's own markup declares (the longest of the JSON-LD
    ``articleBody``, the ``itemprop=articleBody`` paragraphs and the ``<article>`` paragraphs
    outside boilerplate); '' when the markup declares none."""
    found = [""]
    body = ld.article.get("articleBody")
    if isinstance(body, str):
        found.append(_squash(unescape(body)))
    for element in tree.xpath('//*[@itemprop="articleBody"]'):
        found.append(_squash(" ".join(element.xpath(".//p//text()"))))
    for article in tree.iter("article"):
        texts = [_squash("".join(p.itertext())) for p in article.iter("p") if not _in_boilerplate(p)]
        found.append(" ".join(t for t in texts if t and not _BOILERPLATE_TEXT.search(t)))
    return max(found, key=len)


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.casefold()))


def coverage(candidate: str, reference: str) -> float:
    """Share of the reference's words (with repeats) that ``candidate`` holds; 1.0 without one."""
    wanted = _words(reference)
    if not wanted:
        return 1.0
    return sum((_words(candidate) & wanted).values()) / sum(wanted.values())


def unwrap_swallowed_article(tree: etree._Element) -> int:
    """Turn back into plain ``<div>``s the ``<aside>``/banner blocks that hold an article's worth
    of paragraphs (1,000+ characters in 3+ ``<p>``): an unclosed banner tag makes lxml nest the
    rest of the article inside it (inosmi.ru), and trafilatura then drops it as an ad. Changes
    ``tree`` in place; returns how many blocks were unwrapped."""
    unwrapped = 0
    for block in tree.xpath('//aside | //*[contains(@class, "banner")]'):
        texts = [_squash(p.text_content()) for p in block.iter("p")]
        long = [t for t in texts if len(t) >= 60]
        if len(long) >= 3 and sum(map(len, long)) >= 1000:
            block.tag = "div"
            for attribute in ("class", "id", "role"):
                block.attrib.pop(attribute, None)
            unwrapped += 1
    return unwrapped


def run_trafilatura(tree: etree._Element, url: str | None, *, favor_recall: bool = False,
                    fast: bool = False) -> str:
    """trafilatura's text for the page; ``tree`` must be an ``lxml.html`` element (it is copied).

    Run as a plain ``trafilatura.extract`` runs (its readability/jusText second opinion on), without
    tables and comments, unless ``fast``: then without that second opinion and jusText's recall
    candidate (a third of the time on a page heavy with "more news" teasers). ``favor_recall`` is
    the wider retry when the text is not enough.
    """
    return (trafilatura.extract(tree, url=url, include_comments=False, include_tables=False,
                                deduplicate=False, favor_recall=favor_recall, fast=fast) or "").strip()


#: Share of the page's own paragraph text a fast pass must hold to be kept without a second opinion.
FAST_PASS_COVERAGE = 0.95


def page_paragraphs(tree: etree._Element) -> str:
    """The text of the page's ``<p>`` paragraphs of 30+ characters outside boilerplate (the
    headline's ancestors exempt): what a reader sees as running text anywhere on the page."""
    exempt = headline_ancestors(tree)
    texts = (_squash(p.text_content()) for p in tree.iter("p") if not _in_boilerplate(p, exempt))
    return " ".join(t for t in texts if len(t) >= 30)


#: Never text: trafilatura drops these anyway, the fast pass gets a tree without them.
_NEVER_TEXT = ("script", "style", "template", "svg", "noscript")
#: A block with this many links whose text is at least this share link text is a menu or a list
#: of other articles ("more news" teasers with their times): no article paragraph lives there.
LINK_BLOCK_LINKS = 10
LINK_BLOCK_SHARE = 0.8


def without_link_blocks(tree: etree._Element) -> etree._Element:
    """A copy of ``tree`` without scripts, styles and link blocks (menus, "more news" lists),
    the headline and its ancestors kept whatever they hold, and the blocks beside the article in
    the headline's containers below ``<body>`` too (taking kommersant.ru's news column out of its
    layout grid made trafilatura keep the headlines in the text).

    For the fast pass only: on a page heavy with teasers, trafilatura's cleaning, tag conversion
    and its recall escalation (set off because the article is a small share of all that text)
    walk mostly link lists; without them the fast pass costs a tenth. Whatever this drops, the
    coverage check of :func:`first_pass` is made against the page as it was.
    """
    pruned = copy.deepcopy(tree)
    for element in list(pruned.iter(*_NEVER_TEXT)):
        if element.getparent() is not None:
            element.drop_tree()
    heading = next(iter(pruned.iter("h1")), None)
    keep = {heading, *heading.iterancestors()} if heading is not None else set()
    pending = [pruned]
    while pending:
        parent = pending.pop()
        for child in list(parent):
            if not isinstance(child.tag, str):
                continue
            if child in keep:
                pending.append(child)
                continue
            if parent in keep and parent.tag not in ("html", "body"):
                continue  # beside the article in its own container: trafilatura's choice weighs it
            links = list(child.iter("a"))
            if len(links) < LINK_BLOCK_LINKS:
                continue
            total = len(_squash(child.text_content()))
            linked = sum(len(_squash(a.text_content())) for a in links)
            if linked >= LINK_BLOCK_SHARE * total:
                child.drop_tree()
            else:
                pending.append(child)
    return pruned


def first_pass(tree: etree._Element, url: str | None) -> str:
    """trafilatura's text, with its second opinion only where the fast pass may have missed text.

    The fast pass (:func:`run_trafilatura` with ``fast``, on the page without its link blocks:
    :func:`without_link_blocks`) is kept when it holds at least ``FAST_PASS_COVERAGE`` of the
    words of every paragraph on the page (:func:`page_paragraphs`, on the whole page): readability
    and jusText could then only add text that is not in a paragraph, or drop some. Otherwise — a
    page without paragraphs, an article continued outside the block trafilatura chose (rbc.ru in
    tests/real_pages: the fast pass held a third of it) — trafilatura runs again with its full
    cascade on the whole page, as a plain ``trafilatura.extract`` would.
    """
    text = run_trafilatura(without_link_blocks(tree), url, fast=True)
    paragraphs = page_paragraphs(tree)
    if len(text) >= MIN_CHARS and paragraphs and coverage(text, paragraphs) >= FAST_PASS_COVERAGE:
        return text
    return run_trafilatura(tree, url)


def choose_body(tree: etree._Element, url: str, ld: JsonLd) -> tuple[str, str | None]:
    """``(text, method)`` for the page; method is None when nothing was found."""
    unwrap_swallowed_article(tree)
    reference = article_markup(tree, ld)

    def enough(candidate: str) -> bool:
        return len(candidate) >= MIN_CHARS and coverage(candidate, reference) >= SHARE_OF_MARKUP

    text = first_pass(tree, url)
    if enough(text):
        return text, "trafilatura"
    candidates = [("trafilatura", text)]
    for method, produce in (
        ("trafilatura-recall", lambda: run_trafilatura(tree, url, favor_recall=True)),
        ("json-ld", lambda: _json_body(ld.article.get("articleBody"))),
        ("paragraphs", lambda: densest_paragraphs(tree)),
    ):
        candidate = produce()
        if enough(candidate):
            log.warning("body of %s from the %s fallback: trafilatura's first pass found %d characters "
                        "holding %.0f%% of the page's %d characters of article markup", url, method, len(text),
                        100 * coverage(text, reference), len(reference))
            return candidate, method
        candidates.append((method, candidate))
    # Nothing is enough: trafilatura's text when it found any, else the best fallback.
    def rank(pair: tuple[str, str]) -> tuple[float, int]:
        return (coverage(pair[1], reference) if reference else 0.0, len(pair[1]))

    own = max(candidates[:2], key=rank)
    method, candidate = own if own[1] else max(candidates[2:], key=rank)
    if not candidate:
        return "", None
    if method != "trafilatura":
        log.warning("body of %s from the %s fallback: no candidate was enough", url, method)
    return candidate, method


_DATE_LINE = re.compile(
    r"^(?:\d{1,2}(?:\s+[^\W\d_]+|\.\d{1,2})(?:\.?\s*\d{4})?[,\s]+)?\d{1,2}:\d{2}$|^\d{1,2}\.\d{1,2}\.\d{4}$")


# A short line that only says when and how often the page was read: "два дня назад в 13:07,
# просмотров: 622", "Просмотров: 1 024", "12:30, 5 комментариев".
_COUNTER_LINE = re.compile(
    r"^(?=.{0,80}$).*(?:просмотр\w*|қаралым\w*|views?|комментари\w*|пікір\w*)\s*:?\s*\d[\d\s]*$|"
    r"^(?=.{0,80}$)[^.!?]*?\d[\d\s]*\s+(?:просмотр\w*|views?|комментари\w*)$", re.I)


# A photo/video credit or caption line: "© Фото: ИД «Волгоградская правда» / Марина Шабанова".
_CREDIT_LINE = re.compile(r"^(?=.{0,200}$)\s*(?:©\s*)?(?:фото|photo|фотография|видео|video|иллюстрация|кадр|"
                          r"скриншот|источник фото|сурет|бейне)\s*[:—–-]|^\s*©(?=.{0,200}$)|"
                          r"^(?=.{0,40}$)\s*(?:источник|source|дереккөз)\b[^.!?]*$", re.I)


# Each attribute test behind a test that the attribute exists: libxml2 then skips the string
# conversions on the many elements without one (3.1 -> 1.3 ms on a 1,700-element page).
_FURNITURE = ('//footer | //nav | //*[@role][@role="navigation" or @role="contentinfo"] | //*[@class]['
              'contains(@class, "cookie") or contains(@class, "consent") or contains(@class, "copyright") '
              'or contains(@class, "footer")] | //*[@id][contains(@id, "cookie") or contains(@id, "footer")]')


def site_furniture(tree: etree._Element) -> set[str]:
    """Texts of the page's footer, navigation, cookie notice and copyright blocks (each element
    and each of their paragraphs, list items, links): lines of these are never body, whichever
    extractor let them in. Blocks that hold the headline are not furniture."""
    exempt = headline_ancestors(tree)
    texts: set[str] = set()
    for block in tree.xpath(_FURNITURE):
        if block in exempt:
            continue
        for element in (block, *block.iter("p", "li", "a", "span", "div", "small")):
            text = _squash(element.text_content()).casefold()
            if 0 < len(text) <= 400:
                texts.add(text)
    return texts


def drop_teasers(text: str, tree: etree._Element) -> str:
    """``text`` without the "read also" cards sites put between paragraphs (a line that is all of
    one link's text, another article's headline, and the bare date/time line printed with it),
    without view/comment counter lines, photo credits and captions (the text of a
    ``<figcaption>`` or ``class*=caption`` element), site furniture (footer, navigation, cookie
    notice: :func:`site_furniture`) and blank lines. A link inside a
    paragraph is never a whole line, so article text is not touched."""
    anchors = {folded.casefold() for a in tree.iter("a")
               if a.get("href", "#")[:1] not in ("#", "") and len(folded := _squash(a.text_content())) >= 20}
    captions = {folded.casefold() for c in tree.xpath('//figcaption | //*[contains(@class, "caption")]')
                if len(folded := _squash(c.text_content())) >= 10}
    furniture = site_furniture(tree)

    def kept(line: str) -> bool:
        folded = _squash(line).casefold()
        return bool(folded) and not _COUNTER_LINE.match(folded) and not _CREDIT_LINE.match(folded) and \
            folded not in captions and folded.removeprefix("- ") not in furniture

    lines = [line for line in text.split("\n") if kept(line)]

    def is_card(line: str) -> bool:
        folded = _squash(line).casefold()
        if folded in anchors:
            return True
        # a card's date and headline run together on one line: "28 февраля, 11:23В ЦИК …"
        match = re.match(r"^(.*?\d{1,2}:\d{2})\s*(.{20,})$", folded)
        return bool(match and match[2] in anchors and _DATE_LINE.match(match[1].strip()))

    teaser = [is_card(line) for line in lines]
    for i, line in enumerate(lines):
        near = (i + 1 < len(lines) and teaser[i + 1]) or (i > 0 and teaser[i - 1])
        if near and _DATE_LINE.match(line.strip()):
            teaser[i] = True
    return "\n".join(line for line, drop in zip(lines, teaser, strict=True) if not drop)


_LEAD_CLASS = re.compile(r"lead|vrez|intro", re.I)  # "лид", "врез": the news lead in Russian newsrooms


def lead_missing_from(text: str, tree: etree._Element, description: str | None) -> str | None:
    """The page's lead when trafilatura dropped it: the ``description`` the page declares, printed
    verbatim in its own element of the body (a "lead"/"vrez"/"subtitle" block, not a heading) and
    absent from ``text``. Sites style the lead apart from the paragraphs; trafilatura often takes
    it for a teaser and leaves it out, though readers (and the gold) read it as the first paragraph.
    """
    if not description:
        return None
    lead = _squash(unescape(description))
    if len(lead) < 40 or lead.endswith(("…", "...")) or _squash(lead).casefold() in _squash(text).casefold():
        return None
    exempt = headline_ancestors(tree)
    start = lead[:24]
    # Walk up from the text nodes where the lead begins (linear, unlike comparing every element).
    for node in tree.xpath("//body//text()[not(ancestor::script or ancestor::style)]"):
        if start not in _squash(str(node)):
            continue
        parent = node.getparent()
        for element in (parent, *parent.iterancestors()) if parent is not None else ():
            text = _squash(element.text_content())
            if len(text) > len(lead):
                break
            if text != lead or element.tag not in ("div", "p", "span", "strong", "b", "em", "section"):
                continue
            if element.xpath("ancestor-or-self::*[self::h1 or self::h2 or self::h3 or self::a]"):
                continue
            if element.xpath("ancestor::header") and not _LEAD_CLASS.search(element.get("class", "")):
                continue  # a standfirst in the headline's <header> is no paragraph, unless styled as the lead
            if not _in_boilerplate(element, exempt):
                return lead
    return None


def article_body(tree: etree._Element, url: str, ld: JsonLd, description: object = None) -> tuple[str, str | None]:
    """The body as stored: :func:`choose_body`, without "read also" cards, with the lead restored."""
    text, method = choose_body(tree, url, ld)
    text = drop_teasers(text, tree)
    if not text:
        return "", None  # all of it was site furniture
    if text and (lead := lead_missing_from(text, tree, description if isinstance(description, str) else None)):
        text = f"{lead}\n{text}"
    return text, method


def _json_body(value: object) -> str:
    if not isinstance(value, str):
        return ""
    text = unescape(value)
    if "<" in text and ">" in text:
        fragment = etree.fromstring(f"<div>{text}</div>", etree.HTMLParser())
        text = "\n".join(_squash(t) for t in fragment.xpath("//text()") if t.strip()) if fragment is not None else ""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
