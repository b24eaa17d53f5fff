"""Normal forms against the gold base forms of BSNLP-2019 Russian (topics ``ec`` and ``trump``),
mediamon's entity stage beside plain natasha's ``span.normalize(morph_vocab)`` in the same run.

    .venv/bin/python bench/normal_forms_eval.py [--data bench/data/bsnlp/ru_ec_trump.jsonl] [--errors PER]

The data comes from ``bench/bsnlp_convert.py``. Three measures, each per type (PER, LOC, ORG):

- **found**: every span the stage (rules, normal forms, linking) finds in a document whose
  surface is a gold mention form of that document and type; natasha's own NER spans likewise.
  Each system is scored on the mentions it found itself (the counts are printed);
- **gold span**: every occurrence of a gold surface in the text, with the gold type, normalized
  in its sentence (mediamon: ``Extractor.normalize`` + linking; natasha: its morphology and
  syntax over the document, then ``DocSpan.normalize``), so both are scored on the same mentions;
- **isolated**: gold surfaces of documents whose text is not stored, normalized alone (words
  capitalized as names are, since the upstream surfaces are lower-cased).

Compared case-folded (the gold is lower-case), with ё as е, quotes and brackets dropped (the
merged files' tokens keep a bracket: "Обаму]") and spaces collapsed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

DEFAULT_DATA = REPO_ROOT / "bench" / "data" / "bsnlp" / "ru_ec_trump.jsonl"
TYPES = ("PER", "LOC", "ORG")
_QUOTES = re.compile(r"[«»\"“”„\[\]()]")


def key(name: str) -> str:
    """Case-folded comparison key: "«Флорида»" and "флорида" are equal."""
    return " ".join(_QUOTES.sub(" ", name.casefold().replace("ё", "е")).split())


def load(path: Path) -> list[dict]:
    if not path.exists():
        sys.exit(f"normal_forms_eval: {path} not found; run bench/bsnlp_convert.py first "
                 "(docs/benchmarks.md, 'Normal forms on BSNLP').")
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def gold_forms(doc: dict) -> dict[tuple[str, str], str]:
    """(surface key, type) -> gold base form, for PER/LOC/ORG mentions."""
    return {(key(m["surface"]), m["type"]): m["base"] for m in doc["mentions"] if m["type"] in TYPES}


def occurrences(text: str, surface: str) -> list[tuple[int, int]]:
    """Where a (lower-cased) gold surface occurs in the text, as a whole word sequence."""
    folded = text.lower().replace("ё", "е")
    words = [re.escape(w) for w in surface.lower().replace("ё", "е").split()]
    if not words:
        return []
    pattern = re.compile(r"(?<![\w-])" + r"\s+".join(words) + r"(?![\w-])")
    return [m.span() for m in pattern.finditer(folded)]


class Tally:
    def __init__(self) -> None:
        self.right: Counter = Counter()
        self.total: Counter = Counter()
        self.errors: list[tuple[str, str, str, str, str]] = []

    def add(self, doc_id: str, type_: str, surface: str, normal: str, base: str) -> None:
        self.total[type_] += 1
        if key(normal) == key(base):
            self.right[type_] += 1
        else:
            self.errors.append((doc_id, type_, surface, normal, base))

    def row(self, type_: str) -> str:
        n = self.total[type_]
        return f"{self.right[type_] / n:.3f} ({self.right[type_]}/{n})" if n else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--errors", metavar="TYPE", help="print mediamon's wrong normal forms of TYPE")
    args = parser.parse_args()
    docs = load(args.data)

    from natasha import Doc
    from natasha.doc import DocSpan

    from transforms.entities.extract import Sentence, get_extractor
    from transforms.entities.linking import add_alias_mentions, link_spans, load_index
    from transforms.entities.model import Span

    extractor, index = get_extractor(), load_index()
    tallies = {name: (Tally(), Tally()) for name in ("found", "gold span", "isolated")}

    def natasha_doc(text: str) -> Doc:
        doc = Doc(text)
        doc.segment(extractor.segmenter)
        doc.tag_morph(extractor.morph_tagger)
        doc.parse_syntax(extractor.syntax_parser)
        return doc

    def natasha_normal(doc: Doc, start: int, stop: int, type_: str) -> str:
        tokens = [t for t in doc.tokens if t.start >= start and t.stop <= stop]
        span = DocSpan(start, stop, type_, doc.text[start:stop], tokens)
        try:
            span.normalize(extractor.vocab)
        except (KeyError, ValueError, AttributeError):
            return span.text
        return span.normal or span.text

    def ours_in_sentence(text: str, start: int, stop: int, type_: str) -> str:
        sentences = [Sentence(s.start, s.stop, s.text, extractor.segmenter)
                     for s in extractor.segmenter.sentenize(text)]
        span = Span(start, stop, type_, text[start:stop])
        extractor.normalize(text, [span], sentences)
        link_spans(text, [span], index)
        return span.normal or span.text

    for doc in docs:
        gold = gold_forms(doc)
        text = doc["text"]
        if not text:
            for (surface, type_), base in gold.items():
                shown = " ".join(w[:1].upper() + w[1:] for w in surface.split()) if type_ != "ORG" \
                    else surface[:1].upper() + surface[1:]
                ours_tally, theirs_tally = tallies["isolated"]
                ours_tally.add(doc["id"], type_, shown, ours_in_sentence(shown, 0, len(shown), type_), base)
                natasha_isolated = natasha_doc(shown)
                theirs_tally.add(doc["id"], type_, shown,
                                 natasha_normal(natasha_isolated, 0, len(shown), type_), base)
            continue
        # found: the stage's own spans / natasha's own spans
        spans = link_spans(text, extractor.spans(text, then=lambda t, s: add_alias_mentions(t, s, index)), index)
        ours_tally, theirs_tally = tallies["found"]
        for span in spans:
            base = gold.get((key(span.text), span.type))
            if base is not None:
                ours_tally.add(doc["id"], span.type, span.text, span.normal or span.text, base)
        ndoc = natasha_doc(text)
        ndoc.tag_ner(extractor.ner_tagger)
        for nspan in ndoc.spans:
            base = gold.get((key(nspan.text), nspan.type))
            if base is not None:
                nspan.normalize(extractor.vocab)
                theirs_tally.add(doc["id"], nspan.type, nspan.text, nspan.normal or nspan.text, base)
        # gold span: every occurrence of each gold surface, gold type
        ours_tally, theirs_tally = tallies["gold span"]
        for (surface, type_), base in gold.items():
            for start, stop in occurrences(text, surface):
                ours_tally.add(doc["id"], type_, text[start:stop], ours_in_sentence(text, start, stop, type_), base)
                theirs_tally.add(doc["id"], type_, text[start:stop], natasha_normal(ndoc, start, stop, type_), base)

    with_text = sum(1 for d in docs if d["text"])
    print(f"BSNLP-2019 ru ec+trump {args.data.name}: {len(docs)} documents ({with_text} with text), "
          f"{sum(len(gold_forms(d)) for d in docs)} gold PER/LOC/ORG mention forms; case-folded match")
    print(f"\n{'measure':<11}{'type':<6}{'mediamon':>20}{'natasha':>20}")
    for name, (ours_tally, theirs_tally) in tallies.items():
        for type_ in TYPES:
            print(f"{name:<11}{type_:<6}{ours_tally.row(type_):>20}{theirs_tally.row(type_):>20}")
    combined = Tally()
    for name in ("gold span", "isolated"):
        for tally_type in TYPES:
            combined.right[tally_type] += tallies[name][0].right[tally_type]
            combined.total[tally_type] += tallies[name][0].total[tally_type]
    natasha_combined = Tally()
    for name in ("gold span", "isolated"):
        for tally_type in TYPES:
            natasha_combined.right[tally_type] += tallies[name][1].right[tally_type]
            natasha_combined.total[tally_type] += tallies[name][1].total[tally_type]
    for type_ in TYPES:
        print(f"{'gold+isol.':<11}{type_:<6}{combined.row(type_):>20}{natasha_combined.row(type_):>20}")

    if args.errors:
        print(f"\nmediamon's wrong {args.errors} normal forms (measure, doc, surface -> ours | gold):")
        for name, (ours_tally, _) in tallies.items():
            for doc_id, type_, surface, normal, base in ours_tally.errors:
                if type_ == args.errors:
                    print(f"  {name:<10} {doc_id:<10} {surface!r:<32} -> {normal!r:<30} | {base!r}")


if __name__ == "__main__":
    main()
