"""The news spider's memory between runs: ``ops.crawl_urls`` (per URL) and ``ops.source_watermarks``.

Kept in PostgreSQL rather than Scrapy's JOBDIR because several runs (daily DAG, ad-hoc
``mediamon crawl``) share it, and because analysts ask "why was this URL never landed?" in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg

from transforms.landing import url_fingerprint

#: Outcomes after which a URL is not fetched again unless its feed date moves. Server errors and
#: timeouts are not final: the next run tries again.
FINAL_OUTCOMES = ("fetched", "not_modified", "off_topic")
FINAL_PREFIXES = ("quarantined:", "error:http_404", "error:http_410", "error:robots_forbidden",
                  "error:offsite_redirect", "error:redirect_loop", "error:too_many_redirects",
                  "error:private_address")


@dataclass(frozen=True)
class UrlState:
    url: str
    kind: str
    etag: str | None
    last_modified: str | None
    feed_lastmod: datetime | None
    last_outcome: str | None

    @property
    def is_final(self) -> bool:
        outcome = self.last_outcome or ""
        return outcome in FINAL_OUTCOMES or outcome.startswith(FINAL_PREFIXES)

    def changed_since(self, feed_lastmod: datetime | None) -> bool:
        """Whether a feed date says the page changed after we last took it."""
        return feed_lastmod is not None and (self.feed_lastmod is None or feed_lastmod > self.feed_lastmod)


def load(conn: psycopg.Connection, sources: list[str]) -> dict[str, UrlState]:
    """Every known URL of these sources, by URL fingerprint."""
    rows = conn.execute(
        "SELECT url_fingerprint, url, kind, etag, last_modified, feed_lastmod, last_outcome "
        "FROM ops.crawl_urls WHERE source = ANY(%s)", (sources,)).fetchall()
    return {r[0]: UrlState(*r[1:]) for r in rows}


_UPSERT_URL = """
INSERT INTO ops.crawl_urls AS u (url_fingerprint, url, source, kind, etag, last_modified, feed_lastmod,
                                 last_fetched_at, last_status, last_outcome, last_content_sha256,
                                 times_fetched, crawl_run_id)
VALUES (%(fp)s, %(url)s, %(source)s, %(kind)s, %(etag)s, %(last_modified)s, %(feed_lastmod)s,
        CASE WHEN %(fetched)s THEN now() END, %(status)s, %(outcome)s, %(content_sha256)s,
        CASE WHEN %(fetched)s THEN 1 ELSE 0 END, %(crawl_run_id)s)
ON CONFLICT (url_fingerprint) DO UPDATE SET
    etag = coalesce(EXCLUDED.etag, u.etag),
    last_modified = coalesce(EXCLUDED.last_modified, u.last_modified),
    feed_lastmod = greatest(EXCLUDED.feed_lastmod, u.feed_lastmod),
    last_fetched_at = coalesce(EXCLUDED.last_fetched_at, u.last_fetched_at),
    last_status = coalesce(EXCLUDED.last_status, u.last_status),
    last_outcome = EXCLUDED.last_outcome,
    last_content_sha256 = coalesce(EXCLUDED.last_content_sha256, u.last_content_sha256),
    times_fetched = u.times_fetched + EXCLUDED.times_fetched,
    crawl_run_id = EXCLUDED.crawl_run_id
"""


def outcome_row(*, url: str, source: str, kind: str, outcome: str, status: int | None = None,
                etag: str | None = None, last_modified: str | None = None, feed_lastmod: datetime | None = None,
                content_sha256: str | None = None, crawl_run_id: int | None = None,
                fetched: bool = True) -> dict[str, object]:
    """What happened to one URL, ready for :func:`record_many`."""
    return {"fp": url_fingerprint(url), "url": url, "source": source, "kind": kind, "outcome": outcome,
            "status": status, "etag": etag, "last_modified": last_modified, "feed_lastmod": feed_lastmod,
            "content_sha256": content_sha256, "crawl_run_id": crawl_run_id, "fetched": fetched}


def record_many(conn: psycopg.Connection, rows: list[dict[str, object]]) -> None:
    """Upsert URL outcomes in one batch (a URL seen twice keeps the last). Validators are kept when
    a response (304, error) has none; the feed date only moves forward."""
    if rows:
        latest = {row["fp"]: row for row in rows}
        with conn.cursor() as cur:
            cur.executemany(_UPSERT_URL, list(latest.values()))


def watermarks(conn: psycopg.Connection, sources: list[str]) -> dict[str, datetime]:
    rows = conn.execute("SELECT source, newest_item_at FROM ops.source_watermarks WHERE source = ANY(%s)",
                        (sources,)).fetchall()
    return dict(rows)


def advance_watermark(conn: psycopg.Connection, source: str, newest: datetime, crawl_run_id: int | None) -> None:
    """Move the source's watermark forward (never back)."""
    conn.execute(
        """
        INSERT INTO ops.source_watermarks AS w (source, newest_item_at, crawl_run_id) VALUES (%s, %s, %s)
        ON CONFLICT (source) DO UPDATE SET newest_item_at = EXCLUDED.newest_item_at, updated_at = now(),
                                           crawl_run_id = EXCLUDED.crawl_run_id
        WHERE EXCLUDED.newest_item_at > w.newest_item_at
        """, (source, newest, crawl_run_id))
