"""Extraction quality and speed on real pages: ``python bench/extract_eval.py``.

Corpus: ``tests/real_pages/`` (saved pages of real Russian and Kazakh news sites, with hand-checked
gold in ``gold.jsonl``; origin and licence of each page in its README). Both extractors get the same
bytes and the page's original URL:

- **mediamon**: ``crawlers.extraction.extract`` — what the news spider stores (with the outlet's
  timezone and name when the URL's host is in ``seeds/sources.yaml``);
- **trafilatura**: plain ``trafilatura.bare_extraction(bytes, url=…, with_metadata=True)``.

Per field: title exact match (after nothing but the extractor's own cleaning), date on the right day,
author recall and false authors (names not in the gold), body token F1 against the gold body
(multiset of lower-cased word tokens), titles with an HTML entity left, and — mediamon only — pages
whose body came from a fallback although plain trafilatura found one. Speed: pages/s of each,
interleaved in the same process, best of ``--repeat`` rounds.

``--write-baseline`` stores mediamon's scores in ``tests/real_pages/baseline.json``; the test
``tests/test_real_pages.py`` fails when a field drops below it.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from crawlers import extraction  # noqa: E402
from crawlers.fields import body as body_field  # noqa: E402
from crawlers.fields.titles import has_entity  # noqa: E402
from transforms import sources  # noqa: E402

CORPUS = ROOT / "tests" / "real_pages"
BASELINE = CORPUS / "baseline.json"
# Scores where higher is better, and counts where lower is better (the baseline test's direction).
HIGHER = ("title_exact", "date_day", "author_recall", "body_f1")
LOWER = ("false_authors", "title_entities", "fallback_with_trafilatura_body", "false_dates")


@dataclass
class Page:
    gold: dict[str, Any]
    body: bytes


@dataclass
class Result:
    """One extractor's fields for one page, in the gold's terms."""

    title: str | None
    published: str | None  # YYYY-MM-DD
    authors: list[str]
    text: str
    text_method: str | None = None


def load_corpus(root: Path = CORPUS) -> list[Page]:
    gold_path = root / "gold.jsonl"
    pages = []
    for number, line in enumerate(gold_path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        gold = json.loads(line)
        path = root / gold["file"]
        if not path.is_file():
            raise FileNotFoundError(f"{gold_path}:{number}: {gold['file']} does not exist")
        pages.append(Page(gold, path.read_bytes()))
    return pages


# ----------------------------------------------------------------------------------------- scoring
def tokens(text: str | None) -> Counter[str]:
    return Counter(re.findall(r"\w+", (text or "").casefold().replace("ё", "е")))


def token_f1(predicted: str | None, gold: str | None) -> float:
    p, g = tokens(predicted), tokens(gold)
    if not p and not g:
        return 1.0
    overlap = sum((p & g).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def _person(name: str) -> frozenset[str]:
    """A name as its set of words, so "Иванов Иван" and "Иван Иванов" are the same person."""
    return frozenset(re.findall(r"\w+", name.casefold().replace("ё", "е")))


def score(pages: list[Page], results: list[Result], plain_bodies: list[str] | None = None) -> dict[str, Any]:
    """Per-field scores of one extractor over the corpus (``plain_bodies``: plain trafilatura's
    text per page, to count fallbacks used although trafilatura had a body)."""
    titles = dates = date_total = gold_authors = found_authors = false_authors = false_dates = 0
    entities = fallbacks = 0
    f1s: list[float] = []
    misses: list[str] = []
    for i, (page, result) in enumerate(zip(pages, results, strict=True)):
        gold = page.gold
        pid = gold["id"]
        if result.title == gold["title"]:
            titles += 1
        else:
            misses.append(f"{pid}: title {result.title!r} != {gold['title']!r}")
        entities += has_entity(result.title)
        if gold.get("published"):
            date_total += 1
            if result.published == gold["published"]:
                dates += 1
            else:
                misses.append(f"{pid}: date {result.published} != {gold['published']}")
        elif result.published:
            false_dates += 1
            misses.append(f"{pid}: date {result.published} where the page has none")
        wanted = {_person(a) for a in gold.get("authors") or []}
        got = {_person(a) for a in result.authors}
        gold_authors += len(wanted)
        found_authors += len(wanted & got)
        false_authors += len(got - wanted)
        if wanted != got:
            misses.append(f"{pid}: authors {result.authors} != {gold.get('authors')}")
        f1 = token_f1(result.text, gold.get("body"))
        f1s.append(f1)
        if f1 < 0.99:
            misses.append(f"{pid}: body F1 {f1:.3f} ({result.text_method})")
        if plain_bodies is not None and result.text_method not in (None, "trafilatura", "trafilatura-recall") and \
                len(plain_bodies[i]) >= body_field.MIN_CHARS:
            fallbacks += 1
            misses.append(f"{pid}: body from {result.text_method} although trafilatura had one")
    n = len(pages)
    scores: dict[str, Any] = {
        "pages": n,
        "title_exact": round(titles / n, 4) if n else 0.0,
        "date_day": round(dates / date_total, 4) if date_total else 1.0,
        "false_dates": false_dates,
        "author_recall": round(found_authors / gold_authors, 4) if gold_authors else 1.0,
        "false_authors": false_authors,
        "body_f1": round(sum(f1s) / n, 4) if n else 0.0,
        "title_entities": entities,
        "misses": misses,
    }
    if plain_bodies is not None:
        scores["fallback_with_trafilatura_body"] = fallbacks
    return scores


# -------------------------------------------------------------------------------------- extractors
_REGISTRY = sources.load_registry()


def run_mediamon(page: Page) -> Result:
    url = page.gold["url"]
    source = sources.owner_of(url, _REGISTRY)
    got = extraction.extract(page.body, url, timezone=source.timezone if source else None,
                             site_name=source.title if source else None)
    return Result(got.title, (got.published_at or "")[:10] or None, got.authors, got.text, got.text_method)


def run_trafilatura(page: Page) -> Result:
    doc = trafilatura.bare_extraction(page.body, url=page.gold["url"], with_metadata=True)
    if doc is None:
        return Result(None, None, [], "")
    authors = [a.strip() for a in re.split(r";", doc.author or "") if a.strip()]
    return Result(doc.title, (doc.date or "")[:10] or None, authors, doc.text or "")


def plain_trafilatura_bodies(pages: list[Page]) -> list[str]:
    """Plain ``trafilatura.extract`` on the same bytes: what "trafilatura had a body" means."""
    return [trafilatura.extract(p.body, url=p.gold["url"]) or "" for p in pages]


def timed(pages: list[Page], runners: dict[str, Callable[[Page], Result]], repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` seconds per round for each runner, the runners interleaved per round."""
    best = {name: float("inf") for name in runners}
    for _ in range(repeat):
        for name, run in runners.items():
            start = time.perf_counter()
            for page in pages:
                run(page)
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def evaluate(pages: list[Page]) -> dict[str, dict[str, Any]]:
    plain = plain_trafilatura_bodies(pages)
    return {
        "mediamon": score(pages, [run_mediamon(p) for p in pages], plain),
        "trafilatura": score(pages, [run_trafilatura(p) for p in pages]),
    }


def baseline_of(scores: dict[str, Any]) -> dict[str, Any]:
    return {"pages": scores["pages"], **{k: scores[k] for k in (*HIGHER, *LOWER) if k in scores}}


def _table(results: dict[str, dict[str, Any]], keys: Iterable[str]) -> str:
    rows = [f"{'field':32} {'mediamon':>10} {'trafilatura':>12}"]
    for key in keys:
        values = [results[name].get(key, "—") for name in ("mediamon", "trafilatura")]
        rows.append(f"{key:32} {values[0]!s:>10} {values[1]!s:>12}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--repeat", type=int, default=3, help="timing rounds (best kept); 0 skips timing")
    parser.add_argument("--write-baseline", action="store_true", help=f"store mediamon's scores in {BASELINE}")
    parser.add_argument("--misses", action="store_true", help="list every page and field that is wrong")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # trafilatura and the fallbacks log per page
    pages = load_corpus(args.corpus)
    results = evaluate(pages)
    print(f"{len(pages)} pages from {args.corpus}")
    print(_table(results, ("title_exact", "date_day", "false_dates", "author_recall", "false_authors",
                           "body_f1", "title_entities", "fallback_with_trafilatura_body")))
    if args.misses:
        for name, scores in results.items():
            print(f"\n{name} misses:")
            print("\n".join(f"  {m}" for m in scores["misses"]) or "  none")
    if args.repeat:
        seconds = timed(pages, {"mediamon": run_mediamon, "trafilatura": run_trafilatura}, args.repeat)
        for name, total in seconds.items():
            print(f"{name:12} {len(pages) / total:8.1f} pages/s ({1000 * total / len(pages):.1f} ms/page)")
        print(f"mediamon / trafilatura time per page: {seconds['mediamon'] / seconds['trafilatura']:.2f}x")
    if args.write_baseline:
        BASELINE.write_text(json.dumps(baseline_of(results["mediamon"]), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {BASELINE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
