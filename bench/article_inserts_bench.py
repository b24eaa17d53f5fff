"""Rows per second of core.articles writes as the history grows (issues 11 and 17, migration 0180).

    .venv/bin/python bench/article_inserts_bench.py [--at 0,50000,100000] [--probe 1000]

Two scratch databases on the configured server, one whose raw/core tables are never analyzed (a
fresh database, a benchmark, a test: what bench/stories_bench.py met) and one analyzed before every
probe (autovacuum having caught up); autovacuum is off on raw.articles and core.articles in both so
that the statistics are the ones named. Each is filled with history articles (the texts of
bench/stories_bench.py, raw + core by COPY, normalize_log rows so they are not pending) up to each
``--at`` size; there, ``--probe`` new articles are written twice, each in a transaction rolled back
afterwards (the history stays the same size), on a new connection (no plan cached from before):

- ``copy``: tests/helpers_core.insert_articles (COPY into raw and core; the honest-dates trigger
  looks first_seen_at up) — the bulk path of benchmarks and tests;
- ``normalize``: the raw rows landed by COPY, then transforms.normalize.normalize_pending — the DAG's
  normalize stage (its upsert looks first_seen_at up itself).

Each probe runs with 0180's index (``after``) and with it dropped inside the probe's transaction
(``before``: the schema up to 0170). Printed: rows/s of each.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from helpers_core import insert_articles  # noqa: E402
from stories_bench import article, sentence_pool  # noqa: E402

from mediamon import migrations  # noqa: E402
from transforms.normalize import NORMALIZER_VERSION, normalize_pending  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
INDEX = "raw.raw_articles_url_fingerprint_fetched_at_idx"


def rows_from(rng: random.Random, pool: list[str], first: int, n: int, tag: str) -> list[tuple]:
    out = []
    for i in range(first, first + n):
        title, body = article(rng, pool)
        out.append((f"https://{tag}{i % 60}.kz/a/{i}", title, body, START + timedelta(seconds=60 * i)))
    return out


def land_raw(conn: psycopg.Connection, rows: list[tuple]) -> None:
    """Raw rows only, as the crawl lands them (headline line + body): pending for the normalizer."""
    with conn.cursor().copy("COPY raw.articles (url_fingerprint, url, source, spider, fetched_at, content_sha256,"
                            " content, text, encoding, metadata) FROM STDIN") as copy:
        for url, title, body, moment in rows:
            text = f"{title}\n\n{body}"
            content = text.encode("utf-8")
            copy.write_row((hashlib.sha1(url.encode()).hexdigest(), url, "bench", "bench", moment,
                            hashlib.sha256(content).hexdigest(), content, text, "utf-8", "{}"))


def grow(conn: psycopg.Connection, rng: random.Random, pool: list[str], have: int, to: int) -> None:
    for start in range(have, to, 5000):
        insert_articles(conn, rows_from(rng, pool, start, min(5000, to - start), "h"))
    conn.execute("INSERT INTO core.normalize_log (raw_article_id, normalizer_version, outcome, article_id)"
                 " SELECT raw_article_id, %s, 'article', article_id FROM core.articles"
                 " ON CONFLICT DO NOTHING", (NORMALIZER_VERSION,))


def probe(url: str, kind: str, before: bool, rows: list[tuple]) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction(force_rollback=True):
            if before:
                conn.execute(f"DROP INDEX {INDEX}")
            started = time.perf_counter()
            if kind == "copy":
                insert_articles(conn, rows)
            else:
                land_raw(conn, rows)
                counts = normalize_pending(conn)
                assert counts["inserted"] == len(rows), counts
            return len(rows) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--at", default="0,50000,100000", help="history sizes to probe at")
    parser.add_argument("--probe", type=int, default=1000, help="new articles per probe")
    parser.add_argument("--stats", default="none,analyzed")
    parser.add_argument("--kinds", default="copy,normalize")
    args = parser.parse_args()
    sizes = [int(s) for s in args.at.split(",")]
    pool = sentence_pool()
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", flush=True)
    for stats in args.stats.split(","):
        rng = random.Random(11)
        with migrations.scratch_database("mediamon_bench_inserts") as url, \
                psycopg.connect(url, autocommit=True) as conn:
            for table in ("raw.articles", "core.articles", "core.normalize_log"):
                conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = off)")
            have = 0
            for size in sizes:
                started = time.perf_counter()
                grow(conn, rng, pool, have, size)
                built = time.perf_counter() - started
                have = size
                if stats == "analyzed":
                    conn.execute("ANALYZE raw.articles, core.articles, core.normalize_log")
                new = rows_from(random.Random(size), pool, 10_000_000 + size, args.probe, "n")
                for kind in args.kinds.split(","):
                    speeds = {label: probe(url, kind, label == "before", new) for label in ("after", "before")}
                    print(f"stats {stats:8} history {size:>7} (built {built:5.0f} s) {kind:9} "
                          f"after {speeds['after']:7.0f} rows/s  before {speeds['before']:7.0f} rows/s  "
                          f"load {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
