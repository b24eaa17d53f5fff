"""Analysts' story merges and splits (``analyst.story_edits``), applied after story assignment.

The story method groups articles about one event; when it is wrong an analyst records a merge
(these articles' stories are one event) or a split (these articles are an event of their own).
Edits name articles, not stories: article ids are stable, story ids change when stories are
re-clustered. ``apply_story_edits`` is the last step of the deduplicate stage and replays every
edit in order over whatever assignment just produced, so re-runs and re-clustering keep them.
It only moves rows of ``core.story_articles`` and keeps ``core.stories`` consistent (counts,
spans); it never changes how stories are assigned.

Story ids keep their meaning, the article that founded the story: a merge keeps the smallest
story id of the group; a split-off group gets the id of its earliest member (the one left
behind keeps the old id unless its founder is among the articles leaving).
"""

from __future__ import annotations

import logging

import psycopg

log = logging.getLogger(__name__)


def apply_story_edits(conn: psycopg.Connection) -> dict[str, int]:
    """Replay every analyst story edit; idempotent. Returns {"edits", "moved"}."""
    counts = {"edits": 0, "moved": 0}
    with conn.transaction():
        edits = conn.execute(
            "SELECT edit_id, action, article_ids FROM analyst.story_edits ORDER BY edited_at, edit_id").fetchall()
        for edit_id, action, article_ids in edits:
            counts["edits"] += 1
            moved = _merge(conn, article_ids) if action == "merge" else _split(conn, article_ids)
            if moved:
                log.info("story edit %s (%s): %s articles moved", edit_id, action, moved)
            counts["moved"] += moved
    return counts


def _stories_of(conn: psycopg.Connection, article_ids: list[int]) -> dict[int, int]:
    return dict(conn.execute("SELECT article_id, story_id FROM core.story_articles WHERE article_id = ANY(%s)",
                             (article_ids,)).fetchall())


def _merge(conn: psycopg.Connection, article_ids: list[int]) -> int:
    stories = sorted(set(_stories_of(conn, article_ids).values()))
    if len(stories) < 2:
        return 0
    target, others = stories[0], stories[1:]
    moved = conn.execute("UPDATE core.story_articles SET story_id = %s WHERE story_id = ANY(%s)",
                         (target, others)).rowcount
    conn.execute("DELETE FROM core.stories WHERE story_id = ANY(%s)", (others,))
    _refresh(conn, [target])
    return moved


def _split(conn: psycopg.Connection, article_ids: list[int]) -> int:
    leaving = _stories_of(conn, article_ids)
    moved = 0
    for story_id in sorted(set(leaving.values())):
        members = {a for (a,) in conn.execute("SELECT article_id FROM core.story_articles WHERE story_id = %s",
                                              (story_id,))}
        going = {a for a, s in leaving.items() if s == story_id}
        staying = members - going
        if not staying:
            continue  # already a story of their own
        # The group that holds the founder keeps the story id; the other gets its own founder's id.
        new_group = staying if story_id in going else going
        new_id = _founder(conn, sorted(new_group))
        conn.execute(
            """
            INSERT INTO core.stories (story_id, title, first_published_at, last_published_at, article_count)
            SELECT %s, a.title, coalesce(a.published_at, a.first_seen_at), coalesce(a.published_at, a.first_seen_at), 0
            FROM core.articles a WHERE a.article_id = %s
            ON CONFLICT (story_id) DO NOTHING
            """, (new_id, new_id))
        moved += conn.execute("UPDATE core.story_articles SET story_id = %s WHERE article_id = ANY(%s)",
                              (new_id, sorted(new_group))).rowcount
        _refresh(conn, [story_id, new_id])
    return moved


def _founder(conn: psycopg.Connection, article_ids: list[int]) -> int:
    """The earliest article of a group (undated ones by when they were first seen), lowest id on ties."""
    return conn.execute(
        """
        SELECT article_id FROM core.articles WHERE article_id = ANY(%s)
        ORDER BY coalesce(published_at, first_seen_at), article_id LIMIT 1
        """, (article_ids,)).fetchone()[0]


def _refresh(conn: psycopg.Connection, story_ids: list[int]) -> None:
    """Article count and span of the given stories from their members (span as assignment keeps
    it: undated members count by when they were first seen)."""
    conn.execute(
        """
        UPDATE core.stories s
        SET article_count = m.n, first_published_at = m.first, last_published_at = m.last
        FROM (SELECT sa.story_id, count(*) AS n, min(coalesce(a.published_at, a.first_seen_at)) AS first,
                     max(coalesce(a.published_at, a.first_seen_at)) AS last
              FROM core.story_articles sa JOIN core.articles a USING (article_id)
              WHERE sa.story_id = ANY(%s) GROUP BY sa.story_id) AS m
        WHERE s.story_id = m.story_id
        """, (story_ids,))


def record_story_merge(conn: psycopg.Connection, story_ids: list[int], note: str | None = None) -> int:
    """Record that these stories are one event: every current member article is named, so the
    edit still means the same after re-clustering changes the story ids."""
    if len(set(story_ids)) < 2:
        raise ValueError("name at least two different stories to merge")
    members = conn.execute("SELECT story_id, array_agg(article_id ORDER BY article_id) FROM core.story_articles "
                           "WHERE story_id = ANY(%s) GROUP BY story_id", (story_ids,)).fetchall()
    missing = sorted(set(story_ids) - {row[0] for row in members})
    if missing:
        raise ValueError(f"no story {missing[0]}")
    article_ids = sorted(a for _, ids in members for a in ids)
    return conn.execute("INSERT INTO analyst.story_edits (action, article_ids, note) VALUES ('merge', %s, %s) "
                        "RETURNING edit_id", (article_ids, note)).fetchone()[0]


def record_story_split(conn: psycopg.Connection, story_id: int, article_ids: list[int],
                       note: str | None = None) -> int:
    """Record that these articles of the story are an event of their own."""
    members = {a for (a,) in conn.execute("SELECT article_id FROM core.story_articles WHERE story_id = %s",
                                          (story_id,))}
    if not members:
        raise ValueError(f"no story {story_id}")
    outside = sorted(set(article_ids) - members)
    if outside:
        raise ValueError(f"article {outside[0]} is not in story {story_id}")
    if set(article_ids) == members:
        raise ValueError("splitting every article out of a story leaves it as it is")
    return conn.execute("INSERT INTO analyst.story_edits (action, article_ids, note) VALUES ('split', %s, %s) "
                        "RETURNING edit_id", (sorted(set(article_ids)), note)).fetchone()[0]
