"""Watchlists: saved searches analysts keep in ``analyst.watchlists`` and their daily matches.

A watchlist is a full-text query and/or canonical entities (all must be named: two make a pair)
and/or outlets. ``evaluate`` records, for the run's day and the days just before it (late
crawls), every new matching article in ``mart.watch_matches``; the table's unique key makes it
idempotent. Analysts may also write the table with plain SQL; ``add`` only adds validation.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg

from transforms.follow import settings


class InvalidWatchlist(ValueError):
    """A watchlist that could never match, or one that already exists."""


SQL_DIR = Path(__file__).resolve().parents[2] / "sql" / "follow"


def sql_text(name: str) -> str:
    """A statement of ``sql/follow/`` (the SQL of watchlists and alerts lives beside the migrations)."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _rows(cursor: psycopg.Cursor) -> list[dict[str, Any]]:
    columns = [c.name for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def add(conn: psycopg.Connection, name: str, *, query: str | None = None, entities: list[str] | None = None,
        sources: list[str] | None = None) -> int:
    """Validate and insert a watchlist; return its id."""
    name = name.strip()
    query = query.strip() if query and query.strip() else None
    entities = [e.strip() for e in entities or [] if e.strip()]
    sources = [s.strip() for s in sources or [] if s.strip()]
    if not name:
        raise InvalidWatchlist("a watchlist needs a name")
    if query is None and not entities:
        raise InvalidWatchlist("a watchlist needs a query or at least one entity")
    if query is not None and conn.execute("SELECT numnode(mart.search_query(%s))", (query,)).fetchone()[0] == 0:
        raise InvalidWatchlist(f"the query {query!r} has no searchable words (only stop words or punctuation)")
    for entity in entities:
        if not conn.execute("SELECT mart.entity_ids(%s)", (entity,)).fetchone()[0]:
            raise InvalidWatchlist(f"no canonical entity is called {entity!r} (try a canonical name or an alias)")
    try:
        return conn.execute(
            "INSERT INTO analyst.watchlists (name, query, entities, sources) VALUES (%s, %s, %s, %s) "
            "RETURNING watchlist_id", (name, query, entities, sources)).fetchone()[0]
    except psycopg.errors.UniqueViolation as error:
        raise InvalidWatchlist(f"a watchlist called {name!r} exists already") from error


def remove(conn: psycopg.Connection, name_or_id: str) -> bool:
    """Delete a watchlist (by name or id) and its matches; False when there is none."""
    row = conn.execute(
        "DELETE FROM analyst.watchlists WHERE name = %s OR watchlist_id::text = %s RETURNING watchlist_id",
        (name_or_id, name_or_id)).fetchone()
    return row is not None


def listing(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """Every watchlist with its match count and latest match day."""
    return _rows(conn.execute("""
        SELECT w.watchlist_id, w.name, w.query, w.entities, w.sources, w.enabled, w.created_by,
               count(m.watch_match_id) AS matches, max(m.day) AS last_match_day
        FROM analyst.watchlists AS w LEFT JOIN mart.watch_matches AS m ON m.watchlist_id = w.watchlist_id
        GROUP BY w.watchlist_id ORDER BY w.name
        """))


def evaluate(conn: psycopg.Connection, day: date, *, window_days: int | None = None) -> dict[str, Any]:
    """Record the new matches of every enabled watchlist among the articles of ``day`` and the
    ``window_days - 1`` days before it. Returns counts (watchlists, new matches, unknown entities)."""
    window = window_days or settings.watch_window_days()
    with conn.transaction():
        new = conn.execute(sql_text("watch_matches"), {"from_day": day - timedelta(days=window - 1), "to_day": day,
                                                   "run_day": day}).fetchall()
    enabled, unknown = conn.execute("""
        SELECT count(*),
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM unnest(entities) AS e (name)
                                              WHERE cardinality(mart.entity_ids(e.name)) = 0))
        FROM analyst.watchlists WHERE enabled
        """).fetchone()
    return {"watchlists": enabled, "new_matches": len(new), "unknown_entities": unknown,
            "from_day": (day - timedelta(days=window - 1)).isoformat(), "to_day": day.isoformat()}


def matches_of_day(conn: psycopg.Connection, day: date) -> list[dict[str, Any]]:
    """Matches recorded by the run of ``day`` (for the digest), by watchlist then rank."""
    return _rows(conn.execute("""
        SELECT watch_match_id, watchlist, article_id, story_id, day, source, title, url, snippet, rank
        FROM mart.watch_matches WHERE run_day = %s
        ORDER BY watchlist, rank DESC NULLS LAST, day DESC, article_id
        """, (day,)))
