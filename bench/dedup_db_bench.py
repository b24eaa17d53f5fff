"""``deduplicate_pending`` over a real PostgreSQL: ``python bench/dedup_db_bench.py [N] [DAILY]``.

Lands N synthetic articles (the corpus of ``bench/dedup_bench.py``: 250-450 words from the seed
vocabulary, 10 % near copies, published every 5 minutes, each with a seed-style ``date`` header
and title; each also opens with 40 words of one of 60 made-up "events", about a dozen consecutive
articles per event, so that stories form as they would in news rather than one story swallowing
the random texts) in ``raw.articles`` of a fresh database on the project's server (embedded by default),
normalizes them, then times ``deduplicate_pending`` on all N (history empty), and again on DAILY
more articles landed afterwards (the incremental daily case: N articles of history in the index).
Prints the time, articles per second and the counts; the database is dropped at the end.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_bench import corpus  # noqa: E402

from mediamon import migrations  # noqa: E402
from transforms.dedup import deduplicate_pending  # noqa: E402
from transforms.normalize import normalize_pending  # noqa: E402


def with_events(docs: list, seed: int = 5) -> list:
    rng = random.Random(seed)
    letters = "абвгдежзиклмнопрстуфхцчшэюя"
    events = [["".join(rng.choice(letters) for _ in range(8)) for _ in range(25)] for _ in range(60)]
    for i, doc in enumerate(docs):
        words = events[(i // 12 + (i % 3 == 0) * 7) % len(events)]
        doc.text = " ".join(rng.choice(words) for _ in range(40)) + " " + doc.text
    return docs


def land(conn: psycopg.Connection, docs: list) -> None:
    rows = []
    for doc in docs:
        title = " ".join(doc.text.split()[:8]).capitalize()
        text = f" date {doc.published_at:%Y-%m-%d} {title}\n\n{doc.text}\n"
        content = text.encode("utf-8")
        url = f"https://bench.example/{doc.id}"
        rows.append((hashlib.sha1(url.encode()).hexdigest(), url, "bench", "bench", doc.published_at,
                     hashlib.sha256(content).hexdigest(), content, text, "utf-8", json.dumps({})))
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO raw.articles (url_fingerprint, url, source, spider, fetched_at, content_sha256,
                   content, text, encoding, metadata) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            rows)


def timed(label: str, conn: psycopg.Connection, n: int) -> None:
    started = time.perf_counter()
    counts = deduplicate_pending(conn)
    elapsed = time.perf_counter() - started
    print(f"{label}: articles={n} time={elapsed:.1f}s per_article={elapsed / n * 1000:.1f}ms "
          f"rate={n / elapsed:.0f}/s counts={counts}", flush=True)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    daily = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    docs = with_events(corpus(n + daily)[0])
    with migrations.scratch_database("mediamon_bench_dedup") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            land(conn, docs[:n])
            started = time.perf_counter()
            normalized = normalize_pending(conn)
            print(f"normalize (setup): {normalized} in {time.perf_counter() - started:.1f}s", flush=True)
            timed("deduplicate_pending, empty history", conn, n)
            land(conn, docs[n:])
            normalize_pending(conn)
            timed(f"deduplicate_pending, next day ({n} in history)", conn, daily)
            started = time.perf_counter()
            again = deduplicate_pending(conn)
            print(f"re-run (nothing pending): {again['in']} articles in {time.perf_counter() - started:.2f}s")


if __name__ == "__main__":
    main()
