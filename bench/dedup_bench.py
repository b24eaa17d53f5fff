"""Near-duplicate detection speed: ``python bench/dedup_bench.py 10000 100000``.

Synthetic corpus: articles of 250-450 words drawn from the seed articles' vocabulary (so the
shingle statistics look like Russian news), 10 % of them near copies of an earlier one (a
paragraph dropped, words replaced, boilerplate added). Times ``dedup_documents`` without stories
(MinHash + LSH + verification + grouping, in memory as ``mediamon dedup --no-stories`` does);
prints time, peak RSS and recall of the planted copies. Run each size in a fresh process so peak
memory is that size's own.
"""

from __future__ import annotations

import random
import re
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from transforms.dedup import Document, dedup_documents  # noqa: E402


def corpus(n: int, seed: int = 7) -> tuple[list[Document], dict[str, str]]:
    rng = random.Random(seed)
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    vocabulary = sorted({w for p in seeds.glob("*.txt") for w in re.findall(r"[^\W\d_]+", p.read_text())})
    start = datetime(2025, 1, 1, tzinfo=UTC)
    docs: list[Document] = []
    planted: dict[str, str] = {}
    for i in range(n):
        when = start + timedelta(minutes=5 * i)
        if i > 10 and rng.random() < 0.1:
            original = docs[rng.randrange(len(docs))]
            words = original.text.split()
            words = words[: int(len(words) * rng.uniform(0.8, 1.0))]
            for _ in range(rng.randrange(1, 6)):
                words[rng.randrange(len(words))] = rng.choice(vocabulary)
            text = " ".join(words) + " Подписывайтесь на наш канал в Telegram."
            doc_id = f"d{i}"
            planted[doc_id] = original.id
        else:
            text = " ".join(rng.choice(vocabulary) for _ in range(rng.randrange(250, 450)))
            doc_id = f"d{i}"
        docs.append(Document(doc_id, text, None, when))
    return docs, planted


def run(n: int) -> None:
    docs, planted = corpus(n)
    started = time.perf_counter()
    results = dedup_documents(docs, with_stories=False)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = {r["id"]: r["duplicate_of"] for r in results if r["duplicate_of"]}
    caught = sum(1 for doc_id in planted if doc_id in found)
    print(f"n={n} time={elapsed:.1f}s per_1k={elapsed / n * 1000:.2f}s peak_rss={peak_mb:.0f}MB "
          f"planted={len(planted)} caught={caught} flagged={len(found)}", flush=True)


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    if len(sizes) == 1:
        run(sizes[0])
    else:
        for size in sizes:
            subprocess.run([sys.executable, __file__, str(size)], check=True)
