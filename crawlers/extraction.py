"""Article extraction from one HTML page: the same code for the news spider and ``mediamon extract``.

- **Body**: trafilatura (main-content detection, boilerplate removed) on the parsed tree, with
  documented fallbacks and clean-ups (``crawlers.fields.body``); ``text_method`` says which.
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
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from crawlers.fields import authors, dates, titles
from crawlers.fields import body as body_field
from crawlers.fields.jsonld import JsonLd, read_json_ld
from transforms import urls

EXTRACTOR_VERSION = "mediamon-extraction/2"

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-]+)", re.I)
_CYRILLIC_SINGLE_BYTE = ("cp1251", "koi8_r", "koi8_u", "iso8859_5", "cp866", "mac_cyrillic")
_BINARY_MAGIC = (b"\x89PNG", b"%PDF", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
                 b"\x00\x00\x01\x00", b"ID3", b"OggS", b"RIFF", b"\x7fELF")
_KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
_HTML_PARSER = lxml.html.HTMLParser(remove_comments=True)
_ANY_TAG = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9]*[\s/>]|!doctype)", re.I)
_URL_DATE = (
    re.compile(r"(?<!\d)(?P<y>20\d{2})[/-](?P<m>\d{1,2})[/-](?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>20\d{2})(?P<m>\d{2})(?P<d>\d{2})(?!\d)"),
    re.compile(r"/(?P<d>\d{2})/(?P<m>\d{2})/(?P<y>20\d{2})/"),  # rbc.ru: /politics/03/03/2020/…
)


class NotHtmlError(ValueError):
    """The bytes are not an HTML page; ``code`` is the quarantine reason code.

    ``binary`` for file signatures, NUL bytes or undecodable bytes; ``not_html`` for text without
    a single tag (a plain-text or JSON error body served as text/html), which trafilatura would
    otherwise return whole as an "article".
    """

    def __init__(self, message: str, code: str = "binary") -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return type(self), (str(self), self.code)  # the code survives the trip from a worker process


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
    text_method: str | None = None
    site_name: str | None = None
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
def url_date_hint(url: str) -> date | None:
    """A date written in the URL path (``/2025/08/30/``, ``2025-08-30``, ``20250830``,
    ``/30/08/2025/``), if any."""
    path = re.sub(r"^[a-z]+://[^/]+", "", url)
    for pattern in _URL_DATE:
        for match in pattern.finditer(path):
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                continue
    return None


_meta_cache: tuple[etree._Element | None, dict[str, str]] = (None, {})


def _meta(tree: etree._Element, *keys: str) -> str | None:
    """First non-empty ``<meta>`` content whose name/property/itemprop is one of ``keys``.

    The index of the page's ``<meta>`` tags is built once per tree (the last tree is remembered):
    extraction asks for a dozen keys per page.
    """
    global _meta_cache
    cached_tree, index = _meta_cache
    if cached_tree is not tree:
        index = {}
        for node in tree.xpath("//meta[@content]"):
            for attr in ("property", "name", "itemprop"):
                key = (node.get(attr) or "").strip().lower()
                if key and key not in index and node.get("content", "").strip():
                    index[key] = node.get("content").strip()
        _meta_cache = (tree, index)
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


def _drop_leading_title(text: str, title: str | None) -> str:
    """trafilatura keeps the <h1> (and the rubric printed above it: "Экономика"); the title is
    stored apart, so the body starts after it."""
    if not (title and text):
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines[:3]):
        if re.sub(r"\s+", " ", line).strip().casefold() == title.casefold():
            if all(len(before) <= 30 and len(before.split()) <= 3 and not re.search(r"[.!?]$", before.strip())
                   for before in lines[:i]):
                return "\n".join(lines[i + 1:]).strip()
            break
    return text


def _registry_names(title: str | None) -> list[str]:
    """A registry title and its parts: "Kazinform (Казинформ)" is also "Kazinform" and "Казинформ"."""
    if not title:
        return []
    match = re.fullmatch(r"\s*([^(]+?)\s*\(([^)]+)\)\s*", title)
    return [title, *match.groups()] if match else [title]


def _title(tree: etree._Element, ld: JsonLd, site_names: list[str]) -> tuple[str | None, str | None]:
    """The headline the page shows its readers, with the source that gave it.

    The sources disagree on real pages: JSON-LD may carry the SEO title (sport-express.ru),
    ``og:title`` a social-media one (gazeta.ru, woman.ru), the ``<h1>`` a subheading under the
    real headline printed as ``<h2>`` (kommersant.ru). So, in this order:

    1. the printed ``<h1>`` when a metadata source (JSON-LD, ``og:title``, ``<meta name=title>``,
       ``<title>`` less " — Site name") says the same;
    2. a metadata title printed in the body as a heading (``h1``–``h3``, ``itemprop=headline``);
    3. the ``<h1>``;
    4. the metadata titles in the order above.
    """
    heading = titles.clean_title(tree.xpath("string(//h1[1])"))
    found = [(method, title) for method, value in (
        ("json-ld", ld.article.get("headline") or ld.article.get("name")),
        ("opengraph", _meta(tree, "og:title", "twitter:title")),
        ("meta", _meta(tree, "title", "dc.title")),
        ("title-tag", tree.xpath("string(//title[1])")),
    ) if (title := titles.clean_title(value, site_names, heading))]
    if heading:
        for method, title in found:
            if title.casefold() == heading.casefold():
                return heading, "h1" if method == "title-tag" else method
        printed = {folded for node in tree.xpath(
            '//body//*[self::h1 or self::h2 or self::h3 or contains(@itemprop, "eadline")]')
            if (folded := (titles.clean_title(node.text_content()) or "").casefold())}
        for method, title in found:
            if method != "title-tag" and title.casefold() in printed:
                return title, method
        return heading, "h1"
    return (found[0][1], found[0][0]) if found else (None, None)


def _page_text(tree: etree._Element) -> tuple[str, int]:
    """The visible text of the page in document order, and the headline's offset in it."""
    parts: list[str] = []
    anchor = -1
    size = 0
    for node in tree.xpath("//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"):
        text = " ".join(node.split())
        if not text:
            continue
        if anchor < 0 and node.getparent() is not None and any(
                a.tag == "h1" for a in (node.getparent(), *node.getparent().iterancestors())):
            anchor = size
        parts.append(text)
        size += len(text) + 1
        if size > 200_000:
            break
    return "\n".join(parts), anchor


def _published(tree: etree._Element, ld: JsonLd, url: str, fetched_url: str, zone: tzinfo | None,
               now: datetime) -> tuple[str | None, str | None]:
    """The first date, in the documented order, that parses and is not in the future."""

    def text_date() -> datetime | date | None:
        text, anchor = _page_text(tree)
        return dates.nearest_text_date(text, max(anchor, 0)) if text else None

    def url_date() -> date | None:
        return url_date_hint(url) or url_date_hint(fetched_url)

    for method, value in (
        ("json-ld", lambda: ld.article.get("datePublished") or ld.article.get("dateCreated")),
        ("opengraph", lambda: _meta(tree, "article:published_time", "og:article:published_time")),
        ("meta", lambda: _meta(tree, "datePublished", "pubdate", "publishdate", "publish-date", "date",
                               "dc.date.issued", "dc.date", "dcterms.created", "sailthru.date",
                               "parsely-pub-date", "mediator_published_time", "article:published")),
        ("microdata", lambda: tree.xpath(
            'string((//*[@itemprop="datePublished" or @itemprop="dateCreated"]/@content'
            ' | //*[@itemprop="datePublished" or @itemprop="dateCreated"]/@datetime)[1])')),
        ("time-tag", lambda: tree.xpath(
            "string((//article//time[@datetime] | //time[@datetime])[1]/@datetime)")),
        ("text", text_date),
        ("url", url_date),
    ):
        raw = value()
        parsed = raw if isinstance(raw, (date, datetime)) else dates.parse_date(raw)
        if parsed is None or dates.is_future(parsed, now, zone):
            continue
        return dates.iso(dates.localize(parsed, zone)), method
    return None, None


def _authors(tree: etree._Element, ld: JsonLd, outlet: list[str]) -> tuple[list[str], str | None]:
    """Names from the first source, in the fixed order, that has a person in it (lazily: the
    byline search walks the whole page)."""
    credited = next((node for node in ld.articles if node.get("author") or node.get("creator")), {})
    for method, names in (
        ("json-ld", lambda: [n for key in ("author", "creator") for n in authors.names_in(credited.get(key), ld)]),
        ("opengraph", lambda: authors.split_names(_meta(tree, "article:author") or "")),
        ("meta", lambda: authors.split_names(_meta(tree, "author", "dc.creator", "sailthru.author",
                                                    "parsely-author", "mediator_author") or "")),
        ("byline", lambda: authors.byline_names(tree, outlet)),
    ):
        if people := authors.keep_people(names(), outlet):
            return people, method
    return [], None


def extract(body: bytes | str, url: str, *, content_type: str | None = None, timezone: str | None = None,
            site_name: str | None = None, now: datetime | None = None) -> Extracted:
    """Extract the article on one page. ``body`` as bytes lets the charset logic run.

    ``timezone`` (IANA name) is the outlet's, for times the page gives without an offset;
    ``site_name`` the outlet's name from the registry (cut from titles, never an author); ``now``
    the moment no publication date may pass (default: the current time).
    """
    if isinstance(body, bytes):
        html, encoding = decode_html(body, content_type)
    else:
        html, encoding = body, "utf-8"
    if html.strip() and not _ANY_TAG.search(html, 0, 65536):
        raise NotHtmlError("not an HTML page: no tag in the first 64 KiB", code="not_html")
    result = Extracted(url=url, fetched_url=url, encoding=encoding)
    try:
        # lxml refuses str input that carries an XML encoding declaration: drop the declaration.
        # An lxml.html tree: trafilatura takes it as it is (it rejects a plain lxml.etree one).
        tree = lxml.html.fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", html), parser=_HTML_PARSER)
    except (etree.ParserError, ValueError):
        return result
    if tree is None:
        return result
    tree = tree.getroottree().getroot()

    canonical = tree.xpath('string(//link[translate(@rel, "CANONICAL", "canonical") = "canonical"]/@href)')
    canonical = canonical.strip()
    canonical = canonical or (_meta(tree, "og:url") or "")
    if canonical and not canonical.startswith("#") and urls.is_web_url(urljoin(url, canonical)):
        result.url = urljoin(url, canonical)  # http(s) only: JavaScript:, data: and the like are ignored

    ld = read_json_ld(tree)
    site_names = [n for n in (_meta(tree, "og:site_name", "application-name"), *ld.site_names(),
                              *_registry_names(site_name)) if n]
    result.site_name = titles.clean_title(site_names[0]) if site_names else None
    result.title, result.title_method = _title(tree, ld, site_names)
    result.published_at, result.published_at_method = _published(
        tree, ld, result.url, url, dates.outlet_zone(timezone), now or datetime.now(UTC))
    outlet = authors.outlet_names(site_names, result.url)
    result.authors, result.authors_method = _authors(tree, ld, outlet)

    description = _meta(tree, "og:description", "description", "twitter:description") or ld.article.get(
        "description")
    text, result.text_method = body_field.article_body(tree, url, ld, description)
    result.text = _drop_leading_title(text, result.title)
    first, _, rest = result.text.partition("\n")
    if authors.BYLINE.match(first):
        if not result.authors:
            result.authors = authors.keep_people(authors.split_names(authors.BYLINE.match(first)["names"]), outlet)
            result.authors_method = "byline" if result.authors else None
        result.text = rest.strip()  # the byline is metadata (authors), not the article's first paragraph
    result.language = detect_language(result.text or (result.title or ""), tree.get("lang"))
    return result
