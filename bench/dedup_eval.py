"""Quality of near-duplicate detection and story grouping: ``python bench/dedup_eval.py``.

Evaluation set: the five seeds with hand labels (bench/data/seed_labels.json) plus generated
reprints of each seed with known ground truth — exact copy, last paragraphs truncated, boilerplate
changed, light word edits, and a heavy rewrite (only the first half kept and shuffled, expected NOT to
be a near duplicate but to stay in the story). Pairwise precision/recall/F1 for near duplicates
(same duplicate group) and for stories (same story).
"""

from __future__ import annotations

import itertools
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from transforms.dedup import Document, dedup_documents  # noqa: E402
from transforms.normalize import normalize_document  # noqa: E402

CRAWLED = datetime(2026, 1, 1, tzinfo=UTC)


def build() -> tuple[list[Document], dict[str, str], dict[str, str]]:
    labels = json.loads((ROOT / "bench/data/seed_labels.json").read_text(encoding="utf-8"))
    rng = random.Random(3)
    docs: list[Document] = []
    dup_group: dict[str, str] = {}
    story: dict[str, str] = {}
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        key = path.name[:3]
        article = normalize_document(path.read_text(encoding="utf-8"), crawled_at=CRAWLED)
        published = article.published_at if article.published_at_method != "crawl_time" else None
        docs.append(Document(key, article.text, article.title, published))
        dup_group[key], story[key] = key, labels["stories"][key]
        paragraphs = article.text.split("\n\n")
        later = (published + timedelta(hours=6)) if published else None
        words = article.text.split()
        edited = list(words)
        for _ in range(8):
            edited[rng.randrange(len(edited))] = rng.choice(words)
        variants = {
            "exact": (article.text, True),
            "trunc": ("\n\n".join(paragraphs[: max(2, len(paragraphs) * 2 // 3)]), True),
            "boiler": ("Главные новости дня.\n\n" + article.text + "\n\nПодписывайтесь на наш канал.", True),
            "edits": (" ".join(edited), True),
            "rewrite": (" ".join(rng.sample(words[: len(words) // 2], len(words) // 2)), False),
        }
        for name, (text, is_dup) in variants.items():
            doc_id = f"{key}-{name}"
            docs.append(Document(doc_id, text, None, later))
            dup_group[doc_id] = key if is_dup else doc_id
            story[doc_id] = labels["stories"][key]
    return docs, dup_group, story


def prf(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    tp = fp = fn = 0
    for a, b in itertools.combinations(sorted(truth), 2):
        same_pred, same_true = predicted[a] == predicted[b], truth[a] == truth[b]
        tp += same_pred and same_true
        fp += same_pred and not same_true
        fn += same_true and not same_pred
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    docs, dup_truth, story_truth = build()
    results = {r["id"]: r for r in dedup_documents(docs)}
    dup_pred = {k: (r["duplicate_of"] or k) for k, r in results.items()}
    story_pred = {k: str(r["story_id"]) for k, r in results.items()}
    for name, pred, truth in (("near-duplicates", dup_pred, dup_truth), ("stories", story_pred, story_truth)):
        p, r, f = prf(pred, truth)
        print(f"{name}: documents={len(truth)} precision={p:.3f} recall={r:.3f} f1={f:.3f}")
    seeds = {k: results[k]["story_id"] for k in ("000", "001", "002", "003", "004")}
    print("seed stories:", seeds)


if __name__ == "__main__":
    main()
