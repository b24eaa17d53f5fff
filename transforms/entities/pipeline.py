"""One text in, everything the entity stage finds out: spans (linked), facts, quotes, or why not.

Texts NER should not see are refused with a reason code before any model runs:
``empty``, ``too_large`` (over ``MAX_NER_CHARS``), ``no_cyrillic``, ``garbage`` (mostly
non-letters or replacement characters: binary decoded as text), ``not_russian`` (the article's
language is Kazakh or other, or Kazakh letters are frequent). Facts still come out of texts
refused only for language, since numbers and dates do not need Russian NER, and texts in Latin
letters or in Kazakh still get the names of the alias table, in every generated spelling
("Tokayev", "Xi Jinping", "Тоқаев", "Qorgas": ``variants.py``), found without NER.
"""

from __future__ import annotations

import re

from mediamon import settings
from transforms.entities.extract import get_extractor
from transforms.entities.facts import find_facts
from transforms.entities.linking import AliasIndex, add_alias_mentions, link_spans, settle_auto_canonicals
from transforms.entities.model import Analysis
from transforms.entities.quotes import find_quotes

CONVENTION = settings.entity_convention()  # read once per process; workers inherit the environment
# The stored version names the convention when it is not the default, so switching re-extracts.
EXTRACTOR_VERSION = "entities-5" + ("" if CONVENTION == "flat" else f"-{CONVENTION}")
# 5: person names read as a whole (names.py), auto keys from normal forms
# 4: rules written on NEREL dev (edge prepositions, role words, work titles, ...)
# 3: third round of ORG rules (facilities LOC, expeditions, teams, ...)
MAX_NER_CHARS = 200_000

_CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")
_KAZAKH = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
_LETTER = re.compile(r"[^\W\d_]")

SKIP_REASONS = {
    "empty": "the text is empty or only whitespace",
    "too_large": f"the text is longer than {MAX_NER_CHARS} characters; NER would stall the batch",
    "no_cyrillic": "the text has no Cyrillic letters, so Russian NER has nothing to find",
    "garbage": "the text is mostly not letters (binary data decoded as text?)",
    "not_russian": "the article is not in Russian (natasha's models are Russian-only)",
}


_CLEAN_TOKEN = re.compile(r"^[\W_]*(?:[а-яёА-ЯЁәғқңөұүһіӘҒҚҢӨҰҮҺІ-]+|[A-Za-z-]+|[\d.,:%-]+)[\W_]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def _looks_like_garbage(sample: str, letters: int, non_space: int) -> bool:
    """Binary decoded as text: control or replacement characters, few letters, or few real words
    (random bytes in cp1251 are mostly Cyrillic letters, but mixed with symbols inside tokens)."""
    if len(_CONTROL.findall(sample)) > 0.01 * len(sample) or letters < 0.5 * non_space:
        return True
    tokens = sample.split()
    clean = sum(1 for token in tokens if _CLEAN_TOKEN.match(token))
    return len(tokens) >= 5 and clean < 0.6 * len(tokens)


def skip_reason(text: str | None, language: str | None = None) -> str | None:
    """Why this text gets no NER, as a reason code, or None when it should be tagged."""
    if text is None or not text.strip():
        return "empty"
    if len(text) > MAX_NER_CHARS:
        return "too_large"
    sample = text[:20_000]
    letters = len(_LETTER.findall(sample))
    non_space = sum(1 for ch in sample if not ch.isspace())
    if _looks_like_garbage(sample, letters, non_space):
        return "garbage"
    cyrillic = len(_CYRILLIC.findall(sample))
    if cyrillic == 0:
        return "no_cyrillic"
    if language is not None and language != "ru":
        return "not_russian"
    if len(_KAZAKH.findall(sample)) > 0.01 * cyrillic:
        return "not_russian"
    return None


def analyze(text: str | None, index: AliasIndex, *, language: str | None = None,
            default_year: int | None = None) -> Analysis:
    """Spans (rules applied, normalized, linked), money/date facts and quotes for one text."""
    reason = skip_reason(text, language)
    if reason is not None:
        facts = find_facts(text, default_year=default_year) if reason == "not_russian" and text else []
        spans: list = []
        if reason in ("not_russian", "no_cyrillic") and text:
            spans = link_spans(text, add_alias_mentions(text, [], index), index)
            for span in spans:
                span.normal = span.canonical if span.type == "PER" else span.text
        return Analysis(spans=spans, facts=facts, skipped=reason, skip_reason=SKIP_REASONS[reason])
    assert text is not None
    spans = get_extractor().spans(text, then=lambda t, s: add_alias_mentions(t, s, index), convention=CONVENTION)
    spans = link_spans(text, spans, index)
    return Analysis(spans=spans, facts=find_facts(text, default_year=default_year),
                    quotes=find_quotes(text, spans))


_WORKER_INDEX: AliasIndex | None = None


def _analyze_item(item: tuple[str | None, str | None, int | None]) -> Analysis:
    text, language, year = item
    assert _WORKER_INDEX is not None
    return analyze(text, _WORKER_INDEX, language=language, default_year=year)


def analyze_many(items: list[tuple[str | None, str | None]], index: AliasIndex, *,
                 workers: int = 1, default_years: list[int | None] | None = None) -> list[Analysis]:
    """``analyze`` over (text, language) pairs, in order, on ``workers`` forked processes.

    Results do not depend on the worker count or the order of ``items``: normal forms and links
    are functions of each text and the seed/analyst aliases alone, entities created on the fly
    (``auto:`` keys) are keyed by the name's lemmas, and their canonical name is settled over all
    results by a stable rule (``settle_auto_canonicals``) rather than taken from whichever worker
    saw the entity first.
    """
    global _WORKER_INDEX
    _WORKER_INDEX = index
    from transforms.entities.extract import parallel_map

    years = default_years or [None] * len(items)
    results = list(parallel_map(_analyze_item, [(t, lang, y) for (t, lang), y in zip(items, years, strict=True)],
                                workers))
    settle_auto_canonicals((span for result in results for span in result.spans), index.lemmatize)
    return results
