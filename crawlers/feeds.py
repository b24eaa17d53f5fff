"""Feed and sitemap parsing with defusedxml: RSS 2.0, Atom, sitemaps, sitemap indexes, news sitemaps.

Feeds come from the open web, so the parser refuses DTDs with entities (billion laughs, external
entities) instead of expanding them, and decompresses gzipped sitemaps only up to a size limit.
Each entry keeps the date the feed gives (pubDate, updated, lastmod, news:publication_date): the
spider compares it with what it stored to decide whether a known URL changed.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException


class FeedError(ValueError):
    """A feed that cannot be used; ``code`` is the quarantine reason code."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class FeedEntry:
    url: str
    lastmod: datetime | None = None
    title: str | None = None


@dataclass
class ParsedFeed:
    kind: str  # rss, atom, sitemap, sitemapindex
    entries: list[FeedEntry] = field(default_factory=list)  # article URLs
    children: list[FeedEntry] = field(default_factory=list)  # child sitemaps of an index


def parse_date(value: str | None) -> datetime | None:
    """ISO 8601 (sitemaps, Atom) or RFC 822 (RSS) into an aware datetime; None when unreadable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(node: Element, *names: str) -> str | None:
    for child in node:
        if _local(child.tag) in names and child.text and child.text.strip():
            return child.text.strip()
    return None


def _descendant_text(node: Element, name: str) -> str | None:
    for child in node.iter():
        if _local(child.tag) == name and child.text and child.text.strip():
            return child.text.strip()
    return None


def parse_feed(body: bytes, *, max_bytes: int = 50 * 1024 * 1024) -> ParsedFeed:
    """Parse a feed or sitemap; raise :class:`FeedError` (``xml_bomb``, ``malformed_feed``,
    ``not_a_feed``, ``too_large``) instead of returning something half-read."""
    if body[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as compressed:
            body = compressed.read(max_bytes + 1)
        if len(body) > max_bytes:
            raise FeedError("too_large", f"gzipped sitemap expands beyond {max_bytes} bytes")
    if not body.strip():
        raise FeedError("malformed_feed", "the feed is empty")
    try:
        root = SafeET.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise FeedError("xml_bomb", f"refused XML with entity declarations or external references: "
                                    f"{type(error).__name__}") from None
    except ParseError as error:
        raise FeedError("malformed_feed", f"not well-formed XML: {error}") from None

    kind = _local(root.tag)
    if kind == "rss" or kind == "rdf":
        entries = []
        for item in root.iter():
            if _local(item.tag) != "item":
                continue
            link = _child_text(item, "link")
            guid = next((c for c in item if _local(c.tag) == "guid"), None)
            if not link and guid is not None and guid.get("isPermaLink", "true") != "false":
                link = (guid.text or "").strip() or None
            if link:
                entries.append(FeedEntry(link, parse_date(_child_text(item, "pubdate", "date", "updated")),
                                         _child_text(item, "title")))
        return ParsedFeed("rss", entries)
    if kind == "feed":
        entries = []
        for entry in root:
            if _local(entry.tag) != "entry":
                continue
            links = [c for c in entry if _local(c.tag) == "link"]
            href = next((c.get("href") for c in links if c.get("rel", "alternate") == "alternate"), None)
            if href:
                date = _child_text(entry, "updated", "published")
                entries.append(FeedEntry(href.strip(), parse_date(date), _child_text(entry, "title")))
        return ParsedFeed("atom", entries)
    if kind in ("urlset", "sitemapindex"):
        rows = []
        for node in root:
            loc = _child_text(node, "loc")
            if loc:
                date = _child_text(node, "lastmod") or _descendant_text(node, "publication_date")
                rows.append(FeedEntry(loc, parse_date(date), _descendant_text(node, "title")))
        if kind == "urlset":
            return ParsedFeed("sitemap", rows)
        return ParsedFeed("sitemapindex", children=rows)
    raise FeedError("not_a_feed", f"root element <{kind}> is neither RSS, Atom nor a sitemap")
