"""Convert NEREL v1.1 brat files (dev) into the jsonl shape of factru_dev.jsonl.

    .venv/bin/python bench/nerel_convert.py [--src bench/data/nerel/dev] [--out bench/data/nerel/nerel_dev.jsonl]

Why: factRuEval is the only corpus the NER rules were written on; NEREL (Loukachevitch et al.,
RANLP 2021, github nerel-ds/NEREL) is news text from another annotation project, so its dev
part tells whether the rules generalize. Only dev documents are used, never ``test``.

Mapping: PERSON → PER; ORGANIZATION → ORG; COUNTRY, CITY, STATE_OR_PROVINCE (spelled STATE_OR_PROV
in NEREL's README), LOCATION → LOC; every other NEREL type (FACILITY, EVENT, LAW, PROFESSION ...) is
not an entity here and is ignored. NEREL is nested; our NER and factRuEval's gold are flat, so
among overlapping mapped spans the outermost (longest; for two crossing spans the longer, then the
earlier) wins. A nested span inside an *unmapped* one ("Ереванские" inside the EVENT "Ереванские
перспективы") stays: that is what the corpus annotates. Discontinuous spans (``T1 TYPE 0 5;7 9``) are
dropped and counted. Every span's surface is checked against ``text[start:stop]``.

Data: the .txt/.ann pairs are transcribed from the stored copy of github nerel-ds/NEREL at commit
a1e8aee225a9e21efb32e8044071eef1788b45d3 (NEREL-v1.1/dev/<id>_text.txt and <id>_text.ann, or
<name>.txt/.ann), one document per pair, 45 of the 47 dev documents whose .txt is stored
(``DEV_IDS``; maykl_dzhekson and rosobrnadzor were not transcribed in the time given); the
.ann files keep only the T lines of the six mapped types (R/N/attribute lines and other types
dropped). The repository states no licence (no LICENSE file; the README asks to cite the papers),
so the files are not committed: they live in bench/data/nerel/ (git-ignored). To fetch them
again, read both files of every id in ``DEV_IDS`` from the repository at that commit (the
search tool's ``read_file``), write them there byte for byte and keep the mapped T lines; this
script checks every offset.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SRC = REPO_ROOT / "bench" / "data" / "nerel" / "dev"
DEFAULT_OUT = REPO_ROOT / "bench" / "data" / "nerel" / "nerel_dev.jsonl"

# 45 of the 47 dev documents whose .txt is in the stored copy (taken in listing order, none chosen by content).
DEV_IDS = (
    "120183 120890 1530089 1535267 1614272 1637214 1653218 1690150 1718154 186860 192856 194468 "
    "197352 212404 213473 213551 215419 216586 218392 220995 221249 221624 222071 223562 223960 "
    "224797 230892 231384 231810 304703 315825 349503 390215 405682 549180 598012 598168 598192 "
    "598266 598378 598551 825235 945932 last_15 last_33"
).split()

TYPE_MAP = {
    "PERSON": "PER",
    "ORGANIZATION": "ORG",
    "COUNTRY": "LOC",
    "CITY": "LOC",
    "STATE_OR_PROVINCE": "LOC",
    "STATE_OR_PROV": "LOC",
    "LOCATION": "LOC",
}
T_LINE = re.compile(r"^(T\d+)\t(\S+) ([\d; ]+)\t(.*)$")


def parse_ann(text: str, ann: str, doc_id: str = "") -> tuple[list[tuple[int, int, str]], int]:
    """Mapped (start, stop, type) spans of one .ann file and the number of discontinuous ones dropped."""
    spans, discontinuous = [], 0
    for line in ann.splitlines():
        match = T_LINE.match(line)
        if not match:
            continue
        _, nerel_type, offsets, surface = match.groups()
        type_ = TYPE_MAP.get(nerel_type)
        if type_ is None:
            continue
        if ";" in offsets:
            discontinuous += 1
            continue
        start, stop = map(int, offsets.split())
        if text[start:stop] != surface:
            raise ValueError(f"{doc_id}: {line!r} does not match text[{start}:{stop}] = {text[start:stop]!r}")
        spans.append((start, stop, type_))
    return spans, discontinuous


def outermost(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep spans that overlap no longer one: nested NEREL names become flat, the outermost wins."""
    kept: list[tuple[int, int, str]] = []
    for span in sorted(set(spans), key=lambda s: (-(s[1] - s[0]), s[0], s[2])):
        if all(span[1] <= k[0] or k[1] <= span[0] for k in kept):
            kept.append(span)
    return sorted(kept)


def convert(src: Path) -> tuple[list[dict], dict[str, int]]:
    docs, stats = [], {"documents": 0, "spans": 0, "nested_dropped": 0, "discontinuous_dropped": 0}
    for txt in sorted(src.glob("*.txt")):
        doc_id = txt.stem.removesuffix("_text")
        ann = txt.with_suffix(".ann")
        if not ann.exists():
            continue
        text = txt.read_text(encoding="utf-8")
        spans, discontinuous = parse_ann(text, ann.read_text(encoding="utf-8"), doc_id)
        flat = outermost(spans)
        stats["documents"] += 1
        stats["spans"] += len(flat)
        stats["nested_dropped"] += len(set(spans)) - len(flat)
        stats["discontinuous_dropped"] += discontinuous
        docs.append({"id": f"nerel_{doc_id}", "text": text,
                     "spans": [{"start": a, "stop": b, "type": t} for a, b, t in flat]})
    return docs, stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    if not args.src.is_dir():
        sys.exit(f"nerel_convert: {args.src} not found (see the module docstring for the fetch steps)")
    docs, stats = convert(args.src)
    missing = sorted(set(DEV_IDS) - {d["id"].removeprefix("nerel_") for d in docs})
    if missing:
        print(f"nerel_convert: {len(missing)} of {len(DEV_IDS)} documents missing: {' '.join(missing)}")
    with args.out.open("w", encoding="utf-8") as out:
        for doc in docs:
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    print(json.dumps(stats), "->", args.out)


if __name__ == "__main__":
    main()
