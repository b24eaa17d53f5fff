"""The entity stage's database writes alone: the set-based batch writes (one entity upsert, COPY of
mentions/facts/quotes, one entity_runs upsert) against the per-article statements they replaced,
on the same analyses (NER runs once, before the timing), each on its own scratch database.

    .venv/bin/python bench/entity_writes_bench.py -n 400 --old /tmp/old_entities_storage.py

``--old``: the replaced ``transforms/entities/storage.py`` (``git show b784d39:transforms/entities/storage.py``).
Batches of 200 as the DAG's mapped tasks; the two are timed in alternation, batch by batch.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from helpers_core import insert_articles  # noqa: E402

from bench.daily_run import Generator, load_texts  # noqa: E402
from bench.old_module import load_old_module  # noqa: E402
from mediamon import migrations  # noqa: E402
from transforms.entities import storage  # noqa: E402
from transforms.entities.pipeline import analyze_many  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=400)
    parser.add_argument("--old", type=Path, required=True)
    args = parser.parse_args()
    old = load_old_module(args.old, "old_entities_storage")
    articles, _ = Generator(load_texts()).day(date(2025, 9, 1), args.n)
    base = datetime(2025, 9, 1, 6, tzinfo=UTC)
    rows = [(f"https://bench.kz/{a.name}", a.title, a.body, base + timedelta(seconds=7 * i))
            for i, a in enumerate(articles)]
    timings = {"new": 0.0, "old": 0.0}
    with migrations.scratch_database("entity_writes_new") as new_url, \
            migrations.scratch_database("entity_writes_old") as old_url, \
            psycopg.connect(new_url, autocommit=True) as new_conn, \
            psycopg.connect(old_url, autocommit=True) as old_conn:
        ids = {}
        for label, conn in (("new", new_conn), ("old", old_conn)):
            ids[label] = insert_articles(conn, rows)
            storage.load_seed_aliases(conn)
        index = storage.load_index(new_conn)
        started = time.perf_counter()
        results = analyze_many([(body, "ru") for _, _, body, _ in rows], index, workers=2)
        print(f"NER of {args.n} articles (not timed below): {time.perf_counter() - started:.1f} s", flush=True)
        spans = 0
        for start in range(0, args.n, 200):
            part = slice(start, start + 200)
            for label, conn in (("new", new_conn), ("old", old_conn)):
                batch = [(i, body, "ru", 2025) for i, (_, _, body, _) in zip(ids[label][part], rows[part],
                                                                              strict=True)]
                analyses = results[part]
                began = time.perf_counter()
                with conn.transaction():
                    if label == "new":
                        entity_ids = storage._entity_ids(conn, [s for a in analyses for s in a.spans])
                        storage._store_batch(conn, batch, analyses, entity_ids)
                    else:
                        entity_ids = old._entity_ids(conn, [s for a in analyses for s in a.spans])
                        for (article_id, text, _, _), analysis in zip(batch, analyses, strict=True):
                            old._store(conn, article_id, text, analysis, entity_ids)
                timings[label] += time.perf_counter() - began
            spans += sum(len(a.spans) for a in results[part])
        counts = {label: conn.execute("SELECT (SELECT count(*) FROM core.mentions), (SELECT count(*) FROM"
                                      " core.entities), (SELECT count(*) FROM core.entity_runs)").fetchone()
                  for label, conn in (("new", new_conn), ("old", old_conn))}
    assert counts["new"] == counts["old"], counts
    print(f"{args.n} articles, {spans} mentions; rows (mentions, entities, runs) {counts['new']} in both")
    print("| writes | ms / article |\n|---|---:|")
    for label in ("new", "old"):
        print(f"| {'set-based (batch)' if label == 'new' else 'per article (replaced)'} | "
              f"{1000 * timings[label] / args.n:.2f} |")
    print(f"ratio {timings['old'] / timings['new']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
