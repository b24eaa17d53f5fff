"""natasha NER with span normalization, done only as far as needed.

Plain natasha (segment, morphology, syntax, NER, normalize) does ~17 documents/s here, NER alone
~50/s; much of that is OpenBLAS spinning threads, so the stage keeps BLAS to one thread
(``threads.py``) and uses worker processes instead. Normal forms depend almost only on the surface
text: context-free ones (a one-word name every dictionary reading agrees on) are cached per
(type, surface) across documents, and the tagger's, which depend on the words around the span, only
within one document, so a normal form never depends on which documents a process saw before
(worker count, batch order); morphology runs only on a few tokens around spans not so resolved,
syntax (needed for multi-word ORG normal forms only) only around such ORG spans, and
sentences are tokenized only when one of their spans needs morphology. Models load once per
process (``get_extractor``); ``analyze_many`` forks workers after loading so they share one copy.
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

import natasha  # noqa: F401  (import natasha before pymorphy2 so pkg_resources is set up)
from natasha import (
    MorphVocab,
    NewsEmbedding,
    NewsMorphTagger,
    NewsNERTagger,
    NewsSyntaxParser,
    Segmenter,
)
from natasha.doc import DocToken
from natasha.norm import normalize as natasha_normalize
from natasha.norm import syntax_normalize

from transforms.entities.linking import morph_vocab
from transforms.entities.model import Span
from transforms.entities.names import person_nominative
from transforms.entities.rules import apply_rules
from transforms.entities.threads import limit_blas_threads

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


@dataclass
class Sentence:
    """A sentence; its tokens are made only when a span in it needs morphology (tokenizing every
    sentence cost as much as a third of NER)."""

    start: int
    stop: int
    text: str
    segmenter: Segmenter

    @cached_property
    def tokens(self) -> list[DocToken]:
        return [DocToken(self.start + t.start, self.start + t.stop, t.text)
                for t in self.segmenter.tokenize(self.text)]


class Extractor:
    """natasha's models plus a per-process cache of context-free normal forms.

    Only normal forms that are a function of (type, surface) alone go into ``normal_cache``: one
    filled with the tagger's context-dependent results would hand the first document's reading
    ("Голоса Америки" left in the genitive) to every later one, so results would depend on arrival
    order, i.e. on the worker count and the batch order.
    """

    def __init__(self) -> None:
        embedding = NewsEmbedding()
        self.segmenter = Segmenter()
        self.morph_tagger = NewsMorphTagger(embedding)
        self.syntax_parser = NewsSyntaxParser(embedding)
        self.ner_tagger = NewsNERTagger(embedding)
        self.vocab: MorphVocab = morph_vocab()
        # natasha's normalizer parses every word with pymorphy; names repeat, so cache the parses.
        self.cached_vocab = lru_cache(maxsize=100_000)(self.vocab.parse)
        self.normal_cache: dict[tuple[str, str], str] = {}
        self.use_dictionary = True

    def raw_spans(self, text: str) -> tuple[list[Span], list[Sentence]]:
        """natasha's NER spans as they come, and the sentences with their tokens."""
        if not text.strip():
            return [], []
        sentences = [Sentence(s.start, s.stop, s.text, self.segmenter)
                     for s in self.segmenter.sentenize(text)]
        markup = self.ner_tagger(text)
        spans = [Span(s.start, s.stop, s.type, text[s.start:s.stop], rule="natasha") for s in markup.spans]
        return spans, sentences

    def spans(self, text: str, *, rules: Iterable[str] | None = None, normalize: bool = True,
              then: Callable[[str, list[Span]], list[Span]] | None = None,
              convention: str = "flat") -> list[Span]:
        """Spans after the correction rules (all by default; ``convention="outer"`` adds NEREL's
        span convention, see rules.CONVENTION_RULES) and ``then`` (e.g. alias-table mentions),
        normalized and with their sentence."""
        spans, sentences = self.raw_spans(text)
        spans = apply_rules(text, spans, rules, convention=convention)
        if then is not None:
            spans = then(text, spans)
        if normalize:
            self.normalize(text, spans, sentences)
        return spans

    def normalize(self, text: str, spans: list[Span], sentences: list[Sentence]) -> None:
        """Fill ``normal`` and ``sentence``; tag morphology/syntax only where the cache misses."""
        starts = [s.start for s in sentences]
        todo: dict[int, list[Span]] = {}
        in_document: dict[tuple[str, str], Span] = {}  # tagger results are shared within a document only
        for span in spans:
            index = _sentence_index(starts, span.start)
            if index is not None:
                sentence = sentences[index]
                span.sentence = text[sentence.start:sentence.stop]
            cached = self.normal_cache.get((span.type, span.text))
            if cached is not None:
                span.normal = cached
            elif (span.type, span.text) in in_document:
                continue  # filled from the first such span of this document below
            elif index is None or not _needs_morphology(span.text):
                span.normal = span.text
            elif self.use_dictionary and (word_normal := self._dictionary_normal(span)) is not None:
                span.normal = word_normal
                self.normal_cache[(span.type, span.text)] = word_normal
            else:
                todo.setdefault(index, []).append(span)
                in_document[(span.type, span.text)] = span
        if todo:
            self._tag_normals(todo, sentences)
        for span in spans:
            if span.normal is None:
                first = in_document.get((span.type, span.text))
                span.normal = first.normal if first is not None and first.normal else span.text

    def _tag_normals(self, todo: dict[int, list[Span]], sentences: list[Sentence]) -> None:
        """Normal forms from natasha's morphology (and syntax for multi-word ORG) on small windows."""
        windows: list[list[DocToken]] = []  # token runs to tag: each span with WINDOW tokens of context
        window_spans: list[list[Span]] = []
        for i in sorted(todo):
            tokens = sentences[i].tokens
            runs: list[list[int]] = []  # [first, last, span indexes...] merged when they overlap
            for span_index, span in enumerate(todo[i]):
                inside = [k for k, t in enumerate(tokens) if t.start >= span.start and t.stop <= span.stop]
                if not inside:
                    span.normal = span.text
                    continue
                first, last = max(0, inside[0] - WINDOW), min(len(tokens) - 1, inside[-1] + WINDOW)
                if runs and first <= runs[-1][1] + 1:
                    runs[-1][1] = max(runs[-1][1], last)
                    runs[-1].append(span_index)
                else:
                    runs.append([first, last, span_index])
            for first, last, *members in runs:
                windows.append(tokens[first:last + 1])
                window_spans.append([todo[i][k] for k in members])
        if not windows:
            return
        for window, markup in zip(windows, self.morph_tagger.map([[t.text for t in w] for w in windows]),
                                  strict=True):
            for token, tagged in zip(window, markup.tokens, strict=True):
                token.pos, token.feats = tagged.pos, tagged.feats
        # Syntax only matters for the head of a multi-word ORG ("Шанхайской организации сотрудничества").
        need_syntax = [k for k, members in enumerate(window_spans)
                       if any(s.type == "ORG" and " " in s.text for s in members)]
        if need_syntax:
            parsed_windows = self.syntax_parser.map([[t.text for t in windows[k]] for k in need_syntax])
            for k, markup in zip(need_syntax, parsed_windows, strict=True):
                for token, parsed in zip(windows[k], markup.tokens, strict=True):
                    token.id, token.head_id = f"{k}_{parsed.id}", f"{k}_{parsed.head_id}"
                    token.rel = parsed.rel
        for window, members in zip(windows, window_spans, strict=True):
            for span in members:
                tokens = [t for t in window if t.start >= span.start and t.stop <= span.stop]
                span.normal = self._normal_form(span, tokens)

    def _dictionary_normal(self, span: Span) -> str | None:
        """A normal form that needs no tagger, cached across documents by (type, surface).

        A one-word place name every dictionary reading agrees on ("Казахстана", "Пекине"); a
        person's name whose reading (``names.person_nominative``) wins by more than the tagger's
        case and gender could add ("Терезой Мэй", "Назарбаевым"). Ambiguous names ("Токаева":
        his genitive or her nominative; "Асию": her accusative or the dative of "Асий") go to
        the tagger."""
        word = span.text
        if span.type == "PER":
            words = word.split(" ")
            if not 1 <= len(words) <= 3 or "" in words:
                return None
            reading = person_nominative(words, self.raw_parse)
            return " ".join(reading.words) if reading is not None and reading.context_free else None
        if span.type != "LOC" or not _ONE_WORD.fullmatch(word):
            return None
        wanted = _NAME_TAGS[span.type]
        nominatives = set()
        for parse in self.cached_vocab(word.lower()):
            grams = set(parse.tag.grammemes)
            if not wanted & grams or "plur" in grams and "Sgtm" not in grams:
                continue
            form = parse.inflect({"Nom"}) if "nomn" not in grams else parse
            if form is None:
                return None
            nominatives.add(form.word)
        if len(nominatives) != 1:
            return None
        return _recase(nominatives.pop().replace("ё", "е"), word)

    def raw_parse(self, word: str) -> list:
        """pymorphy's parses of a lower-case word (cached: names repeat)."""
        return self.cached_vocab(word)

    def _normal_form(self, span: Span, tokens: list[DocToken]) -> str:
        if not tokens or any(getattr(t, "pos", None) is None for t in tokens):
            return span.text
        if span.type == "PER" and (person := self.person_normal(tokens)) is not None:
            return person
        try:
            if span.type == "ORG" and len(tokens) > 1 and all(getattr(t, "id", None) for t in tokens):
                normal = syntax_normalize(self.cached_vocab, tokens)
            else:
                normal = natasha_normalize(self.cached_vocab, tokens)
        except (KeyError, ValueError, AttributeError):
            return span.text
        return normal

    def person_normal(self, tokens: list[DocToken]) -> str | None:
        """A person's name read as a whole (``names.person_nominative``), the tagger's case and
        gender for its words breaking ties: the case most of the name's words were tagged with
        (the first such on a tie), the gender of the first word tagged with one."""
        cases = [t.feats.get("Case") for t in tokens if t.feats and t.feats.get("Case")]
        case = max(cases, key=cases.count) if cases else None
        gender = next((t.feats.get("Gender") for t in tokens if t.feats and t.feats.get("Gender")), None)
        reading = person_nominative([t.text for t in tokens], self.raw_parse, tagger_case=case,
                                    tagger_gender=gender)
        if reading is None:
            return None
        parts, offset = [], None
        for word, token in zip(reading.words, tokens, strict=True):
            if offset is not None:
                parts.append(" " * (token.start - offset))
            parts.append(word)
            offset = token.stop
        return "".join(parts)


WINDOW = 4  # tokens of context on each side of a span for the morphology tagger (a CNN: local context)
_LOWER_CYRILLIC = re.compile(r"[а-яё]")


def _needs_morphology(surface: str) -> bool:
    """Acronyms (КНР, ШОС) and Latin names (China Daily) do not inflect: their normal form is the text."""
    return bool(_LOWER_CYRILLIC.search(surface))


_ONE_WORD = re.compile(r"[А-ЯЁ][а-яё]+")
_NAME_TAGS = {"LOC": {"Geox"}}


def _recase(word: str, model: str) -> str:
    return word.upper() if model.isupper() and len(model) > 1 else word[:1].upper() + word[1:]


def _sentence_index(starts: list[int], position: int) -> int | None:
    import bisect

    index = bisect.bisect_right(starts, position) - 1
    return index if index >= 0 else None


@lru_cache(maxsize=1)
def get_extractor() -> Extractor:
    """The process's one Extractor (natasha's models take ~1 s and ~200 MB to load)."""
    limit_blas_threads()
    return Extractor()


def parallel_map(function, items: list, workers: int, chunksize: int = 4) -> Iterator:
    """``map`` over forked workers that inherit the already-loaded models (copy-on-write)."""
    if workers <= 1 or len(items) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(function, items)
        return
    get_extractor()
    context = multiprocessing.get_context("fork")
    # close() + join(), not the with block's terminate(): idle workers then leave on their own
    # (end-of-work sentinels) instead of being signalled; terminate() only when the caller stops early.
    pool = context.Pool(workers, initializer=_default_sigterm)
    try:
        yield from pool.imap(function, items, chunksize=chunksize)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _default_sigterm() -> None:
    """Pool workers die on SIGTERM again, as ``Pool.terminate()`` (the ``with`` block's exit) expects.

    A forked worker inherits the parent's Python signal handlers. Inside an Airflow task that is the
    task runner's SIGTERM handler, which does nothing in a forked child (it only acts in the task's
    own pid): the worker survived ``terminate()`` and the task hung in ``join()`` for good (seen in
    bench/daily_run.py at 2 000 articles a day, with 2 NER processes per batch).
    """
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
