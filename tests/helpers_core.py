"""Land core.articles rows in bulk (with the raw rows they point to), for dedup/story tests and
benchmarks that need thousands of normalized articles without running the normalizer on each."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

import psycopg


def insert_articles(conn: psycopg.Connection, rows: Sequence[tuple[str, str | None, str, datetime]], *,
                    source: str = "bench", undated: Sequence[bool] | None = None) -> list[int]:
    """Insert (url, title, text, published_at) rows as raw + core articles via COPY; article ids in order.
    ``undated[i]``: the row's date is its crawl time (published_at_method crawl_time)."""
    undated = undated or [False] * len(rows)
    start = conn.execute("SELECT coalesce(max(raw_article_id), 0) FROM raw.articles").fetchone()[0]
    with conn.cursor() as cursor:
        with cursor.copy("COPY raw.articles (url_fingerprint, url, source, spider, fetched_at, content_sha256,"
                         " content, text, encoding, metadata) FROM STDIN") as copy:
            for url, _title, text, published in rows:
                content = text.encode("utf-8")
                copy.write_row((hashlib.sha1(url.encode()).hexdigest(), url, source, "bench", published,
                                hashlib.sha256(content).hexdigest(), content, text, "utf-8", "{}"))
        raw_ids = [r[0] for r in conn.execute(
            "SELECT raw_article_id FROM raw.articles WHERE raw_article_id > %s ORDER BY raw_article_id", (start,))]
        with cursor.copy("COPY core.articles (url_fingerprint, raw_article_id, url, source, title, title_method,"
                         " published_at, published_at_method, language, text, text_sha256, word_count,"
                         " normalizer_version) FROM STDIN") as copy:
            for (url, title, text, published), raw_id, no_date in zip(rows, raw_ids, undated, strict=True):
                copy.write_row((hashlib.sha1(url.encode()).hexdigest(), raw_id, url, source, title,
                                "metadata" if title else None, published, "crawl_time" if no_date else "header",
                                "ru", text, hashlib.sha256(" ".join(text.split()).encode()).hexdigest(),
                                len(text.split()), "bench"))
    urls = [row[0] for row in rows]
    ids = dict(conn.execute("SELECT url, article_id FROM core.articles WHERE url = ANY(%s)", (urls,)).fetchall())
    return [ids[url] for url in urls]
