"""The deduplicate stage alone, day after day on one scratch database: its total time and the part
spent in story assignment (``transforms.stories.storage.assign_batch``: embedding, window, assign),
the rest being MinHash/LSH and the duplicate groups. Tells whether the stage's own part grows with
history.

    PYTHONPATH=bench/cheap_embedder .venv/bin/python bench/dedup_split.py -n 2000 -d 2

(``bench/cheap_embedder`` swaps the story model for a word hash: profiling only, see daily_run.)
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

import transforms.stories.storage as stories_storage  # noqa: E402
from bench.daily_run import Generator, load_texts  # noqa: E402
from mediamon import migrations  # noqa: E402
from transforms.dedup import deduplicate_pending  # noqa: E402

SPENT = {"assign": 0.0, "window": 0.0, "embed": 0.0}


def _timed(name: str, key: str) -> None:
    function = getattr(stories_storage, name)

    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT[key] += time.perf_counter() - started

    setattr(stories_storage, name, wrapper)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("-d", type=int, default=2)
    args = parser.parse_args()
    for name, key in (("assign_batch", "assign"), ("load_window", "window"), ("embed_batch", "embed")):
        _timed(name, key)
    generator = Generator(load_texts())
    with migrations.scratch_database("dedup_split") as url, psycopg.connect(url, autocommit=True) as conn:
        for offset in range(args.d):
            day = date(2025, 9, 1) + timedelta(days=offset)
            articles, _ = generator.day(day, args.n)
            base = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
            insert_articles(conn, [(f"https://bench.kz/{a.name}", a.title, a.body, base + timedelta(seconds=7 * i))
                                   for i, a in enumerate(articles)])
            SPENT.update(dict.fromkeys(SPENT, 0.0))
            started = time.perf_counter()
            counts = deduplicate_pending(conn)
            total = time.perf_counter() - started
            print(f"{day} history {offset * args.n}: total {total:.1f} s, stories {SPENT['assign']:.1f} s "
                  f"(embed_batch {SPENT['embed']:.1f}, load_window {SPENT['window']:.1f}), MinHash/groups "
                  f"{total - SPENT['assign']:.1f} s = {1000 * (total - SPENT['assign']) / args.n:.1f} ms/article; "
                  f"{counts}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
