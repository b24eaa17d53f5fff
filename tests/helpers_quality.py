"""Helpers for the quality, marts and report tests: land rows in raw.articles as a crawler would.

Kept apart from conftest.py (shared by every engineer) so the quality tests can plant defects
without touching the shared fixtures.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import psycopg


def land_raw(conn: psycopg.Connection, *, url: str, source: str, text: str, fetched_at: datetime,
             landed_at: datetime | None = None, http_status: int | None = 200) -> int:
    """Insert one raw.articles row (with its crawl run) and return its raw_article_id."""
    content = text.encode("utf-8")
    crawl_run_id = conn.execute(
        "INSERT INTO ops.crawl_runs (spider, source, status) VALUES ('test', %s, 'finished') "
        "RETURNING crawl_run_id", (source,)).fetchone()[0]
    return conn.execute(
        """
        INSERT INTO raw.articles (url_fingerprint, url, source, spider, fetched_at, content_sha256, content,
                                  text, encoding, http_status, crawl_run_id, landed_at)
        VALUES (%s, %s, %s, 'test', %s, %s, %s, %s, 'utf-8', %s, %s, coalesce(%s, now()))
        RETURNING raw_article_id
        """,
        (hashlib.sha1(url.encode()).hexdigest(), url, source, fetched_at, hashlib.sha256(content).hexdigest(),
         content, text, http_status, crawl_run_id, landed_at),
    ).fetchone()[0]
