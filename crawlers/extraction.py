"""Article extraction from one HTML page: the same code for the news spider and ``mediamon extract``.

- **Body**: trafilatura (main-content detection, boilerplate removed).
- **Title, date, author**: structured metadata first, because publishers fill it for search engines
  and it is more reliable than layout: JSON-LD (``NewsArticle``…), then OpenGraph/``article:*``
  properties, then plain ``<meta>`` tags and ``<time datetime>``; the URL (``/2025/08/30/``) is the
  last date hint and a byline in the text ("Текст: Имя Фамилия") the last author hint. Each value
  says which method found it, so the normalizer and analysts can weigh it.
- **Charset**: the declared charset (HTTP header, ``<meta charset>``) is not trusted blindly: bytes
  that are valid UTF-8 are UTF-8 whatever the page claims; otherwise cp1251 and koi8-r are scored
  on letter case statistics (each decodes the other's bytes into mostly capital letters), so a
  cp1251 page declared as UTF-8 or as koi8-r still decodes to readable Russian, never mojibake.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import trafilatura
from lxml import etree

from transforms import urls

EXTRACTOR_VERSION = "mediamon-extraction/1"

_ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
                  "webpage", "report", "opinionnewsarticle", "backgroundnewsarticle"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-]+)", re.I)
_CYRILLIC_SINGLE_BYTE = ("cp1251", "koi8_r", "koi8_u", "iso8859_5", "cp866", "mac_cyrillic")
_BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
                 b"\x00\x00\x01\x00", b"ID3", b"OggS", b"RIFF", b"\x7fELF")
_KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
_BYLINE = re.compile(r"^\s*(?:[TТ][еe]кст|Автор|Author|Авторы)\s*:\s*(?P<names>[^\n]{3,120})$", re.M)
_MIN_TRAFILATURA_CHARS = 200
_HTML_PARSER = etree.HTMLParser(remove_comments=True)
_URL_DATE = (
    re.compile(r"(?<!\d)(20\d{2})[/-](\d{1,2})[/-](\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)"),
)


class NotHtmlError(ValueError):
    """The bytes are not a text document (binary served as text/html, undecodable)."""


@dataclass
class Extracted:
    """What one page yields. ``url`` is the canonical URL when the page names one."""

    url: str
    title: str | None = None
    published_at: str | None = None
    authors: list[str] = field(default_factory=list)
    text: str = ""
    language: str = "other"
    encoding: str = "utf-8"
    fetched_url: str | None = None
    title_method: str | None = None
    published_at_method: str | None = None
    authors_method: str | None = None
    extractor: str = EXTRACTOR_VERSION

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ----------------------------------------------------------------------------------------- charset
def looks_binary(body: bytes) -> bool:
    """True for bytes no HTML page starts with: NULs, image/archive/PDF signatures."""
    head = body[:4096]
    return head.startswith(_BINARY_MAGIC) or b"\x00" in head


def _normal_codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def _case_score(text: str) -> float:
    """Share of lowercase among Cyrillic letters: ~0.9 for real Russian, low for a wrong codepage."""
    letters = [c for c in text if "\u0400" <= c <= "\u04ff"]
    if not letters:
        return 0.0
    return sum(c.islower() for c in letters) / len(letters)


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page's bytes; return ``(text, codec)``. Raise NotHtmlError for binary input."""
    # A byte-order mark first: UTF-16 text is full of NUL bytes and is not binary for all that.
    boms = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
    for bom, codec in boms:
        if body.startswith(bom):
            return body[len(bom):].decode(codec, errors="replace"), codec
    if looks_binary(body):
        raise NotHtmlError("binary content (NUL bytes or a file signature), not a text page")
    try:
        return body.decode("utf-8"), "utf-8"  # valid UTF-8 is UTF-8, whatever the page declares
    except UnicodeDecodeError:
        pass
    declared = None
    if content_type and (match := _HEADER_CHARSET.search(content_type)):
        declared = _normal_codec(match.group(1))
    if declared in (None, "utf-8") and (match := _META_CHARSET.search(body[:4096])):
        declared = _normal_codec(match.group(1).decode("ascii"))
    candidates = ["cp1251", "koi8_r"]
    if declared and declared not in candidates and declared != "utf-8":
        candidates.insert(0, declared)
    scored: list[tuple[float, str, str]] = []
    for codec in candidates:
        try:
            text = body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        score = _case_score(text)
        if codec == declared:
            score += 0.05  # a tie goes to what the page says
        scored.append((score, codec, text))
    if not scored:
        raise NotHtmlError("bytes decode neither as UTF-8 nor as a Cyrillic single-byte charset")
    score, codec, text = max(scored)
    if score == 0.0 and declared and declared not in _CYRILLIC_SINGLE_BYTE:
        text, codec = body.decode(declared, errors="replace"), declared
    return text, codec.replace("_", "-")


# ---------------------------------------------------------------------------------------- metadata
def _parse_date(value: Any) -> datetime | date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        pass
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", value) or re.match(r"(\d{2})\.(\d{2})\.(\d{4})", value)
    if match:
        parts = [int(p) for p in match.groups()]
        y, m, d = parts if parts[0] > 31 else (parts[2], parts[1], parts[0])
        try:
            return date(y, m, d)
        except ValueError:
            return None
    return None


def _iso(value: datetime | date) -> str:
    return value.isoformat()


def url_date_hint(url: str) -> date | None:
    """A date written in the URL path (``/2025/08/30/``, ``2025-08-30``, ``20250830``), if any."""
    path = re.sub(r"^[a-z]+://[^/]+", "", url)
    for pattern in _URL_DATE:
        for match in pattern.finditer(path):
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError:
                continue
    return None


def _names(value: Any) -> list[str]:
    """Author names from a JSON-LD author field (string, Person, list of them)."""
    if isinstance(value, str):
        parts = (v.strip() for v in re.split(r",| и ", value))
        return [v for v in parts if v and not v.startswith("http")]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [n for item in value for n in _names(item)]
    return []


def _json_ld_articles(tree: etree._Element) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            types = node.get("@type", [])
            types = [types] if isinstance(types, str) else types
            if any(isinstance(t, str) and t.lower() in _ARTICLE_TYPES for t in types):
                found.append(node)
            walk(node.get("@graph", []))

    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            walk(json.loads("".join(script.itertext()).strip() or "null", strict=False))
        except ValueError:
            continue  # a broken JSON-LD block is common; the other sources still count
    return found


def _meta(tree: etree._Element, *keys: str) -> str | None:
    """First non-empty ``<meta>`` content whose name/property/itemprop is one of ``keys``."""
    index: dict[str, str] = {}
    for node in tree.xpath("//meta[@content]"):
        for attr in ("property", "name", "itemprop"):
            key = (node.get(attr) or "").strip().lower()
            if key and key not in index and node.get("content", "").strip():
                index[key] = node.get("content").strip()
    for key in keys:
        if key.lower() in index:
            return index[key.lower()]
    return None


def detect_language(text: str, declared: str | None = None) -> str:
    """``kk`` when Kazakh-only letters are frequent, ``ru`` for other Cyrillic text, else ``other``."""
    letters = [c for c in text[:20000] if c.isalpha()]
    if not letters:
        return (declared or "other")[:2] if (declared or "")[:2] in ("ru", "kk") else "other"
    cyrillic = sum("\u0400" <= c <= "\u04ff" for c in letters)
    kazakh = sum(c in _KAZAKH_LETTERS for c in letters)
    if cyrillic / len(letters) < 0.3:
        return "other"
    return "kk" if kazakh / max(cyrillic, 1) > 0.015 else "ru"


def _byline(tree: etree._Element, text: str) -> list[str]:
    """Names from a "Текст: Имя Фамилия" line, in the page's elements or the extracted text."""
    for element in tree.iter("p", "div", "span", "address", "em", "strong", "b", "i"):
        if element.text and (match := _BYLINE.match(element.text.strip())):
            return _names(match.group("names").strip())
    match = _BYLINE.search(text)
    return _names(match.group("names").strip()) if match else []


def _densest_paragraphs(tree: etree._Element) -> str:
    """The <p> texts of the element holding the most paragraph text; '' unless it looks like a body
    (two paragraphs or 200 characters), so a lone footer line is not taken for an article."""
    best: list[str] = []
    for parent in {p.getparent() for p in tree.iter("p") if p.getparent() is not None}:
        texts = [re.sub(r"\s+", " ", "".join(p.itertext())).strip() for p in parent.findall("p")]
        texts = [t for t in texts if t]
        if sum(map(len, texts)) > sum(map(len, best)):
            best = texts
    if len(best) < 2 and sum(map(len, best)) < 200:
        return ""
    return "\n".join(best)


def _drop_leading_title(text: str, title: str | None) -> str:
    """trafilatura keeps the <h1>; the title is stored apart, so the body starts after it."""
    if title and text:
        first, _, rest = text.partition("\n")
        if re.sub(r"\s+", " ", first).strip().casefold() == title.casefold():
            return rest.strip()
    return text


def _clean_title(title: str | None) -> str | None:
    if not title:
        return None
    title = re.sub(r"\s+", " ", title).strip()
    return title or None


def extract(body: bytes | str, url: str, *, content_type: str | None = None) -> Extracted:
    """Extract the article on one page. ``body`` as bytes lets the charset logic run."""
    if isinstance(body, bytes):
        html, encoding = decode_html(body, content_type)
    else:
        html, encoding = body, "utf-8"
    result = Extracted(url=url, fetched_url=url, encoding=encoding)
    try:
        # lxml refuses str input that carries an XML encoding declaration: drop the declaration.
        # A plain lxml tree, not lxml.html's: its per-element class lookup cost a fifth of the time.
        tree = etree.fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", html), _HTML_PARSER)
    except (etree.ParserError, ValueError):
        return result
    if tree is None:
        return result

    canonical = tree.xpath('string(//link[translate(@rel, "CANONICAL", "canonical") = "canonical"]/@href)')
    canonical = canonical.strip()
    canonical = canonical or (_meta(tree, "og:url") or "")
    if canonical and not canonical.startswith("#") and urls.is_web_url(urljoin(url, canonical)):
        result.url = urljoin(url, canonical)  # http(s) only: JavaScript:, data: and the like are ignored

    articles = _json_ld_articles(tree)
    ld = articles[0] if articles else {}

    for method, value in (
        ("json-ld", ld.get("headline") or ld.get("name")),
        ("opengraph", _meta(tree, "og:title", "twitter:title")),
        ("meta", _meta(tree, "title", "dc.title")),
        ("h1", tree.xpath("string(//h1[1])")),
        ("title-tag", tree.xpath("string(//title[1])")),
    ):
        if title := _clean_title(value if isinstance(value, str) else None):
            result.title, result.title_method = title, method
            break

    for method, value in (
        ("json-ld", ld.get("datePublished") or ld.get("dateCreated")),
        ("opengraph", _meta(tree, "article:published_time", "og:article:published_time")),
        ("meta", _meta(tree, "datePublished", "pubdate", "publishdate", "publish-date", "date",
                       "dc.date.issued", "dc.date", "dcterms.created", "sailthru.date", "parsely-pub-date")),
        ("time-tag", tree.xpath("string((//article//time[@datetime] | //time[@datetime])[1]/@datetime)")),
    ):
        if parsed := _parse_date(value):
            result.published_at, result.published_at_method = _iso(parsed), method
            break

    for method, value in (
        ("json-ld", _names(ld.get("author"))),
        ("opengraph", _names(_meta(tree, "article:author"))),
        ("meta", _names(_meta(tree, "author", "dc.creator", "sailthru.author", "parsely-author"))),
    ):
        if value:
            result.authors, result.authors_method = list(dict.fromkeys(value)), method
            break

    # Read what is needed from the tree before trafilatura, which prunes the tree it is given.
    dense_candidate = _densest_paragraphs(tree)
    byline_candidate = _byline(tree, "")
    # fast=True skips trafilatura's second opinion (readability, jusText): it halves the time per
    # page and changed no fixture page's body; the paragraph fallback below covers what it misses.
    text = trafilatura.extract(tree, url=url, include_comments=False, include_tables=False,
                               favor_precision=True, deduplicate=False, fast=True) or ""
    if len(text) < _MIN_TRAFILATURA_CHARS:
        # trafilatura drops table layouts (old CMSs) and gives up on short pages: fall back to the
        # densest block of <p> paragraphs, then to the JSON-LD articleBody.
        dense = dense_candidate
        body_text = ld.get("articleBody")
        text = max((text, dense, body_text if isinstance(body_text, str) else ""), key=len)
    result.text = _drop_leading_title(text.strip(), result.title)

    if not result.authors:
        result.authors = byline_candidate or _byline(tree, result.text)
        result.authors_method = "byline" if result.authors else None
    first, _, rest = result.text.partition("\n")
    if _BYLINE.match(first):
        result.text = rest.strip()  # the byline is metadata (authors), not the article's first paragraph
    if result.published_at is None and (hint := url_date_hint(result.url) or url_date_hint(url)):
        result.published_at = hint.isoformat()
        result.published_at_method = "url"
    result.language = detect_language(result.text or (result.title or ""), tree.get("lang"))
    return result
