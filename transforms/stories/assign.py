"""Story assignment, pure: an article joins the story whose members it is closest to, or founds one.

The shape of purano's and nyan's clusterers, made incremental:

* Each article is compared with the *members* of the candidate stories, not with a merged profile
  (a profile drifts as a story grows and absorbs neighbours): its score for a story is the mean of
  its ``linkage_k`` best similarities to the story's members (best-k average linkage).
* A similarity is ``1 − distance``, the cosine distance multiplied by a same-outlet penalty and by
  a time decay (purano's sigmoid in the hours between the two articles), capped at 1.
* Candidates are the stories with a member within ± ``window_days`` of the article. An undated
  article is compared by its first-seen time (the caller passes it as the moment and flags it).
* Articles are assigned one at a time in time order, each seeing the ones before it; a decision is
  never revised (story ids are the founders' ids and stay stable; membership is never rewritten).

``StoryIndex`` holds the window's members in memory (a matrix of vectors and their story, outlet
and time); ``assign`` returns ``Assignment`` decisions and changes nothing else. Writing them, and
any analyst edits that apply after assignment (merges/splits), are the caller's next steps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from transforms.stories.config import METHOD, StoryMethod
from transforms.stories.details import Date, dates_conflict
from transforms.stories.lexical import cosine

Key = Hashable


@dataclass(frozen=True)
class Article:
    """What assignment needs of an article. ``moment``: seconds since the epoch (publication, or
    first-seen when ``undated``); ``vector``: None when there was nothing to embed."""

    key: Key
    outlet: str  # the publishing site (URL host); "" when unknown (no same-outlet penalty)
    moment: float
    vector: np.ndarray | None
    undated: bool = False
    duplicate_of: Key | None = None
    terms: Mapping[str, float] | None = None  # TF-IDF stems (transforms.stories.lexical)
    dates: frozenset[Date] | None = None  # explicit calendar dates named (transforms.stories.details)


@dataclass(frozen=True)
class Assignment:
    key: Key
    story_id: Key
    how: str  # founded, joined or duplicate
    score: float | None
    undated: bool


class StoryIndex:
    """The members a new article may be compared with: vectors (rows), story, outlet, moment."""

    def __init__(self, dim: int, capacity: int = 1024) -> None:
        self._vectors = np.zeros((capacity, dim), dtype=np.float32)
        self._moments = np.zeros(capacity, dtype=np.float64)
        self._outlets = np.zeros(capacity, dtype=np.int32)  # codes from _outlet_codes
        self._outlet_codes: dict[str, int] = {}
        self._stories: list[Key] = []
        self._rows_of: dict[Key, list[int]] = defaultdict(list)
        self._terms: list[Mapping[str, float]] = []
        self._dates: list[frozenset[Date] | None] = []
        self.keys: list[Key] = []
        self._has: set[Key] = set()
        self.story_of: dict[Key, Key] = {}
        self.size = 0

    def add(self, key: Key, story_id: Key, outlet: str, moment: float, vector: np.ndarray | None,
            terms: Mapping[str, float] | None = None, dates: frozenset[Date] | None = None) -> None:
        """Record a member; one without a vector is known (its story) but never a neighbour."""
        self.story_of[key] = story_id
        if vector is None:
            return
        if self.size == len(self._vectors):
            grow = len(self._vectors) * 2
            self._vectors = np.resize(self._vectors, (grow, self._vectors.shape[1]))
            self._moments = np.resize(self._moments, grow)
            self._outlets = np.resize(self._outlets, grow)
        self._vectors[self.size] = vector
        self._moments[self.size] = moment
        self._outlets[self.size] = self._outlet_codes.setdefault(outlet, len(self._outlet_codes))
        self._stories.append(story_id)
        self._terms.append(terms or {})
        self._dates.append(dates)
        self.keys.append(key)
        self._has.add(key)
        self._rows_of[story_id].append(self.size)
        self.size += 1

    def has(self, key: Key) -> bool:
        """Whether ``key`` is a neighbour (a member with a vector)."""
        return key in self._has

    def similarities(self, article: Article, method: StoryMethod) -> np.ndarray:
        """Penalized embedding similarity of the article to every member (−inf outside its window).
        An undated article may have been published any time before it was first seen: it meets
        every member up to ``window_days`` after that, without time decay."""
        n = self.size
        if article.vector is None or n == 0:
            return np.full(n, -np.inf)
        distance = 1.0 - self._vectors[:n] @ article.vector.astype(np.float32)
        offset = self._moments[:n] - article.moment
        if article.undated:
            outside = offset > method.window_days * 86400.0
        else:
            hours = np.abs(offset) / 3600.0
            distance = distance * (1.0 + (method.time_penalty - 1.0) / (
                1.0 + np.exp(-(hours - method.time_free_hours) / method.time_scale_hours)))
            outside = hours > method.window_days * 24.0
        code = self._outlet_codes.get(article.outlet) if article.outlet else None  # "": unknown outlet
        if code is not None:
            distance[self._outlets[:n] == code] *= method.same_outlet_penalty
        similarity = 1.0 - np.minimum(distance, 1.0)
        similarity[outside] = -np.inf
        return similarity

    def best_story(self, article: Article, method: StoryMethod) -> tuple[Key | None, float | None]:
        """The story with the highest best-k average linkage, if any reaches the threshold.

        Retrieval by embedding: the ``rerank_rows`` members most similar to the article (at least
        ``retrieve_floor``); each one's score is its embedding similarity plus ``lexical_weight`` ×
        the TF-IDF cosine, minus ``date_conflict_penalty`` when the two name incompatible explicit dates
        (transforms.stories.details); a story's linkage is the mean of its ``linkage_k`` best scores among them.
        Ties: the story founded first (smallest row)."""
        similarity = self.similarities(article, method)
        hits = np.flatnonzero(similarity >= method.retrieve_floor)
        if len(hits) > method.rerank_rows:
            hits = hits[np.argpartition(-similarity[hits], method.rerank_rows)[: method.rerank_rows]]
        scores: dict[Key, list[float]] = defaultdict(list)
        first_row: dict[Key, int] = {}
        for row in hits.tolist():
            lexical = cosine(article.terms, self._terms[row]) if article.terms and method.lexical_weight else 0.0
            story_id = self._stories[row]
            score = float(similarity[row]) + method.lexical_weight * lexical
            if method.date_conflict_penalty and dates_conflict(article.dates, self._dates[row]):
                score -= method.date_conflict_penalty
            scores[story_id].append(score)
            first_row[story_id] = self._rows_of[story_id][0]
        best: tuple[float, int, Key] | None = None
        for story_id, values in scores.items():
            score = float(np.mean(sorted(values, reverse=True)[: method.linkage_k]))
            candidate = (score, -first_row[story_id], story_id)
            if score >= method.threshold and (best is None or candidate[:2] > best[:2]):
                best = candidate
        if best is None:
            return None, None
        return best[2], best[0]


def assign(index: StoryIndex, articles: Iterable[Article], method: StoryMethod = METHOD) -> list[Assignment]:
    """Assign articles (already in time order) one by one; each is added to ``index`` as decided.
    Articles the index already places are skipped (their membership stands)."""
    decisions: list[Assignment] = []
    for article in articles:
        if article.key in index.story_of:
            continue
        original = index.story_of.get(article.duplicate_of) if article.duplicate_of is not None else None
        if original is not None:
            decision = Assignment(article.key, original, "duplicate", 1.0, article.undated)
            # A duplicate's vector would only repeat its original's: it is not a neighbour.
            index.add(article.key, original, article.outlet, article.moment, None)
        else:
            story_id, score = index.best_story(article, method)
            if story_id is None:
                decision = Assignment(article.key, article.key, "founded", None, article.undated)
            else:
                decision = Assignment(article.key, story_id, "joined", round(score, 4), article.undated)
            index.add(article.key, decision.story_id, article.outlet, article.moment, article.vector,
                      article.terms, article.dates)
        decisions.append(decision)
    return decisions
