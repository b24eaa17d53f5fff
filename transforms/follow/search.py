"""Russian full-text search over the analyst-visible articles.

The work is done by PostgreSQL (``mart.search()``, a GIN-indexed stored tsvector; see
``sql/migrations/0090_search.sql``), so analysts get the same results in psql as from
``mediamon search``. This module only calls it and formats the hits.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg


class UnknownEntity(ValueError):
    """No canonical entity matches the name given as a filter."""


def entity_ids(conn: psycopg.Connection, name: str) -> list[int]:
    """Canonical entities a name means (exact name or alias first, else names containing it)."""
    return list(conn.execute("SELECT mart.entity_ids(%s)", (name,)).fetchone()[0])


def entity_names(conn: psycopg.Connection, ids: list[int]) -> list[str]:
    rows = conn.execute("SELECT canonical_name FROM core.entities WHERE entity_id = ANY(%s) ORDER BY canonical_name",
                        (ids,)).fetchall()
    return [name for (name,) in rows]


def search(conn: psycopg.Connection, query: str, *, from_day: date | None = None, to_day: date | None = None,
           source: str | None = None, entity: str | None = None, story: int | None = None,
           limit: int = 20) -> list[dict[str, Any]]:
    """Hits of ``mart.search`` best first, as dicts (article_id, rank, day, source, title, url,
    story_id, story_title, snippet). Raises ``UnknownEntity`` rather than silently returning
    nothing when the entity filter names no entity."""
    if entity is not None and not entity_ids(conn, entity):
        raise UnknownEntity(f"no canonical entity is called {entity!r} (try a canonical name or an alias)")
    cursor = conn.execute(
        "SELECT * FROM mart.search(%s, from_day => %s, to_day => %s, outlet => %s, entity => %s, story => %s,"
        " max_hits => %s)", (query, from_day, to_day, source, entity, story, limit))
    columns = [c.name for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def format_hits(hits: list[dict[str, Any]]) -> str:
    """Hits as terminal text: rank, day, outlet, headline, story, then the snippet and the URL."""
    if not hits:
        return "no articles match"
    lines: list[str] = []
    for n, hit in enumerate(hits, 1):
        story = ""
        if hit["story_id"]:
            title = hit["story_title"] if hit["story_title"] and hit["story_title"] != hit["title"] else None
            story = f" · story {hit['story_id']}" + (f" «{_shorten(title, 60)}»" if title else "")
        lines.append(f"{n:>2}. {hit['day'] or '—'}  {hit['source']}  {hit['title'] or '(no title)'}"
                     f"  [rank {hit['rank']:.3f}{story}]")
        lines.append(f"    {' '.join((hit['snippet'] or '').split())}")
        lines.append(f"    {hit['url']}")
    return "\n".join(lines)
