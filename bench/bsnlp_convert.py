"""BSNLP-2019 Russian gold base forms (topics ``ec`` and ``trump`` only) → one jsonl.

    .venv/bin/python bench/bsnlp_convert.py [--src bench/data/bsnlp] [--out bench/data/bsnlp/ru_ec_trump.jsonl]

Source: github.com/UL-FRI-Zitnik/BSNLP-2021-Shared-Task, ``data/bsnlp/<topic>/...`` (the
BSNLP-2019 shared-task data as that repository holds it). The repository carries no licence
file and its README grants none, so the files are not redistributed here: ``bench/data/bsnlp/``
is git-ignored and filled by hand from the upstream layout (docs/benchmarks.md, "Normal forms
on BSNLP", says how). Three kinds of upstream files are read:

- ``annotated/ru/<n>.txt``: the document number, then one line per distinct mention form,
  ``surface <TAB> base form <TAB> type <TAB> cross-lingual id``, all lower-cased upstream;
- ``raw/ru/*.txt``: number, language, date, URL, title, then the body (the document text);
- ``merged/ru/*.csv``: the same documents tokenized, one token a row with its gold ``lemma``
  (the base form word by word) and a BIO ``ner`` tag; used for documents with no annotated
  file (their mentions) or no raw file (their text, tokens joined by spaces).

Only the topics ``ec`` and ``trump`` are ever read: the project is measured on the others.
Output lines: ``{"id", "topic", "text" (null when no text is stored), "text_source"
("raw" | "tokens" | null), "mentions": [{"surface", "base", "type"}]}``; types other than PER,
LOC and ORG (MISC, EVT, PRO) are kept with their own type and left out by the evaluation.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SRC = REPO_ROOT / "bench" / "data" / "bsnlp"
TOPICS = ("ec", "trump")  # never any other topic
_NUMBER = re.compile(r"(\d+)")


def _doc_number(path: Path) -> str:
    match = _NUMBER.search(path.stem)
    if match is None:
        raise ValueError(f"{path}: no document number in the file name")
    return match.group(1)


def read_annotated(path: Path) -> tuple[str, list[dict]]:
    """(document number, mentions) of one annotated file; the first line is the number."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    number, mentions = lines[0].strip(), []
    for line in lines[1:]:
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 3:
            raise ValueError(f"{path}: malformed line {line!r}")
        mentions.append({"surface": fields[0], "base": fields[1], "type": fields[2].strip()})
    return number, mentions


def read_raw(path: Path) -> tuple[str, str]:
    """(document number, text): the title and the body, header lines dropped, line ends as LF."""
    lines = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").split("\n")
    number = lines[0].strip()
    return number, "\n".join(lines[4:]).strip()


_NO_SPACE_BEFORE = re.compile(r"^[.,:;!?)»%]$")
_NO_SPACE_AFTER = re.compile(r"^[(«]$")


def _join_tokens(tokens: list[str]) -> str:
    out = ""
    for token in tokens:
        if out and not _NO_SPACE_BEFORE.match(token) and not _NO_SPACE_AFTER.match(out[-1]):
            out += " "
        out += token
    return out


def read_merged(path: Path) -> tuple[str, str, list[dict]]:
    """(document number, text joined from tokens, mentions from the BIO tags with base forms
    from the gold per-token lemmas)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise ValueError(f"{path}: empty")
    number = rows[0]["docId"].strip()
    sentences: dict[str, list[dict]] = {}
    for row in rows:
        sentences.setdefault(row["sentenceId"], []).append(row)
    texts, mentions = [], []
    for sentence in sentences.values():
        texts.append(_join_tokens([r["text"] for r in sentence]))
        current: list[dict] | None = None
        for row in [*sentence, {"ner": "O", "text": "", "lemma": ""}]:
            tag = row["ner"].strip()
            if current is not None and not tag.startswith("I-"):
                type_ = current[0]["ner"][2:]
                mentions.append({"surface": _join_tokens([r["text"] for r in current]),
                                 "base": _join_tokens([r["lemma"] or r["text"].lower() for r in current]),
                                 "type": type_})
                current = None
            if tag.startswith("B-"):
                current = [row]
            elif tag.startswith("I-") and current is not None:
                current.append(row)
    return number, " ".join(texts), mentions


def convert(src: Path) -> list[dict]:
    docs: list[dict] = []
    for topic in TOPICS:
        base = src / topic
        annotated = {n: m for n, m in (read_annotated(p) for p in sorted((base / "annotated" / "ru").glob("*.txt")))}
        raw = {n: t for n, t in (read_raw(p) for p in sorted((base / "raw" / "ru").glob("*.txt")))}
        merged = {n: (t, m) for n, t, m in (read_merged(p) for p in sorted((base / "merged" / "ru").glob("*.csv")))}
        for number in sorted(set(annotated) | set(merged), key=int):
            text, source = (raw[number], "raw") if number in raw else \
                (merged[number][0], "tokens") if number in merged else (None, None)
            mentions = annotated.get(number) or merged[number][1]
            docs.append({"id": f"{topic}-{number}", "topic": topic, "text": text, "text_source": source,
                         "mentions": mentions})
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC)
    parser.add_argument("--out", type=Path, default=DEFAULT_SRC / "ru_ec_trump.jsonl")
    args = parser.parse_args()
    if not (args.src / "ec").exists() and not (args.src / "trump").exists():
        sys.exit(f"bsnlp_convert: {args.src} has no ec/ or trump/ folder (see docs/benchmarks.md, "
                 "'Normal forms on BSNLP', for how to fill it)")
    docs = convert(args.src)
    with args.out.open("w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
    with_text = sum(1 for d in docs if d["text"])
    mentions = sum(len(d["mentions"]) for d in docs)
    print(f"{len(docs)} documents ({with_text} with text), {mentions} mentions -> {args.out}")


if __name__ == "__main__":
    main()
