"""Land raw.articles rows directly, as the crawl would, for stage tests that need no spider run."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import psycopg

FETCHED = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def insert_raw(conn: psycopg.Connection, url: str, text: str, *, fetched_at: datetime = FETCHED,
               source: str = "seeds", metadata: dict | None = None,
               landed_at: datetime | None = None) -> int:
    """Land one raw.articles row with the columns of migration 0001 (what the seed spider writes)."""
    content = text.encode("utf-8")
    return conn.execute(
        """INSERT INTO raw.articles (url_fingerprint, url, source, spider, fetched_at, content_sha256,
               content, text, encoding, metadata, landed_at)
           VALUES (%s, %s, %s, 'test', %s, %s, %s, %s, 'utf-8', %s, coalesce(%s, now()))
           RETURNING raw_article_id""",
        (hashlib.sha1(url.encode()).hexdigest(), url, source, fetched_at, hashlib.sha256(content).hexdigest(),
         content, text, json.dumps(metadata or {}), landed_at)).fetchone()[0]


def land_seeds(conn: psycopg.Connection, seeds_dir: Path) -> dict[str, int]:
    return {path.name[:3]: insert_raw(conn, f"seed://{path.name}", path.read_text(encoding="utf-8"))
            for path in sorted(seeds_dir.glob("*.txt"))}
