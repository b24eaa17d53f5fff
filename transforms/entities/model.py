"""Plain records passed between the entity steps (no natasha objects leak out of ``extract``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

ENTITY_TYPES = ("PER", "LOC", "ORG")


@dataclass
class Span:
    """A named-entity mention: character offsets into the article text, type, surface and normal form.

    ``entity_key`` is the stable key of the canonical entity (``tokayev`` for a seeded one,
    ``auto:PER:<normal>`` for one made up from the text); ``rule`` names the rule that last
    changed the span, so every correction can be traced and measured.
    """

    start: int
    stop: int
    type: str
    text: str
    normal: str | None = None
    entity_key: str | None = None
    canonical: str | None = None
    sentence: str | None = None
    rule: str | None = None
    ner_type: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Fact:
    """A money amount or a date found in the text."""

    kind: str  # 'money' | 'date'
    start: int
    stop: int
    text: str
    amount: float | None = None
    currency: str | None = None
    date_value: str | None = None  # ISO date; the first day of the month/year when less precise
    precision: str | None = None  # 'day' | 'month' | 'year'


@dataclass
class Quote:
    """Direct speech with the speaker the text attributes it to (None when it names nobody)."""

    start: int
    stop: int
    text: str
    speaker_text: str | None = None
    speaker_start: int | None = None
    speaker_stop: int | None = None
    speaker_entity_key: str | None = None


@dataclass
class Analysis:
    """Everything the entity stage found in one text; ``skipped`` says why NER did not run."""

    spans: list[Span] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    skipped: str | None = None
    skip_reason: str | None = None
