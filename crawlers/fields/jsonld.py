"""JSON-LD on a page: every block, every ``@graph``, with ``@id`` references resolvable.

Publishers write JSON-LD in several shapes (one object, a list, an ``@graph`` whose article points
at its ``Person``/``Organization`` nodes by ``@id``); reading only the first object misses the
authors of whole CMS families (Yoast's ``@graph``, Kommersant's list of ``Person``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
                 "report", "opinionnewsarticle", "backgroundnewsarticle", "liveblogposting",
                 "socialmediaposting", "webpage"}
_SITE_TYPES = {"organization", "newsmediaorganization", "website", "corporation"}


def _types(node: dict[str, Any]) -> set[str]:
    types = node.get("@type", [])
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    return {t.lower() for t in types if isinstance(t, str)}


@dataclass
class JsonLd:
    """The JSON-LD of one page: article-like nodes (most specific first) and an ``@id`` index."""

    articles: list[dict[str, Any]] = field(default_factory=list)
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    sites: list[dict[str, Any]] = field(default_factory=list)

    @property
    def article(self) -> dict[str, Any]:
        return self.articles[0] if self.articles else {}

    def resolve(self, value: Any) -> Any:
        """A ``{"@id": ...}`` reference replaced by the node it names (one level, no cycles)."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in self.by_id:
            return self.by_id[value["@id"]]
        return value

    def site_names(self) -> list[str]:
        """Names of the outlet: the article's publisher, then Organization/WebSite nodes."""
        names: list[str] = []
        for node in [self.resolve(a.get("publisher")) for a in self.articles] + self.sites:
            for item in node if isinstance(node, list) else [node]:
                item = self.resolve(item)
                if isinstance(item, dict):
                    for key in ("name", "alternateName"):
                        value = item.get(key)
                        for name in value if isinstance(value, list) else [value]:
                            if isinstance(name, str) and name.strip():
                                names.append(name.strip())
        return list(dict.fromkeys(names))


def read_json_ld(tree: etree._Element) -> JsonLd:
    """Every ``application/ld+json`` block of the page; broken blocks are skipped (they are common)."""
    found = JsonLd()
    webpages: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            types = _types(node)
            if isinstance(node.get("@id"), str) and len(node) > 1:
                found.by_id.setdefault(node["@id"], node)
            if types & ARTICLE_TYPES:
                # A WebPage is an article only when nothing more specific is on the page.
                (webpages if types <= {"webpage"} else found.articles).append(node)
            elif types & _SITE_TYPES:
                found.sites.append(node)
            walk(node.get("@graph", []))
            main = node.get("mainEntity")
            if isinstance(main, (dict, list)):
                walk(main)

    for script in tree.xpath('//script[translate(@type, "LDJSON", "ldjson")="application/ld+json"]'):
        raw = "".join(script.itertext()).strip()
        if not raw:
            continue
        try:
            walk(json.loads(raw, strict=False))
        except ValueError:
            continue
    found.articles.extend(webpages)
    return found
