"""The persisted dedup index alone, per article: the batched ``PostgresIndex`` (prefetch + flush)
against the one it replaced (a round trip per lookup and insert), on the daily-run generator's
articles, day after day on one scratch database, no stories (the embedder is not this bench's
subject).

    .venv/bin/python bench/dedup_index_bench.py -n 2000 -d 3 --old /tmp/old_dedup_storage.py

``--old`` is the replaced ``transforms/dedup/storage.py`` (``git show b784d39:transforms/dedup/storage.py``);
each day's articles are deduplicated with both implementations, each on its own copy of the history,
in alternation, so both see the same machine load. Prints ms per article per day.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from helpers_core import insert_articles  # noqa: E402

from bench.daily_run import Generator, load_texts  # noqa: E402
from bench.old_module import load_old_module  # noqa: E402
from mediamon import migrations  # noqa: E402
from transforms.dedup import Deduplicator, Item, Signer  # noqa: E402
from transforms.dedup.storage import PostgresIndex  # noqa: E402


def run_index(conn: psycopg.Connection, make_index, ids: list[int], rows: list, signer: Signer,
              batch_size: int = 1000) -> float:
    texts = [text for _, _, text, _ in rows]
    signatures = signer.sign_many(texts)
    keys = signer.band_keys_many(np.stack([s.hashvalues for s in signatures]))
    items = [Item(i, moment, hashlib.sha256(" ".join(t.split()).encode()).hexdigest(), s)
             for i, t, moment, s in zip(ids, texts, [r[3] for r in rows], signatures, strict=True)]
    started = time.perf_counter()
    for start in range(0, len(items), batch_size):
        with conn.transaction():
            index = make_index(conn)
            dedup = Deduplicator(index, signer)
            if hasattr(index, "prefetch"):
                index.prefetch(items[start:start + batch_size], keys[start:start + batch_size])
            for item, band_keys in zip(items[start:start + batch_size], keys[start:start + batch_size],
                                       strict=True):
                dedup.process(item, band_keys)
            index.flush()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("-d", type=int, default=3)
    parser.add_argument("--old", type=Path, required=True)
    args = parser.parse_args()
    old = load_old_module(args.old, "old_dedup_storage")
    generator = Generator(load_texts())
    signer = Signer()
    first = date(2025, 9, 1)
    print("| day | history | batched ms/article | per-lookup ms/article | ratio |")
    print("|---|---:|---:|---:|---:|")
    with migrations.scratch_database("dedup_bench_new") as new_url, \
            migrations.scratch_database("dedup_bench_old") as old_url, \
            psycopg.connect(new_url, autocommit=True) as new_conn, \
            psycopg.connect(old_url, autocommit=True) as old_conn:
        for offset in range(args.d):
            day = first + timedelta(days=offset)
            articles, _ = generator.day(day, args.n)
            base = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
            rows = [(f"https://bench.kz/{a.name}", a.title, a.body, base + timedelta(seconds=7 * i))
                    for i, a in enumerate(articles)]
            timings = {}
            for label, conn, make in (("new", new_conn, PostgresIndex), ("old", old_conn, old.PostgresIndex)):
                ids = insert_articles(conn, rows)
                timings[label] = run_index(conn, make, ids, rows, signer)
            print(f"| {day} | {offset * args.n} | {1000 * timings['new'] / args.n:.2f} | "
                  f"{1000 * timings['old'] / args.n:.2f} | {timings['old'] / timings['new']:.1f}x |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
