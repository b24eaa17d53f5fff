"""Exact-span NER quality on factRuEval-2016 (devset), mediamon's entity stage beside plain natasha.

    .venv/bin/python bench/ner_eval.py [--data ../shared/data/ner/factru_dev.jsonl] [--ablation] [--convention outer]

Prints precision, recall and F1 per type (PER, LOC, ORG) and micro-averaged, counting a predicted
span as correct only when start, stop and type all match the gold span. ``--ablation`` also prints
the micro and ORG F1 with each correction rule (and the alias-table retyping) switched off alone,
so every rule's contribution is measured. The data is MIT-licensed (LICENSE file beside it) and is
read from where it lies, not copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "ner" / "factru_dev.jsonl"
TYPES = ("PER", "LOC", "ORG")
Predict = Callable[[str], set[tuple[int, int, str]]]


def load(path: Path) -> list[dict]:
    if not path.exists():
        sys.exit(f"ner_eval: {path} not found. Pass --data PATH to factru_dev.jsonl "
                 "(lines {id, text, spans:[{start, stop, type}]}).")
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def select_half(docs: list[dict], half: str) -> list[dict]:
    """Split by the parity of the number in the document id ("book_58" is even)."""
    if half == "all":
        return docs
    want = 0 if half == "even" else 1
    return [d for d in docs if int(d["id"].rsplit("_", 1)[1]) % 2 == want]


def print_errors(docs: list[dict], predict: Predict, type_: str) -> None:
    """Missed (-) and spurious (+) spans of one type, with a little context, for error analysis."""
    for doc in docs:
        text = doc["text"]
        gold = {(s["start"], s["stop"], s["type"]) for s in doc["spans"]}
        pred = predict(text)
        rows = [("-", *g) for g in gold - pred if g[2] == type_] + [("+", *p) for p in pred - gold if p[2] == type_]
        for sign, start, stop, _ in sorted(rows, key=lambda r: r[1]):
            other = [f"{t}:{text[a:b]}" for a, b, t in (pred if sign == "-" else gold)
                     if a < stop and start < b]
            context = text[max(0, start - 30):stop + 30].replace("\n", " ")
            print(f"{doc['id']:<10}{sign} {text[start:stop]!r:<45} {other}  | {context}")


def score(docs: list[dict], predict: Predict) -> dict[str, dict[str, float]]:
    tp, fp, fn = Counter(), Counter(), Counter()
    for doc in docs:
        gold = {(s["start"], s["stop"], s["type"]) for s in doc["spans"]}
        pred = predict(doc["text"])
        for _, _, type_ in pred & gold:
            tp[type_] += 1
        for _, _, type_ in pred - gold:
            fp[type_] += 1
        for _, _, type_ in gold - pred:
            fn[type_] += 1
    table = {}
    for name, keys in [*((t, (t,)) for t in TYPES), ("micro", TYPES)]:
        t, p, n = (sum(c[k] for k in keys) for c in (tp, fp, fn))
        precision = t / (t + p) if t + p else 0.0
        recall = t / (t + n) if t + n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[name] = {"P": precision, "R": recall, "F1": f1, "tp": t, "fp": p, "fn": n}
    return table


def print_table(title: str, table: dict) -> None:
    print(f"\n{title}")
    print(f"{'type':<6}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'fp':>6}{'fn':>6}")
    for name, row in table.items():
        print(f"{name:<6}{row['P']:>7.3f}{row['R']:>7.3f}{row['F1']:>7.3f}{row['tp']:>6}{row['fp']:>6}{row['fn']:>6}")


# Hand-checked nominative of every person named on the seeds (seeds/*.txt).
SEED_PERSON_NOMINATIVES = {
    "Касым-Жомарт Токаев", "Токаев", "Си Цзиньпин", "Адиль Балтабаев", "Владимир Путин", "Денис Тельманов",
    "Нурлан Ермекбаев", "Лу Бань",
}


def known_errors(docs, extractor, index, raw, predict) -> None:
    """The natasha errors named in the issue, counted before (plain natasha) and after (mediamon)."""
    from natasha import Doc

    from transforms.entities.linking import add_alias_mentions, link_spans

    seeds = [p.read_text(encoding="utf-8") for p in sorted((REPO_ROOT / "seeds").glob("*.txt"))]

    def count(texts, test, mine: bool) -> int:
        total = 0
        for text in texts:
            spans = raw(text) if not mine else [
                type("S", (), {"start": a, "stop": b, "type": t})() for a, b, t in predict(text)]
            total += sum(1 for s in spans if test(text[s.start:s.stop], s.type))
        return total

    rows = [
        ("'СМИ' tagged ORG (dev set)", [d["text"] for d in docs],
         lambda t, ty: t == "СМИ" and ty == "ORG"),
        ("'ЕС'/'Евросоюз'/'Европейский союз' tagged LOC (dev set)", [d["text"] for d in docs],
         lambda t, ty: ty == "LOC" and (t == "ЕС" or t.startswith(("Евросоюз", "Европейск")))),
        ("repeated name merged into one span (seeds)", seeds,
         lambda t, ty: _is_repeated(t.split())),
        ("'Акорда'/'Акорды' tagged PER (seeds)", seeds, lambda t, ty: t.startswith("Акорд") and ty == "PER"),
    ]
    print("\nknown natasha errors: before (plain natasha) -> after (mediamon)")
    for label, texts, test in rows:
        print(f"  {label:<58} {count(texts, test, False):>3} -> {count(texts, test, True):>3}")

    # Half-normalized person names on the seeds: natasha's own normalize vs ours.
    before = after = total = 0
    for text in seeds:
        doc = Doc(text)
        doc.segment(extractor.segmenter)
        doc.tag_morph(extractor.morph_tagger)
        doc.parse_syntax(extractor.syntax_parser)
        doc.tag_ner(extractor.ner_tagger)
        for span in doc.spans:
            if span.type == "PER":
                span.normalize(extractor.vocab)
                before += span.normal not in SEED_PERSON_NOMINATIVES
        spans = extractor.spans(text, then=lambda t, s: add_alias_mentions(t, s, index))
        for span in link_spans(text, spans, index):
            if span.type == "PER":
                total += 1
                after += span.normal not in SEED_PERSON_NOMINATIVES
    label = f"person mentions not in the nominative (seeds, of {total})"
    print(f"  {label:<58} {before:>3} -> {after:>3}")


def _is_repeated(words: list[str]) -> bool:
    half = len(words) // 2
    return len(words) >= 2 and len(words) % 2 == 0 and words[:half] == words[half:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--ablation", action="store_true", help="score with each rule switched off alone")
    parser.add_argument("--half", choices=("all", "even", "odd"), default="all",
                        help="documents whose numeric id is even (rules were developed looking at these "
                             "errors only) or odd (held out)")
    parser.add_argument("--errors", metavar="TYPE", help="print mediamon's missed and spurious spans of TYPE")
    parser.add_argument("--convention", choices=("flat", "outer"), default="flat",
                        help="span convention: flat (factRuEval's, the pipeline's) or outer (NEREL's: an ORG "
                             "takes in its country/parent body, common nouns for public bodies are ORG)")
    args = parser.parse_args()
    docs = select_half(load(args.data), args.half)

    from transforms.entities.extract import get_extractor
    from transforms.entities.linking import (
        add_alias_mentions,
        link_spans,
        load_index,
    )
    from transforms.entities.rules import CONVENTION_RULES, RULES

    extractor = get_extractor()
    index = load_index()
    raw_cache = {}

    def raw(text: str):
        if text not in raw_cache:
            raw_cache[text] = extractor.raw_spans(text)[0]
        return [type(s)(s.start, s.stop, s.type, s.text) for s in raw_cache[text]]

    def plain(text: str) -> set:
        return {(s.start, s.stop, s.type) for s in raw(text)}

    def ours(rules: list[str], retype: bool = True, alias_index=None) -> Predict:
        from transforms.entities.rules import apply_rules

        def predict(text: str) -> set:
            spans = apply_rules(text, raw(text), rules, convention=args.convention)
            if retype:
                use = alias_index or index
                spans = link_spans(text, add_alias_mentions(text, spans, use), use)
            return {(s.start, s.stop, s.type) for s in spans}
        return predict

    all_rules = [*RULES, *CONVENTION_RULES[args.convention]]
    print(f"{args.data.name} ({args.half}, convention {args.convention}): {len(docs)} documents, "
          f"{sum(len(d['spans']) for d in docs)} gold spans; exact-span match")
    baseline = score(docs, plain)
    print_table("plain natasha (NewsNERTagger)", baseline)
    full = score(docs, ours(all_rules))
    print_table("mediamon (rules + alias-table types)", full)
    gain = 100 * (full["micro"]["F1"] - baseline["micro"]["F1"])
    print(f"\nmicro F1 gain: {gain:+.1f} points; ORG F1 {full['ORG']['F1']:.3f}")

    if args.errors:
        print_errors(docs, ours(all_rules), args.errors)
        return
    known_errors(docs, extractor, index, raw, ours(all_rules))

    if args.ablation:
        print("\nablation: each rule switched off alone (micro F1 / ORG F1, change vs all rules)")
        variants = [(f"without {name}", ours([r for r in all_rules if r != name])) for name in all_rules]
        variants.append(("without alias table (types, names)", ours(all_rules, retype=False)))
        variants.append(("without organizations.csv gazetteer",
                         ours(all_rules, alias_index=load_index(REPO_ROOT / "seeds" / "aliases.csv"))))
        for label, predict in variants:
            table = score(docs, predict)
            micro, org = table["micro"]["F1"], table["ORG"]["F1"]
            print(f"  {label:<38} micro {micro:.3f} ({100 * (micro - full['micro']['F1']):+.2f})"
                  f"  ORG {org:.3f} ({100 * (org - full['ORG']['F1']):+.2f})")


if __name__ == "__main__":
    main()
