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
    index and the date window in SQL, so history is never loaded.

    Within a batch the stories it touches are kept in memory (centroid, date span, new members) and
    written once by ``flush``: rewriting a story's 300 centroid rows on every join left dead rows that
    each later read of the same story had to step over inside one transaction (quadratic in the size
    of a big story). ``best_story`` scores untouched stories in SQL and touched ones in memory, with
    the same rule (stories sharing a term, in the date window; best score, then smallest id)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self._known: dict[int, int | None] = {}  # memberships read from the table (None: none)
        self._members: dict[int, int] = {}  # memberships assigned in this batch, not yet written
        self._joins: list[tuple[int, int, float | None]] = []  # (article, story, similarity)
        self._vectors: dict[int, dict[str, float]] = {}  # centroids of the stories touched
        self._span: dict[int, tuple[datetime, datetime]] = {}
        self._added: dict[int, int] = {}  # members added to each touched story
        self._created: dict[int, tuple[str | None, datetime]] = {}

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

    def preload(self, keys: Iterable[int]) -> None:
        """Read the story memberships of a batch's articles in one query."""
        keys = [key for key in keys if key not in self._known and key not in self._members]
        self._known.update(dict.fromkeys(keys))
        self._known.update(self.conn.execute(
            "SELECT article_id, story_id FROM core.story_articles WHERE article_id = ANY(%s)",
            (keys,)).fetchall())

    def story_of(self, key: int) -> int | None:
        if key in self._members:
            return self._members[key]
        if key not in self._known:
            row = self.conn.execute("SELECT story_id FROM core.story_articles WHERE article_id = %s",
                                    (key,)).fetchone()
            self._known[key] = row[0] if row else None
        return self._known[key]

    def best_story(self, vector, published_at, undated) -> StoryCandidate | None:  # noqa: ANN001
        start, end = window(published_at, undated)
        row = self.conn.execute(
            """SELECT t.story_id, sum(t.weight * q.weight) AS score
               FROM unnest(%s::text[], %s::float8[]) AS q(term, weight)
               JOIN core.story_terms t USING (term)
               JOIN core.stories s USING (story_id)
               WHERE s.first_published_at <= %s
                 AND (%s::timestamptz IS NULL OR s.last_published_at >= %s)
                 AND t.story_id <> ALL(%s::bigint[])
               GROUP BY t.story_id ORDER BY score DESC, t.story_id LIMIT 1""",
            (list(vector), list(vector.values()), end, start, start, list(self._vectors)),
            prepare=False).fetchone()  # planned for the tables as they are (see transforms.dedup)
        best = StoryCandidate(row[0], float(row[1])) if row else None
        for story_id, centroid in self._vectors.items():
            first, last = self._span[story_id]
            if first > end or (start is not None and last < start):
                continue
            common = centroid.keys() & vector.keys()
            if not common:
                continue  # as in SQL: only stories sharing a term are candidates
            score = sum(vector[term] * centroid[term] for term in common)
            if best is None or score > best.score or (score == best.score and story_id < best.story_id):
                best = StoryCandidate(story_id, score)
        return best

    def create(self, story_id, title, published_at, vector) -> None:  # noqa: ANN001
        self._created[story_id] = (title, published_at)
        self._vectors[story_id] = {}
        self._span[story_id] = (published_at, published_at)
        self._added[story_id] = 0

    def _touch(self, story_id: int) -> None:
        if story_id in self._vectors:
            return
        first, last = self.conn.execute(
            "SELECT first_published_at, last_published_at FROM core.stories WHERE story_id = %s",
            (story_id,)).fetchone()
        self._span[story_id] = (first, last)
        self._vectors[story_id] = dict(self.conn.execute(
            "SELECT term, weight FROM core.story_terms WHERE story_id = %s", (story_id,)).fetchall())
        self._added[story_id] = 0

    def join(self, story_id, key, published_at, vector, similarity=None) -> None:  # noqa: ANN001
        self._touch(story_id)
        self._members[key] = story_id
        self._joins.append((key, story_id, similarity))
        first, last = self._span[story_id]
        self._span[story_id] = (min(first, published_at), max(last, published_at))
        self._added[story_id] += 1
        self._vectors[story_id] = merge(self._vectors[story_id], vector)

    def flush(self) -> None:
        """Write what the batch changed: new stories, memberships, spans and counts, centroids."""
        if self._created:
            self.conn.execute(
                "INSERT INTO core.stories (story_id, title, first_published_at, last_published_at)"
                " SELECT * FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::timestamptz[])",
                (list(self._created), [title for title, _ in self._created.values()],
                 [moment for _, moment in self._created.values()],
                 [moment for _, moment in self._created.values()]))
        if self._joins:
            self.conn.execute(
                "INSERT INTO core.story_articles (article_id, story_id, similarity)"
                " SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::numeric[])",
                ([a for a, _, _ in self._joins], [s for _, s, _ in self._joins],
                 [similarity for _, _, similarity in self._joins]))
        touched = list(self._vectors)
        if touched:
            self.conn.execute(
                "UPDATE core.stories s SET article_count = s.article_count + u.added,"
                " first_published_at = least(s.first_published_at, u.first),"
                " last_published_at = greatest(s.last_published_at, u.last)"
                " FROM unnest(%s::bigint[], %s::int[], %s::timestamptz[], %s::timestamptz[])"
                " AS u(story_id, added, first, last) WHERE s.story_id = u.story_id",
                (touched, [self._added[t] for t in touched], [self._span[t][0] for t in touched],
                 [self._span[t][1] for t in touched]))
            self.conn.execute("DELETE FROM core.story_terms WHERE story_id = ANY(%s)", (touched,))
            rows = [(story_id, term, weight) for story_id in touched
                    for term, weight in self._vectors[story_id].items()]
            if rows:
                self.conn.execute(
                    "INSERT INTO core.story_terms (story_id, term, weight)"
                    " SELECT * FROM unnest(%s::bigint[], %s::text[], %s::float8[])",
                    ([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]))
        self._known.update(self._members)
        self._members.clear()
        self._joins.clear()
        self._vectors.clear()
        self._span.clear()
        self._added.clear()
        self._created.clear()
