"""Corrections to natasha's NER spans, one small named rule each, applied in a fixed order.

Every rule is a pure function ``(text, spans) -> spans``. They fix the errors natasha makes on
news text that were seen on the seeds and on factRuEval (measured one by one in
``bench/ner_eval.py --ablation``):

- ``trim_punctuation``: a span that swallowed a bracket, bullet or dash at its edge.
- ``split_lines``: a span that runs across a line break or a list bullet ("Суринам • Сирия").
- ``split_parenthetical``: "Комитет защиты журналистов (КЗЖ)", "Джоэл Саймон (Joel Simon)" are two
  mentions of the same thing, not one.
- ``split_repeated_name``: "Касым-Жомарт Токаев Касым-Жомарт Токаев" (a caption followed by the
  same name) is merged by natasha into one PER span.
- ``drop_generic``: "СМИ" (the media in general) and bare legal forms ("ПАО", "ГУ") are not names.
- ``strip_legal_form``: in "ОАО «Газпром»", "концерн «Майкрософт»" the name is what is in quotes.
- ``extend_org_adjective``: "японского МИДа", "российском министерстве финансов": a relational
  adjective right before an organization's head word belongs to its name.

Type errors that depend on *which* thing is named (ЕС tagged LOC, Акорда tagged PER) are fixed by
the alias table at linking time instead, so analysts can correct new ones without code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from transforms.entities.model import Span

Rule = Callable[[str, list[Span]], list[Span]]

_EDGE_JUNK = " \t\r\n,.;:•·*-–—/\\|"
_OPENERS = "(«\"„“["
_CLOSERS = ")»\"”]"


def _make(text: str, start: int, stop: int, type_: str, rule: str) -> Span | None:
    """A span for text[start:stop] with whitespace trimmed, or None when nothing is left."""
    while start < stop and text[start].isspace():
        start += 1
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    if stop <= start or not any(ch.isalnum() for ch in text[start:stop]):
        return None
    return Span(start, stop, type_, text[start:stop], rule=rule)


def _balanced(fragment: str, opener: str, closer: str) -> bool:
    return fragment.count(opener) == fragment.count(closer)


def trim_punctuation(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        start, stop = span.start, span.stop
        changed = True
        while changed and start < stop:
            changed = False
            if text[start] in _EDGE_JUNK:
                start += 1
                changed = True
            elif text[stop - 1] in _EDGE_JUNK and not (
                    text[stop - 1] == "." and stop - start <= 4):  # keep "им." / "В.Л."-like initials
                stop -= 1
                changed = True
            elif text[stop - 1] in _OPENERS and text[stop - 1] != '"':
                stop -= 1
                changed = True
            elif text[start] in ")]":
                start += 1
                changed = True
            elif text[stop - 1] == ")" and not _balanced(text[start:stop], "(", ")"):
                stop -= 1
                changed = True
            elif text[start] == "(" and not _balanced(text[start:stop], "(", ")"):
                start += 1
                changed = True
            elif text[stop - 1] in "»“”" and not any(o in text[start:stop - 1] for o in "«„“"):
                stop -= 1
                changed = True
            elif text[start] in "«„“" and not any(c in text[start + 1:stop] for c in "»“”"):
                start += 1
                changed = True
        if (start, stop) == (span.start, span.stop):
            out.append(span)
        else:
            made = _make(text, start, stop, span.type, "trim_punctuation")
            if made:
                out.append(made)
    return out


_LINE_SPLIT = re.compile(r"\s*(?:\n\s*|•|·)\s*")


def split_lines(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        fragment = text[span.start:span.stop]
        if not _LINE_SPLIT.search(fragment):
            out.append(span)
            continue
        cursor = span.start
        for match in _LINE_SPLIT.finditer(fragment):
            made = _make(text, cursor, span.start + match.start(), span.type, "split_lines")
            if made:
                out.append(made)
            cursor = span.start + match.end()
        made = _make(text, cursor, span.stop, span.type, "split_lines")
        if made:
            out.append(made)
    return out


_PAREN = re.compile(r"^(?P<outer>[^()]+?)\s*\((?P<inner>[^()]+)\)?\s*$")


def split_parenthetical(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        match = _PAREN.match(text[span.start:span.stop])
        if not match:
            out.append(span)
            continue
        for group in ("outer", "inner"):
            made = _make(text, span.start + match.start(group), span.start + match.end(group),
                         span.type, "split_parenthetical")
            if made:
                out.append(made)
    return out


_WORD = re.compile(r"\S+")


def split_repeated_name(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        words = list(_WORD.finditer(text[span.start:span.stop]))
        half = len(words) // 2
        if len(words) >= 2 and len(words) % 2 == 0 and \
                [w.group() for w in words[:half]] == [w.group() for w in words[half:]]:
            for part in (words[:half], words[half:]):
                made = _make(text, span.start + part[0].start(), span.start + part[-1].end(),
                             span.type, "split_repeated_name")
                if made:
                    out.append(made)
        else:
            out.append(span)
    return out


# Common nouns natasha takes for names: the media in general, and legal forms standing alone.
GENERIC_WORDS = frozenset({
    "сми", "смі", "пао", "оао", "зао", "ооо", "ао", "гу", "гуп", "муп", "фгуп", "нао", "ип", "тоо",
})


def drop_generic(text: str, spans: list[Span]) -> list[Span]:
    return [s for s in spans if text[s.start:s.stop].strip("«»\"").lower().replace("ё", "е")
            not in GENERIC_WORDS]


_LEGAL_FORM = re.compile(
    r"^(?:[А-ЯЁA-Z]{2,5}|(?:[Кк]онцерн|[Кк]омпани|[Кк]орпораци|[Хх]олдинг|[Аа]гент?ств|[Тт]елеканал|[Гг]азет|"
    r"[Жж]урнал|[Ии]здани|[Рр]адиостанци|[Тт]елерадиокомпани)\w*)\s+"
    r"[«\"„“](?P<name>[^«»\"„“]+)[»\"”“]?$"
    r"|^(?:РИА|ИА|МИА|[Аа]гент?ств\w*)\s+(?P<bare>[^«»\"„“\s][^«»\"„“]*)$")


def strip_legal_form(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        match = _LEGAL_FORM.match(text[span.start:span.stop]) if span.type == "ORG" else None
        if match:
            group = "name" if match.group("name") else "bare"
            made = _make(text, span.start + match.start(group), span.start + match.end(group),
                         span.type, "strip_legal_form")
            if made:
                out.append(made)
                continue
        out.append(span)
    return out


_QUOTED_TAIL = re.compile(r"^(?P<head>[^«»\"„“]*[^\W\d_][^«»\"„“]*?)\s+[«\"„“](?P<name>[^«»\"„“]+)[»\"”“]?$")


def split_quoted_name(text: str, spans: list[Span]) -> list[Span]:
    """"Русской службе «Голоса Америки»": a unit of an organization and the organization itself."""
    out = []
    for span in spans:
        match = _QUOTED_TAIL.match(text[span.start:span.stop]) if span.type == "ORG" else None
        if match and not _LEGAL_FORM.match(text[span.start:span.stop]):
            for group in ("head", "name"):
                made = _make(text, span.start + match.start(group), span.start + match.end(group),
                             span.type, "split_quoted_name")
                if made:
                    out.append(made)
        else:
            out.append(span)
    return out


_VEHICLE = re.compile(
    r"(?:шаттл|корабл|станци|ракет|телескоп|спутник|самол[её]т|судн|ледокол|лайнер|модул|грузовик|зонд|"
    r"марсоход|луноход|подлодк|крейсер|авианос|эсминц|фрегат|парусник|яхт)\w*\s*[«\"„“]?\s*$", re.IGNORECASE)


def drop_vehicle_names(text: str, spans: list[Span]) -> list[Span]:
    """Names of ships, spacecraft and aircraft ("шаттл «Дискавери»", "станции «Мир»") are not
    organizations; natasha tags them ORG."""
    return [s for s in spans
            if not (s.type == "ORG" and _VEHICLE.search(text, max(0, s.start - 25), s.start))]


_RELATIONAL_ADJ = re.compile(
    r"(?<![\w-])(?P<adj>[а-яё]+(?:ск|цк)(?:ий|ого|ому|им|ом|ая|ой|ую|ое|ие|их|ими))\s+$")


def extend_org_adjective(text: str, spans: list[Span]) -> list[Span]:
    out = []
    for span in spans:
        if span.type == "ORG" and text[span.start:span.start + 1].isupper():
            match = _RELATIONAL_ADJ.search(text, max(0, span.start - 40), span.start)
            if match and not _covered(spans, match.start("adj")):
                made = _make(text, match.start("adj"), span.stop, span.type, "extend_org_adjective")
                if made:
                    out.append(made)
                    continue
        out.append(span)
    return out


def _covered(spans: Iterable[Span], position: int) -> bool:
    return any(s.start <= position < s.stop for s in spans)


RULES: dict[str, Rule] = {
    "trim_punctuation": trim_punctuation,
    "split_lines": split_lines,
    "split_parenthetical": split_parenthetical,
    "split_repeated_name": split_repeated_name,
    "drop_generic": drop_generic,
    "strip_legal_form": strip_legal_form,
    "split_quoted_name": split_quoted_name,
    "drop_vehicle_names": drop_vehicle_names,
    "extend_org_adjective": extend_org_adjective,
}


def apply_rules(text: str, spans: list[Span], enabled: Iterable[str] | None = None) -> list[Span]:
    """Run the enabled rules (all by default) in order; the result is sorted and non-overlapping."""
    names = list(RULES) if enabled is None else [n for n in RULES if n in set(enabled)]
    for name in names:
        spans = RULES[name](text, spans)
    return _without_overlaps(spans)


def _without_overlaps(spans: list[Span]) -> list[Span]:
    """Sorted by start; when two overlap, the longer one is kept."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.stop - s.start))):
        if kept and span.start < kept[-1].stop:
            if span.stop - span.start > kept[-1].stop - kept[-1].start:
                kept[-1] = span
            continue
        kept.append(span)
    return kept
