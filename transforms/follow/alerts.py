"""Spike alerts: count articles per canonical entity, entity pair and story, test today against
the trailing window (``spikes``), and record the alerts with their evidence in ``mart.alerts``.

Counts come from the analyst-visible articles (``mart.articles``, after the quality gate), each
on its day from ``core.article_days``: the publication day, or the first-seen day of an undated
article (never the time of the crawl that normalized it). The SQL is in ``sql/follow/``.
Re-running a day upserts the same rows (figures refreshed if late articles arrived); an alert,
once recorded, keeps its id, so it is delivered once.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import psycopg

from transforms.follow.settings import AlertSettings
from transforms.follow.spikes import spike
from transforms.follow.watchlists import sql_text

KINDS = ("entity", "dyad", "story", "breaking")


def _rows(cursor: psycopg.Cursor) -> list[dict[str, Any]]:
    columns = [c.name for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _load_days(conn: psycopg.Connection, first: date, last: date) -> None:
    """``follow_days``: the analyst-visible articles of [first, last] with their day, once per run."""
    conn.execute("DROP TABLE IF EXISTS follow_days")
    conn.execute("""
        CREATE TEMPORARY TABLE follow_days ON COMMIT DROP AS
        SELECT m.article_id, m.source, m.story_id, d.day, d.dated_at, d.dated_by
        FROM mart.articles AS m JOIN core.article_days AS d ON d.article_id = m.article_id
        WHERE d.day BETWEEN %s AND %s
        """, (first, last))
    conn.execute("CREATE INDEX ON follow_days (day)")
    conn.execute("ANALYZE follow_days")


def history_days(conn: psycopg.Connection, day: date, window_days: int) -> int:
    """Days of history before ``day`` the corpus has (at most ``window_days``)."""
    first = conn.execute("SELECT min(d.day) FROM mart.articles AS m JOIN core.article_days AS d "
                         "ON d.article_id = m.article_id").fetchone()[0]
    return 0 if first is None else max(0, min(window_days, (day - first).days))


def find(conn: psycopg.Connection, day: date, settings: AlertSettings) -> list[dict[str, Any]]:
    """The alerts of ``day`` (not yet stored), each with kind, subject, count, baseline, score, evidence.

    Needs a transaction (the temporary table lives until its end)."""
    _load_days(conn, day - timedelta(days=settings.window_days), day)
    available = history_days(conn, day, settings.window_days)
    found: list[dict[str, Any]] = []
    breaking_stories: set[int] = set()
    for row in _rows(conn.execute(sql_text("breaking_stories"),
                                  {"day": day, "breaking_outlets": settings.breaking_outlets})):
        if len(row["new_sources"]) >= settings.breaking_outlets:
            breaking_stories.add(row["story_id"])
            found.append({"kind": "breaking", "subject_key": f"story:{row['story_id']}", "subject": row["subject"],
                          "entity_ids": [], "story_id": row["story_id"], "count": len(row["new_sources"]),
                          "baseline": float(row["outlets_before"]), "score": float(len(row["new_sources"])),
                          "new_sources": row["new_sources"]})
    for row in _rows(conn.execute(sql_text("alert_series"), {"day": day, "window_days": settings.window_days,
                                                             "min_count": settings.min_count})):
        if row["kind"] == "story" and (row["story_id"] in breaking_stories or row["story_first_day"] is None
                                       or row["story_first_day"] >= day):
            continue  # a story new today is news for `breaking`, not a resurgence
        series = row["series"]
        history = series[len(series) - 1 - available:-1] if available else []
        result = spike(series[-1], history, settings)
        if result is not None:
            found.append({"kind": row["kind"], "subject_key": row["subject_key"], "subject": row["subject"],
                          "entity_ids": list(row["entity_ids"]), "story_id": row["story_id"],
                          "count": result.count, "baseline": result.baseline, "score": result.score})
    for alert in found:
        alert["top_articles"] = _rows(conn.execute(sql_text("alert_evidence"), {
            "day": day, "story_id": alert["story_id"], "entity_ids": alert["entity_ids"],
            "top_articles": settings.top_articles}))
    found.sort(key=lambda a: (KINDS.index(a["kind"]), -a["score"], a["subject_key"]))
    return found


def detect(conn: psycopg.Connection, day: date, settings: AlertSettings | None = None) -> dict[str, Any]:
    """Find the alerts of ``day`` and upsert them into ``mart.alerts``; return counts per kind."""
    settings = settings or AlertSettings.from_env()
    method = settings.describe()
    inserted = updated = 0
    with conn.transaction():
        found = find(conn, day, settings)
        for alert in found:
            row = conn.execute("""
                INSERT INTO mart.alerts (kind, subject_key, subject, entity_ids, story_id, day, count, baseline,
                                         score, top_articles, method)
                VALUES (%(kind)s, %(subject_key)s, %(subject)s, %(entity_ids)s, %(story_id)s, %(day)s, %(count)s,
                        %(baseline)s, %(score)s, %(top_articles)s, %(method)s)
                ON CONFLICT (kind, subject_key, day) DO UPDATE
                SET subject = EXCLUDED.subject, count = EXCLUDED.count, baseline = EXCLUDED.baseline,
                    score = EXCLUDED.score, top_articles = EXCLUDED.top_articles, method = EXCLUDED.method,
                    updated_at = now()
                WHERE (mart.alerts.subject, mart.alerts.count, mart.alerts.baseline, mart.alerts.score,
                       mart.alerts.top_articles, mart.alerts.method)
                      IS DISTINCT FROM (EXCLUDED.subject, EXCLUDED.count, EXCLUDED.baseline, EXCLUDED.score,
                                        EXCLUDED.top_articles, EXCLUDED.method)
                RETURNING (xmax = 0) AS inserted
                """, {**alert, "day": day, "method": method,
                      "top_articles": json.dumps(alert["top_articles"], ensure_ascii=False)}).fetchone()
            if row is not None:
                inserted += row[0]
                updated += not row[0]
    counts: dict[str, Any] = {kind: sum(1 for a in found if a["kind"] == kind) for kind in KINDS}
    return {"day": day.isoformat(), **counts, "new": inserted, "updated": updated}


def alerts_of_day(conn: psycopg.Connection, day: date) -> list[dict[str, Any]]:
    """Stored alerts of ``day``, breaking first, then by score (for the digest and the CLI)."""
    return _rows(conn.execute("""
        SELECT alert_id, kind, subject, day, count, baseline, score, top_articles, story_id
        FROM mart.alerts WHERE day = %s
        ORDER BY array_position(ARRAY['breaking', 'story', 'dyad', 'entity'], kind), score DESC, subject_key
        """, (day,)))
