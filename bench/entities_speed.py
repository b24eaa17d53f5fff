"""Speed of the whole entity stage (NER, rules, normal forms, linking, facts, quotes) on the
factRuEval dev-set texts, beside plain natasha doing segment + morphology + syntax + NER + normalize.

    .venv/bin/python bench/entities_speed.py [--data ../shared/data/ner/factru_dev.jsonl] [--repeat 3]

Model loading is timed separately and excluded from documents/s; each measured pass starts with an
empty normal-form cache (a fresh fork), so the figures are for unseen text, not a warm cache.
Wall-clock documents/s depends on what else runs on the machine (the load average is printed);
CPU time (this process + its workers) shows the work itself: on N idle cores the stage runs at
about N x documents per CPU-second.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.ner_eval import DEFAULT_DATA, load  # noqa: E402


def plain_natasha(texts: list[str]) -> float:
    from natasha import Doc

    from transforms.entities.extract import get_extractor

    ex = get_extractor()
    started = time.perf_counter()
    for text in texts:
        doc = Doc(text)
        doc.segment(ex.segmenter)
        doc.tag_morph(ex.morph_tagger)
        doc.parse_syntax(ex.syntax_parser)
        doc.tag_ner(ex.ner_tagger)
        for span in doc.spans:
            span.normalize(ex.vocab)
    return time.perf_counter() - started


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the forked workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def ours(texts: list[str], workers: int) -> tuple[float, float]:
    from transforms.entities.extract import get_extractor
    from transforms.entities.linking import load_index
    from transforms.entities.pipeline import analyze_many

    index = load_index()
    extractor = get_extractor()
    extractor.normal_cache.clear()
    started, cpu = time.perf_counter(), cpu_seconds()
    results = analyze_many([(t, "ru") for t in texts], index, workers=workers)
    elapsed = time.perf_counter() - started
    assert len(results) == len(texts)
    return elapsed, cpu_seconds() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=3, help="passes per configuration; the best is kept")
    args = parser.parse_args()
    texts = [doc["text"] for doc in load(args.data)]
    chars = sum(len(t) for t in texts)

    started = time.perf_counter()
    from transforms.entities.extract import get_extractor
    from transforms.entities.linking import default_lemmatize, load_index

    get_extractor()
    load_index()
    print(f"{len(texts)} documents, {chars} characters; models + alias index load: "
          f"{time.perf_counter() - started:.2f} s")
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    def report(label: str, seconds: list[float]) -> None:
        best = min(seconds)
        print(f"{label:<52} {len(texts) / best:6.1f} docs/s  {chars / best / 1000:6.0f}K chars/s"
              f"  (best of {len(seconds)}: {best:.2f} s)")

    report("plain natasha, morph+syntax+NER+normalize, 1 proc",
           [plain_natasha(texts) for _ in range(args.repeat)])
    for workers in (1, 2):
        runs, cpu = [], []
        for _ in range(args.repeat):
            default_lemmatize.cache_clear()
            wall, used = ours(texts, workers)
            runs.append(wall)
            cpu.append(used)
        report(f"mediamon entity stage, {workers} process{'es' if workers > 1 else ''}", runs)
        print(f"{'':<52} CPU time {min(cpu):.2f} s = {len(texts) / min(cpu):.1f} docs per CPU-second")


if __name__ == "__main__":
    main()
