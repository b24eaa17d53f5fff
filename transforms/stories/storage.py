"""Stories in PostgreSQL: vectors in ``core.article_embeddings`` (pgvector), memberships in
``core.story_articles``, stories in ``core.stories``.

``assign_batch`` is the stage step for one batch of deduplicated articles, in three parts with a
function boundary between each: ``embed_batch`` (vectors of the originals, stored), ``assign`` (the
pure decisions, ``transforms.stories.assign``, against the window's stored vectors) and
``record`` (writes the decisions). Analyst edits (merge/split, issue 15) belong after ``record``:
they read memberships and never need the decisions to be re-made, because membership is never
rewritten by later runs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

from transforms.stories.assign import Article, Assignment, StoryIndex, assign
from transforms.stories.config import METHOD, StoryMethod
from transforms.stories.embed import DIM, Embedder, embedder, has_words, story_text
from transforms.stories.lexical import document_frequencies, terms, tfidf

log = logging.getLogger(__name__)

EMBED_CHUNK = 512  # texts per embedder call (progress is logged per chunk; the engine batches and threads inside)


@dataclass(frozen=True)
class BatchArticle:
    article_id: int
    title: str | None
    text: str
    text_sha256: str
    source: str
    published_at: datetime
    undated: bool  # published_at is the first-seen (crawl) time
    duplicate_of: int | None


def outlet_of(url: str, source: str) -> str:
    """The publishing site: the URL's host without ``www.``, else the crawl source."""
    host = urlsplit(url).netloc.lower().removeprefix("www.")
    return host or source


def embed_batch(conn: psycopg.Connection, articles: Sequence[BatchArticle], *, method: StoryMethod = METHOD,
                model: Embedder | None = None) -> dict[int, tuple[np.ndarray | None, dict[str, float]]]:
    """Embed the originals of the batch whose stored vector is missing or for another text, and
    store them with their TF-IDF stems (the corpus document frequencies first count the new
    originals); return (vector, stems) of every original (vector None: nothing to embed).
    Duplicates are not embedded: they join their original's story."""
    register_vector(conn)
    model = model or embedder(method.embedder)
    originals = [a for a in articles if a.duplicate_of is None]
    stored = {row[0]: (row[1], dict(zip(row[2], row[3], strict=True))) for row in conn.execute(
        "SELECT article_id, embedding, terms, term_weights FROM core.article_embeddings"
        " WHERE article_id = ANY(%s) AND embedder = %s AND text_sha256 = ANY(%s)",
        ([a.article_id for a in originals], model.name, [a.text_sha256 for a in originals]))}
    vectors: dict[int, tuple[np.ndarray | None, dict[str, float]]] = {}
    todo = [a for a in originals if a.article_id not in stored]
    counts = [terms(a.title, a.text) for a in todo]
    add_document_frequencies(conn, counts)
    vocabulary = set().union(*counts) if counts else set()
    df = dict(conn.execute("SELECT term, df FROM core.story_term_df WHERE term = ANY(%s)",
                           (list(vocabulary),)).fetchall())
    n_docs = (conn.execute("SELECT n_docs FROM core.story_corpus").fetchone() or (0,))[0]
    texts = [story_text(a.title, a.text, method.lead_chars) for a in todo]
    with_words = [i for i, text in enumerate(texts) if has_words(text)]
    computed = np.zeros((len(todo), DIM), dtype=np.float32)
    for start in range(0, len(with_words), EMBED_CHUNK):
        rows = with_words[start:start + EMBED_CHUNK]
        computed[rows] = model.embed([texts[i] for i in rows])
        if len(with_words) > 4 * EMBED_CHUNK:
            log.info("stories: embedded %d/%d articles", min(start + EMBED_CHUNK, len(with_words)), len(with_words))
    keep = set(with_words)
    rows_out = []
    for i, article in enumerate(todo):
        vector = computed[i] if i in keep else None
        stems = tfidf(counts[i], df, n_docs)
        vectors[article.article_id] = (vector, stems)
        rows_out.append((article.article_id, model.name, article.text_sha256, article.source, article.published_at,
                         article.undated, len(texts[i]) if i in keep else 0, vector, list(stems),
                         list(stems.values())))
    if rows_out:
        with conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO core.article_embeddings (article_id, embedder, text_sha256, source, moment, undated,"
                " input_chars, embedding, terms, term_weights) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (article_id) DO UPDATE SET embedder = EXCLUDED.embedder,"
                " text_sha256 = EXCLUDED.text_sha256, source = EXCLUDED.source, moment = EXCLUDED.moment,"
                " undated = EXCLUDED.undated, input_chars = EXCLUDED.input_chars,"
                " embedding = EXCLUDED.embedding, terms = EXCLUDED.terms, term_weights = EXCLUDED.term_weights,"
                " embedded_at = now()", rows_out)
    for article_id, (vector, stems) in stored.items():
        vectors[article_id] = (None if vector is None else _array(vector), stems)
    return vectors


def add_document_frequencies(conn: psycopg.Connection, counts: Sequence[Mapping[str, int]]) -> None:
    """Count new original articles into the corpus statistics of the IDF."""
    df, n = document_frequencies(counts)
    if not n:
        return
    conn.execute(
        "INSERT INTO core.story_term_df (term, df) SELECT * FROM unnest(%s::text[], %s::int[])"
        " ON CONFLICT (term) DO UPDATE SET df = core.story_term_df.df + EXCLUDED.df",
        (list(df), list(df.values())))
    conn.execute(
        "INSERT INTO core.story_corpus (n_docs) VALUES (%s)"
        " ON CONFLICT (singleton) DO UPDATE SET n_docs = core.story_corpus.n_docs + EXCLUDED.n_docs", (n,))


def load_window(conn: psycopg.Connection, start: datetime, end: datetime, *, model_name: str) -> StoryIndex:
    """The stored members a batch may meet: articles with a story and a vector of this embedder,
    with a moment in [start, end], in time order."""
    register_vector(conn)
    index = StoryIndex(DIM)
    with conn.cursor(binary=True) as cursor:
        cursor.execute(
            "SELECT e.article_id, sa.story_id, e.source, extract(epoch FROM e.moment)::float8, e.embedding,"
            " e.terms, e.term_weights"
            " FROM core.article_embeddings e JOIN core.story_articles sa USING (article_id)"
            " WHERE e.moment BETWEEN %s AND %s AND e.embedder = %s AND e.embedding IS NOT NULL"
            " ORDER BY e.moment, e.article_id", (start, end, model_name))
        for article_id, story_id, source, moment, vector, stems, weights in cursor:
            index.add(article_id, story_id, source, moment, _array(vector), dict(zip(stems, weights, strict=True)))
    return index


def record(conn: psycopg.Connection, decisions: Sequence[Assignment], articles: dict[int, BatchArticle],
           method: StoryMethod = METHOD) -> None:
    """Write new stories, memberships and the stories' counts and spans."""
    if not decisions:
        return
    founded = [d for d in decisions if d.how == "founded"]
    if founded:
        conn.execute(
            "INSERT INTO core.stories (story_id, title, first_published_at, last_published_at)"
            " SELECT * FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::timestamptz[])",
            ([d.story_id for d in founded], [articles[d.key].title for d in founded],
             [articles[d.key].published_at for d in founded], [articles[d.key].published_at for d in founded]))
    conn.execute(
        "INSERT INTO core.story_articles (article_id, story_id, similarity, how, undated, method_version)"
        " SELECT a, s, sim, how, u, %s FROM unnest(%s::bigint[], %s::bigint[], %s::numeric[], %s::text[],"
        " %s::boolean[]) AS q(a, s, sim, how, u)",
        (method.version, [d.key for d in decisions], [d.story_id for d in decisions],
         [d.score for d in decisions], [d.how for d in decisions], [d.undated for d in decisions]))
    conn.execute(
        "UPDATE core.stories s SET article_count = s.article_count + u.added,"
        " first_published_at = least(s.first_published_at, u.first),"
        " last_published_at = greatest(s.last_published_at, u.last)"
        " FROM (SELECT q.story_id, count(*) AS added, min(q.moment) AS first, max(q.moment) AS last"
        "       FROM unnest(%s::bigint[], %s::timestamptz[]) AS q(story_id, moment) GROUP BY q.story_id) AS u"
        " WHERE s.story_id = u.story_id",
        ([d.story_id for d in decisions], [articles[d.key].published_at for d in decisions]))


def assign_batch(conn: psycopg.Connection, batch: Sequence[BatchArticle], *, method: StoryMethod = METHOD,
                 model: Embedder | None = None) -> list[Assignment]:
    """Embed, assign and record the stories of one batch (in publication order). Articles that
    already have a story keep it; a duplicate joins its original's story."""
    if not batch:
        return []
    model = model or embedder(method.embedder)
    vectors = embed_batch(conn, batch, method=method, model=model)
    window = timedelta(days=method.window_days)
    index = load_window(conn, min(a.published_at for a in batch) - window,
                        max(a.published_at for a in batch) + window, model_name=model.name)
    for article in batch:
        vector = vectors.get(article.article_id, (None, None))[0]
        if article.undated and vector is not None:
            add_neighbours(conn, index, vector, article.published_at + window, model_name=model.name,
                           limit=method.rerank_rows)
    known = [a.article_id for a in batch] + [a.duplicate_of for a in batch if a.duplicate_of is not None]
    for article_id, story_id in conn.execute(
            "SELECT article_id, story_id FROM core.story_articles WHERE article_id = ANY(%s)", (known,)):
        index.story_of.setdefault(article_id, story_id)
    articles = [Article(a.article_id, a.source, a.published_at.timestamp(), *_vector_and_stems(vectors, a))
                for a in batch]
    decisions = assign(index, articles, method)
    record(conn, decisions, {a.article_id: a for a in batch}, method)
    return decisions


def add_neighbours(conn: psycopg.Connection, index: StoryIndex, vector: np.ndarray, until: datetime, *,
                   model_name: str, limit: int) -> None:
    """Add to ``index`` the ``limit`` stored members nearest to ``vector`` (HNSW, cosine) up to
    ``until``, at any earlier time: what an undated article may meet beyond the batch's window."""
    with conn.cursor(binary=True) as cursor:
        cursor.execute(
            "SELECT n.article_id, sa.story_id, n.source, extract(epoch FROM n.moment)::float8, n.embedding,"
            " n.terms, n.term_weights FROM (SELECT * FROM core.article_embeddings e"
            "  WHERE e.embedder = %s AND e.moment <= %s AND e.embedding IS NOT NULL"
            "  ORDER BY e.embedding <=> %s LIMIT %s) n JOIN core.story_articles sa USING (article_id)",
            (model_name, until, vector, limit))
        for article_id, story_id, source, moment, stored, stems, weights in cursor:
            if not index.has(article_id):
                index.add(article_id, story_id, source, moment, _array(stored), dict(zip(stems, weights, strict=True)))


def _array(vector: object) -> np.ndarray:
    return np.asarray(vector.to_numpy() if hasattr(vector, "to_numpy") else vector, dtype=np.float32)


def _vector_and_stems(vectors: dict, article: BatchArticle) -> tuple:
    vector, stems = vectors.get(article.article_id, (None, None))
    return vector, article.undated, article.duplicate_of, stems


def similar_articles(conn: psycopg.Connection, article_id: int, limit: int = 10) -> list[tuple[int, float]]:
    """Nearest stored articles by cosine (the HNSW index), for analysts and debugging; assignment
    itself scans its time window exactly."""
    register_vector(conn)
    rows = conn.execute(
        "SELECT o.article_id, 1 - (o.embedding <=> e.embedding) FROM core.article_embeddings e,"
        " LATERAL (SELECT article_id, embedding FROM core.article_embeddings x WHERE x.article_id <> e.article_id"
        "          AND x.embedder = e.embedder AND x.embedding IS NOT NULL"
        "          ORDER BY x.embedding <=> e.embedding LIMIT %s) o"
        " WHERE e.article_id = %s AND e.embedding IS NOT NULL", (limit, article_id)).fetchall()
    return [(row[0], float(row[1])) for row in rows]
