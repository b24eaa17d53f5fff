"""Canonical linking: every mention goes to one entity per real-world thing.

The alias table (seeded from ``seeds/aliases.csv``, editable by analysts in
``core.entity_aliases``) maps names to entities. A mention is looked up, in order, by:

1. its normal form and its surface text, keyed case-, ё- and hyphen-insensitively;
2. its lemmas (every word to its dictionary form: "Касым-Жомартом Токаевым" → "касым жомарт токаев"),
   which also repairs half-normalized names;
3. an acronym in brackets right after its expansion ("Шанхайская организация сотрудничества (ШОС)");
4. a surname alone that matches the last word of a person named in full in the same article;
5. a near spelling (one or two letters off, for names long enough to make that safe): typos such
   as "Касым-омарт Токаев";
6. otherwise a new entity keyed by the mention's lemmas, so inflections of an unknown name still
   land on one entity.

Matching a seeded or analyst alias exactly (steps 1-2) also sets the mention's type: that is how
"ЕС" tagged LOC becomes ORG and "Акорды" tagged PER becomes ORG. Linking only reads the stored
surface and normal forms, so after an alias edit it can be re-run over old mentions without NER.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from transforms.entities.model import ENTITY_TYPES, Span
from transforms.entities.variants import fold_kazakh, name_variants

Lemmatizer = Callable[[str], str]

_QUOTES = re.compile(r"[«»\"“”„'’`]")
_SEPARATORS = re.compile(r"[\s\-‐‑–—]+")
_WORDS = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_PRIORITY = {"analyst": 0, "seed": 1, "variant": 1.5, "auto": 2}  # variant: generated spelling (variants.py)


def alias_key(name: str) -> str:
    """Case-, ё-, quote-, hyphen- and Kazakh-letter-insensitive key: "Касым-Жомарт  Токаев" and
    "Қасым-Жомарт Тоқаев" → "касым жомарт токаев"."""
    name = _QUOTES.sub("", fold_kazakh(name.lower().replace("ё", "е")))
    return _SEPARATORS.sub(" ", name).strip(" .,")


def lemma_key(name: str, lemmatize: Lemmatizer) -> str:
    """Every word to its dictionary form (hyphen parts separately), joined by spaces."""
    return " ".join(lemmatize(word) for word in _WORDS.findall(alias_key(name)))


@dataclass(frozen=True)
class Alias:
    alias: str
    entity_key: str
    type: str
    origin: str = "seed"  # 'seed' | 'analyst' | 'auto'


@dataclass(frozen=True)
class Entity:
    entity_key: str
    canonical_name: str
    type: str
    wikidata_qid: str | None = None  # optional columns wikidata, wikidata_source of the alias file
    wikidata_source: str | None = None


class AliasTableError(ValueError):
    """The alias file is malformed (missing column, unknown type, duplicated key)."""


_QID = re.compile(r"^Q[1-9][0-9]*$")


def read_alias_file(path: Path) -> tuple[list[Entity], list[Alias]]:
    """Read ``entity_key,type,canonical_name,aliases`` rows (aliases separated by ``|``), with
    optional ``wikidata`` (a QID) and ``wikidata_source`` (where it was read: required with a QID)."""
    entities: list[Entity] = []
    aliases: list[Alias] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"entity_key", "type", "canonical_name", "aliases"} - set(reader.fieldnames or ())
        if missing:
            raise AliasTableError(f"{path}: missing column(s) {sorted(missing)}")
        for line, row in enumerate(reader, start=2):
            key, type_, name = row["entity_key"].strip(), row["type"].strip(), row["canonical_name"].strip()
            if not key or not name:
                raise AliasTableError(f"{path}:{line}: entity_key and canonical_name are required")
            if type_ not in ENTITY_TYPES:
                raise AliasTableError(f"{path}:{line}: type {type_!r} is not one of {ENTITY_TYPES}")
            if key in seen:
                raise AliasTableError(f"{path}:{line}: entity_key {key!r} appears twice")
            seen.add(key)
            qid = (row.get("wikidata") or "").strip() or None
            qid_source = (row.get("wikidata_source") or "").strip() or None
            if qid is not None and (not _QID.match(qid) or qid_source is None):
                raise AliasTableError(f"{path}:{line}: wikidata must be a QID (Q123) with its wikidata_source")
            entities.append(Entity(key, name, type_, qid, qid_source))
            for alias in [name, *(row["aliases"] or "").split("|")]:
                if alias.strip():
                    aliases.append(Alias(alias.strip(), key, type_, "seed"))
    return entities, aliases


def default_alias_file() -> Path:
    from mediamon import settings

    return settings.seeds_dir() / "aliases.csv"


def default_alias_files() -> list[Path]:
    """The monitored topic's alias table and the gazetteer of well-known organizations
    (``seeds/organizations.csv``, see docs/entities.md for where it comes from)."""
    main = default_alias_file()
    return [main, main.parent / "organizations.csv"]


def read_alias_files(paths: Iterable[Path]) -> tuple[list[Entity], list[Alias]]:
    """Several alias files read as one; an entity key may appear in only one of them."""
    entities: list[Entity] = []
    aliases: list[Alias] = []
    for path in paths:
        if not path.exists():
            continue
        more_entities, more_aliases = read_alias_file(path)
        taken = {e.entity_key for e in entities} & {e.entity_key for e in more_entities}
        if taken:
            raise AliasTableError(f"{path}: entity_key(s) {sorted(taken)} already defined in another alias file")
        entities += more_entities
        aliases += more_aliases
    return entities, aliases


@dataclass
class AliasIndex:
    """Lookup structures built once from the alias table."""

    lemmatize: Lemmatizer
    entities: dict[str, Entity] = field(default_factory=dict)
    by_key: dict[str, tuple[int, str]] = field(default_factory=dict)
    by_lemmas: dict[str, tuple[int, str]] = field(default_factory=dict)
    fuzzy_keys: dict[str, str] = field(default_factory=dict)
    by_stem: dict[str, str] = field(default_factory=dict)
    nominative: dict[str, str] = field(default_factory=dict)  # lemma key -> alias as written
    gazetteer: dict[str, tuple[str, str]] = field(default_factory=dict)  # alias -> (entity key, type)
    redirects: dict[str, str] = field(default_factory=dict)  # analyst merges: entity key -> key it went into
    _gazetteer_regex: re.Pattern | None = None
    _fuzzy_cache: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def build(cls, entities: Iterable[Entity], aliases: Iterable[Alias], lemmatize: Lemmatizer, *,
              variants: bool = True) -> AliasIndex:
        """Index the aliases, then the generated spellings of every seed/analyst alias (Latin,
        pinyin, Kazakh, inflections: ``variants.name_variants``), which never displace a real alias."""
        index = cls(lemmatize=lemmatize)
        for entity in entities:
            index.entities[entity.entity_key] = entity
        curated = [a for a in aliases if a.entity_key in index.entities]
        for alias in curated:
            index.add(alias)
        if variants:
            for alias in curated:
                if alias.origin in ("seed", "analyst"):
                    for variant in name_variants(alias.alias, alias.type):
                        index.add(Alias(variant, alias.entity_key, alias.type, "variant"))
        return index

    def add(self, alias: Alias) -> None:
        """Index a seed or analyst alias. Auto aliases are not indexed: a lookup that could hit the
        auto entity another article created first would make links depend on arrival order (an
        auto key is recomputed from the name anyway, ``auto_entity_key``)."""
        rank = _PRIORITY.get(alias.origin, 2)
        if rank >= 2:
            return
        for table, key in ((self.by_key, alias_key(alias.alias)),
                           (self.by_lemmas, lemma_key(alias.alias, self.lemmatize))):
            if key and (key not in table or rank < table[key][0]):
                table[key] = (rank, alias.entity_key)
        if len(alias_key(alias.alias)) >= 6:
            self.fuzzy_keys.setdefault(alias_key(alias.alias), alias.entity_key)
            self._fuzzy_cache.clear()
        stem = stem_key(alias.alias)
        if len(stem) >= 4:
            self.by_stem.setdefault(stem, alias.entity_key)
        self.nominative.setdefault(lemma_key(alias.alias, self.lemmatize), alias.alias)
        if _GAZETTEER_WORTHY.match(alias.alias):
            self.gazetteer[alias.alias] = (alias.entity_key, alias.type)
            self._gazetteer_regex = None

    def note_auto(self, key: str, name: str, type_: str) -> None:
        """Record an auto entity met while linking, keeping the best canonical name seen so far."""
        entity = self.entities.get(key)
        if entity is None or canonical_rank(name, self.lemmatize) < canonical_rank(entity.canonical_name,
                                                                                     self.lemmatize):
            self.entities[key] = Entity(key, name, entity.type if entity else type_)

    def gazetteer_regex(self) -> re.Pattern | None:
        """One regex for every seeded/analyst alias, tolerant of case endings on each word."""
        if self._gazetteer_regex is None and self.gazetteer:
            parts = sorted({_inflectable(fold_kazakh(alias)) for alias in self.gazetteer},
                           key=lambda part: (-len(part), part))
            self._gazetteer_regex = re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")
        return self._gazetteer_regex

    def lookup(self, name: str) -> tuple[str | None, bool]:
        """(entity key, whether it came from a seed/analyst alias) by exact key or by lemmas."""
        for table, key in ((self.by_key, alias_key(name)), (self.by_lemmas, lemma_key(name, self.lemmatize))):
            hit = table.get(key)
            if hit:
                return hit[1], hit[0] < 2
        return None, False

    def fuzzy(self, name: str) -> str | None:
        """The entity whose alias is one (two, for long names) edit away; same first letter, since
        typos rarely hit it. Cached per key: most unmatched names repeat."""
        key = alias_key(name)
        if len(key) < 6:
            return None
        if key in self._fuzzy_cache:
            return self._fuzzy_cache[key]
        budget = 1 if len(key) < 12 else 2
        best: tuple[int, str] | None = None
        for candidate, entity_key in self.fuzzy_keys.items():
            if candidate[0] != key[0] or abs(len(candidate) - len(key)) > budget:
                continue
            distance = _bounded_edit_distance(key, candidate, budget)
            if distance <= budget and (best is None or distance < best[0]):
                best = (distance, entity_key)
        self._fuzzy_cache[key] = best[1] if best else None
        return self._fuzzy_cache[key]


def stem_key(name: str) -> str:
    """Words with their final vowels, й and ь cut: "Сиане" and "Сиань" both give "сиан".

    Foreign place names are often missing from the dictionary, so the lemmatizer cannot undo their
    case endings; comparing stems catches those inflections.
    """
    return " ".join(_STEM_END.sub("", word) for word in _WORDS.findall(alias_key(name)))


_STEM_END = re.compile(r"[аеиоуыэюяйь]+$")


# Aliases worth searching for in raw text: several words, or one capitalized word of 4+ letters, or
# an acronym of 3+ capitals (two-letter ones like "РК" are too ambiguous to search for blindly).
_GAZETTEER_WORTHY = re.compile(
    r"^(?:[А-ЯЁA-ZӘҒҚҢӨҰҮҺІ][^\s]*(?:\s+\S+)+|[А-ЯЁӘҒҚҢӨҰҮҺІ][А-ЯЁа-яёәғқңөұүһі-]{3,}|[A-Z][a-z-]{3,}|[А-ЯЁ]{3,8})$")


def _inflectable(alias: str) -> str:
    """Regex for an alias whose Cyrillic words may take case endings: "Голос Америки" also finds
    "Голоса Америки"; acronyms and Latin words must match as written."""
    words = []
    for word in alias.split():
        if len(word) >= 4 and re.fullmatch(r"[А-ЯЁа-яё-]+", word) and not word.isupper():
            stem = _STEM_END.sub("", word) if len(_STEM_END.sub("", word)) >= 3 else word
            words.append(re.escape(stem) + r"[а-яё]{0,3}")
        else:
            words.append(re.escape(word))
    return r"\s+".join(words)


def add_alias_mentions(text: str, spans: list[Span], index: AliasIndex) -> list[Span]:
    """Mentions of seeded/analyst names that natasha missed or cut short.

    A match that overlaps no span is added; one that strictly contains natasha's spans ("Голос
    Америки" around the LOC "Америки") replaces them; partial overlaps are left to natasha.
    """
    regex = index.gazetteer_regex()
    if regex is None:
        return spans
    spans = list(spans)
    # Searched with Kazakh letters folded (one letter for one, so offsets hold): "Тоқаев" is found
    # by the alias "Токаев"; the span keeps the text as written.
    for match in regex.finditer(fold_kazakh(text)):
        start, stop = match.span()
        inside = [s for s in spans if s.start < stop and start < s.stop]
        if any(s.start < start or s.stop > stop for s in inside):
            continue
        if inside and any((s.start, s.stop) == (start, stop) for s in inside):
            continue
        key, _ = index.lookup(match.group())
        if key is None:
            continue
        for s in inside:
            spans.remove(s)
        spans.append(Span(start, stop, index.entities[key].type, text[start:stop], rule="alias_mention"))
    return sorted(spans, key=lambda s: s.start)


def _bounded_edit_distance(a: str, b: str, budget: int) -> int:
    """Levenshtein distance, giving up (returning budget + 1) once every path exceeds the budget."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
        if min(current) > budget:
            return budget + 1
        previous = current
    return previous[-1]


def _initials(name: str) -> str:
    return "".join(w[0] for w in _WORDS.findall(name) if len(w) > 2 or w[0].isupper()).upper()


_ACRONYM = re.compile(r"^[A-ZА-ЯЁ]{2,8}$")


def link_spans(text: str | None, spans: list[Span], index: AliasIndex) -> list[Span]:
    """Set ``entity_key``, ``canonical`` (and, for exact seeded matches, ``type``) on every span.

    ``text`` is the article text, used only to see whether an acronym sits in brackets right after
    its expansion; linking works without it (that one rule is then skipped).

    The result depends only on this article and the seed/analyst aliases: auto entities made while
    linking earlier articles are never looked up (``AliasIndex.add`` leaves auto aliases out), so
    worker count and batch order cannot change a key. The ``canonical`` of an auto entity is the
    best name seen so far in this process (``canonical_rank``); ``settle_auto_canonicals`` makes it
    the best over the whole input.
    """
    resolved: list[tuple[Span, str | None]] = []
    for span in spans:
        span.ner_type = span.ner_type or span.type
        name = span.normal or span.text
        key, trusted = index.lookup(name)
        if key is None and span.normal:
            key, trusted = index.lookup(span.text)
        key = index.redirects.get(key, key) if key else key
        if key is not None and trusted:
            span.type = index.entities[key].type
        resolved.append((span, key))
    # Persons named in full anywhere in the article: a surname alone joins them, before or after.
    full_names: dict[str, tuple[str, str]] = {}  # surname lemma -> (entity key, surname as normalized)
    for span, key in resolved:
        name = span.normal or span.text
        words = _WORDS.findall(name)
        if span.type == "PER" and len(words) >= 2:
            full_names.setdefault(index.lemmatize(alias_key(words[-1])),
                                  (key or _unmatched_key(span.type, name, index), words[-1]))

    previous: Span | None = None
    for span, key in resolved:
        name = span.normal or span.text
        if key is None and previous is not None and text is not None and _ACRONYM.match(span.text) \
                and text[previous.stop:span.start].strip() == "(" \
                and _initials(previous.normal or previous.text) == span.text.upper().replace("Ё", "Е"):
            key = previous.entity_key
            span.type = previous.type
        if key is None and span.type == "PER" and len(_WORDS.findall(name)) == 1 \
                and (full := full_names.get(index.lemmatize(alias_key(name)))) is not None:
            # the surname alone is that person's, in the nominative read for the full name
            # ("Виолу" beside "Винсента Виолу" → "Виола")
            key, span.normal = full[0], full[1]
        if key is None:
            key = _unmatched_key(span.type, name, index)
        key = index.redirects.get(key, key)
        span.entity_key = key
        if span.type == "PER" and not key.startswith("auto:"):
            # A half-normalized name ("Касым-Жомарта Токаев") takes the alias it is a form of.
            span.normal = index.nominative.get(lemma_key(name, index.lemmatize), span.normal)
        previous = span
    _unify_auto_keys([span for span, _ in resolved], index.lemmatize)
    for span, _ in resolved:
        key = span.entity_key
        assert key is not None
        if key.startswith("auto:"):
            index.note_auto(key, span.normal or span.text, span.type)
        span.canonical = index.entities[key].canonical_name
    return spans


def _unmatched_key(type_: str, name: str, index: AliasIndex) -> str:
    """A name no alias matched exactly: a stem match, a near spelling, else its own auto entity."""
    stem = stem_key(name)
    key = index.by_stem.get(stem) if len(stem) >= 4 else None
    return key or index.fuzzy(name) or auto_entity_key(type_, name, index.lemmatize)


def canonical_rank(name: str, lemmatize: Lemmatizer) -> tuple[int, int, str]:
    """Sort key of the names an auto entity is seen under; the smallest is its canonical name.

    A stable rule instead of "the first name seen", which depended on arrival order: a name already
    in its dictionary form ("Тереза Мэй", not "Терезу Мэй") first, then the shorter, then the
    alphabetically first (capitalized before lowercase).
    """
    return (0 if lemma_key(name, lemmatize) == alias_key(name) else 1, len(name), name)


def settle_auto_canonicals(spans: Iterable[Span], lemmatize: Lemmatizer) -> None:
    """Give every span of an auto entity the best canonical name among all the given spans, so the
    result is the same whatever order or process the spans were linked in."""
    spans = list(spans)
    best: dict[str, str] = {}
    for span in spans:
        key = span.entity_key
        if key and key.startswith("auto:") and span.canonical:
            for name in (span.canonical, span.normal or span.text):
                if key not in best or canonical_rank(name, lemmatize) < canonical_rank(best[key], lemmatize):
                    best[key] = name
    for span in spans:
        if span.entity_key in best:
            span.canonical = best[span.entity_key]


def auto_entity_key(type_: str, name: str, lemmatize: Lemmatizer | None = None) -> str:
    """Key of an entity made up from the text: its type and its normal form, case-, ё-, quote-
    and hyphen-folded ("auto:ORG:бананц").

    Never the lemmas of the words: the lemmatizer re-reads a normal form word by word and
    mangles names it does not know ("Бананц" → "бананца", "Асия" → "асий"), which is how an id
    came to be built from an oblique form. Inflections of one name in one article still share a
    key (``_unify_auto_keys``); across articles they meet through their normal forms.
    ``lemmatize`` is accepted for callers of the old signature and not used.
    """
    return f"auto:{type_}:{alias_key(name)}"


def _unify_auto_keys(spans: list[Span], lemmatize: Lemmatizer) -> None:
    """Auto entities of one article that are one name take one key and one normal form: an
    oblique surface whose nominative is another mention's normal form, and names with the same
    lemmas and type ("Асии Биби" read as "Асий Биби" beside "Асия Биби"), which take the normal
    form seen most often in the article, then one written so in the article, then the best by
    ``canonical_rank``. Depends on this article alone."""
    # An oblique form of a name whose nominative is written elsewhere in the article, the same
    # words but for their endings ("Бананца" beside "Бананц", which pymorphy would read as
    # "Бананец"; "Виолу" beside "Виола"), takes that nominative.
    autos = [s for s in spans if s.entity_key and s.entity_key.startswith("auto:")]
    written: dict[tuple[str, str], set[str]] = {}
    for s in autos:
        if alias_key(s.text) == alias_key(s.normal or s.text):
            written.setdefault((s.type, stem_key(s.text)), set()).add(s.normal or s.text)
    for span in autos:
        if alias_key(span.text) == alias_key(span.normal or span.text):
            continue
        same = written.get((span.type, stem_key(span.text)), set())
        if len({alias_key(n) for n in same}) == 1 and len(stem_key(span.text)) >= 3:
            span.normal = min(same)
            span.entity_key = auto_entity_key(span.type, span.normal)
    groups: dict[tuple[str, str], list[Span]] = {}
    for span in spans:
        if span.entity_key and span.entity_key.startswith("auto:"):
            name = span.normal or span.text
            groups.setdefault((span.type, lemma_key(name, lemmatize)), []).append(span)
    for members in groups.values():
        names = [m.normal or m.text for m in members]
        if len({alias_key(n) for n in names}) < 2:
            continue
        written = {alias_key(m.text) for m in members}
        best = min(names, key=lambda n: (-sum(alias_key(x) == alias_key(n) for x in names),
                                         alias_key(n) not in written, canonical_rank(n, lemmatize)))
        for member in members:  # one entity, one normal form within the article
            member.entity_key = auto_entity_key(member.type, best)
            member.normal = best


@lru_cache(maxsize=1)
def morph_vocab():
    """natasha's pymorphy2 wrapper, loaded once per process (linking needs no NER models)."""
    import natasha  # noqa: F401  (natasha first: it sets up pymorphy2's dictionaries and pkg_resources)
    from natasha import MorphVocab

    # pymorphy2 imports the deprecated pkg_resources here (setuptools<82 is pinned for it); the
    # warning says nothing an operator can act on.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        return MorphVocab()


_HAS_CYRILLIC = re.compile(r"[а-яё]")


@lru_cache(maxsize=200_000)
def default_lemmatize(word: str) -> str:
    """Dictionary form of one lowercased word, preferring a name/surname/place reading."""
    if not word.isalpha() or len(word) < 3 or not _HAS_CYRILLIC.search(word):
        return word  # pymorphy only knows Russian; Latin words are their own lemma
    parses = morph_vocab().parse(word)
    for parse in parses:
        if {"Name", "Surn", "Geox", "Orgn"} & set(parse.tag.grammemes):
            return parse.normal_form.replace("ё", "е")
    return parses[0].normal_form.replace("ё", "е") if parses else word


def load_index(path: Path | None = None) -> AliasIndex:
    """The alias index from the seed file (no database)."""
    entities, aliases = read_alias_file(path) if path else read_alias_files(default_alias_files())
    return AliasIndex.build(entities, aliases, default_lemmatize)
