"""Stories: articles about the same event, from any outlet, grouped incrementally.

Method (thresholds below; rationale and measured quality in docs/dedup.md):

* An article's vector: TF-IDF over crude Russian stems (first 5 letters of words of ≥ 3 letters,
  stop words dropped), title counted twice; tf = 1 + ln(count); idf = ln((N + 1) / (df + 1)) over
  the monitored corpus itself (``core.story_term_df``), so the vocabulary every article about
  Kazakhstan–China shares ("Токаев", "Китай", "сотрудничество") weighs nothing and what
  distinguishes events (places, figures, quotes) carries the similarity. Top 150 terms, L2-normed.
* A story's vector: the normalized sum of its members' vectors (top 300 terms).
* A new article joins the most similar story whose dates are within ±``WINDOW_DAYS`` of its own
  when the cosine is ≥ ``STORY_THRESHOLD``; otherwise it founds a story whose id is its own id.
  An article dated only by its crawl time may have been published any time before it, so it is
  compared with every story that started before its crawl time.
* A near duplicate joins its original's story. Membership, once assigned, is never changed: story
  ids are stable across re-runs, and a new day's article joins an existing story or starts one.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import psycopg

STORY_THRESHOLD = 0.2
WINDOW_DAYS = 3
STEM_LETTERS = 5
ARTICLE_TERMS = 150
STORY_TERMS = 300

_WORD = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset("""
без более будет был была были было быть вам вас весь во вот все всех вы где да даже для до его
ее её если есть еще ещё же за здесь и из или им их как кто ли либо между меня мы на над не него
нее нет ни них но ну об однако он она они оно от по под при про раз с сам свой себя со так также
такой там те тем то того тоже той только том ту ты у уже чем через что чтобы эта эти это этот
которые который которая которое которых котором которой заявил заявила отметил отметила сказал
сообщил сообщает передает году года также время после этом этой
""".split())


def terms(title: str | None, text: str) -> Counter[str]:
    """Stem counts of an article, the title counted twice."""
    counts: Counter[str] = Counter()
    for weight, part in ((2, title or ""), (1, text)):
        for word in _WORD.findall(part.lower()):
            if word not in _STOP:
                counts[word[:STEM_LETTERS]] += weight
    return counts


def tfidf(counts: Mapping[str, int], df: Mapping[str, int], n_docs: int,
          top: int = ARTICLE_TERMS) -> dict[str, float]:
    weights = {term: (1 + math.log(count)) * math.log((n_docs + 1) / (df.get(term, 0) + 1))
               for term, count in counts.items()}
    kept = sorted(((w, t) for t, w in weights.items() if w > 0), reverse=True)[:top]
    return _normed({t: w for w, t in kept})


def _normed(vector: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(w * w for w in vector.values()))
    return {t: w / norm for t, w in vector.items()} if norm else {}


def merge(story: Mapping[str, float], article: Mapping[str, float]) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for vector in (story, article):
        for term, weight in vector.items():
            total[term] += weight
    return _normed(dict(sorted(total.items(), key=lambda tw: -tw[1])[:STORY_TERMS]))


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


@dataclass
class StoryCandidate:
    story_id: int | str
    score: float


class StoryStore(Protocol):
    def story_of(self, key: int | str) -> int | str | None: ...
    def best_story(self, vector: Mapping[str, float], published_at: datetime, undated: bool
                   ) -> StoryCandidate | None: ...
    def create(self, story_id: int | str, title: str | None, published_at: datetime,
               vector: Mapping[str, float]) -> None: ...
    def join(self, story_id: int | str, key: int | str, published_at: datetime,
             vector: Mapping[str, float], similarity: float | None = None) -> None: ...


def window(published_at: datetime, undated: bool) -> tuple[datetime | None, datetime]:
    """Stories an article may join must overlap [start, end] (start None: no lower bound)."""
    if undated:
        return None, published_at + timedelta(days=WINDOW_DAYS)
    return published_at - timedelta(days=WINDOW_DAYS), published_at + timedelta(days=WINDOW_DAYS)


def assign_story(store: StoryStore, key: int | str, *, title: str | None, vector: Mapping[str, float],
                 published_at: datetime, undated: bool, duplicate_of: int | str | None,
                 threshold: float = STORY_THRESHOLD) -> tuple[int | str, float | None]:
    """The story of one article (its existing one, its original's, the best match, or a new one)."""
    existing = store.story_of(key)
    if existing is not None:
        return existing, None
    if duplicate_of is not None and (original := store.story_of(duplicate_of)) is not None:
        store.join(original, key, published_at, vector, 1.0)
        return original, 1.0
    best = store.best_story(vector, published_at, undated) if vector else None
    if best is not None and best.score >= threshold:
        store.join(best.story_id, key, published_at, vector, round(best.score, 4))
        return best.story_id, best.score
    store.create(key, title, published_at, vector)
    store.join(key, key, published_at, vector)
    return key, None


class MemoryStoryStore:
    """Stories in memory, with an inverted index from term to stories."""

    def __init__(self) -> None:
        self.vectors: dict[int | str, dict[str, float]] = {}
        self.span: dict[int | str, tuple[datetime, datetime]] = {}
        self.titles: dict[int | str, str | None] = {}
        self.members: dict[int | str, int | str] = {}
        self._postings: dict[str, set[int | str]] = defaultdict(set)

    def story_of(self, key: int | str) -> int | str | None:
        return self.members.get(key)

    def best_story(self, vector, published_at, undated) -> StoryCandidate | None:  # noqa: ANN001
        start, end = window(published_at, undated)
        seen: set[int | str] = set()
        best: StoryCandidate | None = None
        for term in vector:
            for story_id in self._postings.get(term, ()):
                if story_id in seen:
                    continue
                seen.add(story_id)
                first, last = self.span[story_id]
                if first > end or (start is not None and last < start):
                    continue
                score = cosine(vector, self.vectors[story_id])
                if best is None or score > best.score:
                    best = StoryCandidate(story_id, score)
        return best

    def create(self, story_id, title, published_at, vector) -> None:  # noqa: ANN001
        self.vectors[story_id] = {}
        self.span[story_id] = (published_at, published_at)
        self.titles[story_id] = title

    def join(self, story_id, key, published_at, vector, similarity=None) -> None:  # noqa: ANN001
        self.members[key] = story_id
        first, last = self.span[story_id]
        self.span[story_id] = (min(first, published_at), max(last, published_at))
        for term in self.vectors[story_id]:
            self._postings[term].discard(story_id)
        self.vectors[story_id] = merge(self.vectors[story_id], vector)
        for term in self.vectors[story_id]:
            self._postings[term].add(story_id)


def document_frequencies(docs: Iterable[Counter[str]]) -> tuple[Counter[str], int]:
    df: Counter[str] = Counter()
    n = 0
    for counts in docs:
        df.update(counts.keys())
        n += 1
    return df, n


class PostgresStoryStore:
    """Stories in ``core.stories``/``core.story_terms``: candidate stories are found through the term
    index and the date window in SQL, so history is never loaded."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def add_documents(self, docs: Iterable[Counter[str]]) -> None:
        df, n = document_frequencies(docs)
        if not n:
            return
        self.conn.execute(
            "INSERT INTO core.story_term_df (term, df) SELECT * FROM unnest(%s::text[], %s::int[])"
            " ON CONFLICT (term) DO UPDATE SET df = core.story_term_df.df + EXCLUDED.df",
            (list(df), list(df.values())))
        self.conn.execute(
            "INSERT INTO core.story_corpus (n_docs) VALUES (%s)"
            " ON CONFLICT (singleton) DO UPDATE SET n_docs = core.story_corpus.n_docs + EXCLUDED.n_docs",
            (n,))

    def document_frequencies(self, vocabulary: set[str]) -> dict[str, int]:
        return dict(self.conn.execute("SELECT term, df FROM core.story_term_df WHERE term = ANY(%s)",
                                      (list(vocabulary),)).fetchall())

    def n_docs(self) -> int:
        row = self.conn.execute("SELECT n_docs FROM core.story_corpus").fetchone()
        return row[0] if row else 0

    def story_of(self, key: int) -> int | None:
        row = self.conn.execute("SELECT story_id FROM core.story_articles WHERE article_id = %s",
                                (key,)).fetchone()
        return row[0] if row else None

    def best_story(self, vector, published_at, undated) -> StoryCandidate | None:  # noqa: ANN001
        start, end = window(published_at, undated)
        row = self.conn.execute(
            """SELECT t.story_id, sum(t.weight * q.weight) AS score
               FROM unnest(%s::text[], %s::float8[]) AS q(term, weight)
               JOIN core.story_terms t USING (term)
               JOIN core.stories s USING (story_id)
               WHERE s.first_published_at <= %s
                 AND (%s::timestamptz IS NULL OR s.last_published_at >= %s)
               GROUP BY t.story_id ORDER BY score DESC, t.story_id LIMIT 1""",
            (list(vector), list(vector.values()), end, start, start)).fetchone()
        return StoryCandidate(row[0], float(row[1])) if row else None

    def create(self, story_id, title, published_at, vector) -> None:  # noqa: ANN001
        self.conn.execute(
            "INSERT INTO core.stories (story_id, title, first_published_at, last_published_at)"
            " VALUES (%s, %s, %s, %s)", (story_id, title, published_at, published_at))

    def join(self, story_id, key, published_at, vector, similarity=None) -> None:  # noqa: ANN001
        self.conn.execute(
            "INSERT INTO core.story_articles (article_id, story_id, similarity) VALUES (%s, %s, %s)",
            (key, story_id, similarity))
        self.conn.execute(
            "UPDATE core.stories SET article_count = article_count + 1,"
            " first_published_at = least(first_published_at, %s),"
            " last_published_at = greatest(last_published_at, %s)"
            " WHERE story_id = %s", (published_at, published_at, story_id))
        current = dict(self.conn.execute("SELECT term, weight FROM core.story_terms WHERE story_id = %s",
                                         (story_id,)).fetchall())
        merged = merge(current, vector)
        self.conn.execute("DELETE FROM core.story_terms WHERE story_id = %s", (story_id,))
        if merged:
            self.conn.execute(
                "INSERT INTO core.story_terms (story_id, term, weight)"
                " SELECT %s, * FROM unnest(%s::text[], %s::float8[])",
                (story_id, list(merged), list(merged.values())))
