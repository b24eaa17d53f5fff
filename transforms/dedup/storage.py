"""Storage of the dedup stage: core.articles → core.duplicates, core.duplicate_pairs, then stories.

The incremental, idempotent daily run (``deduplicate_pending``) over the persisted MinHash index
(``core.minhash_signatures``/``core.minhash_bands``), followed by story assignment
(``transforms.stories.storage.assign_batch``) for the same batch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import psycopg

from transforms.dedup.config import BATCH_SIZE, DEDUP_VERSION
from transforms.dedup.groups import Deduplicator, Item
from transforms.dedup.minhash import Signature, Signer
from transforms.stories.config import METHOD, StoryMethod

log = logging.getLogger(__name__)

# The lookups below run thousands of times in one transaction while the tables they read grow in
# it. psycopg prepares a statement after 5 executions and PostgreSQL then settles on a generic plan
# made while the tables were small (a sequential scan): each lookup then read the whole table, and a
# 2,000-article batch took minutes. ``prepare=False`` plans each lookup for the tables as they are now.
_FRESH_PLAN = False


class PostgresIndex:
    """The ``Index`` in PostgreSQL: only the buckets and signatures a new article touches are read."""

    def __init__(self, conn: psycopg.Connection, version: str = DEDUP_VERSION) -> None:
        self.conn = conn
        self.version = version
        self._last_exact: tuple[str, int | None] | None = None  # process() asks, then add() asks again
        self._pairs: dict[tuple[int, int], tuple[float, str]] = {}  # written by flush(): never read back

    def exact(self, text_sha256: str) -> int | None:
        if self._last_exact is not None and self._last_exact[0] == text_sha256:
            return self._last_exact[1]
        row = self.conn.execute(
            "SELECT min(article_id) FROM core.minhash_signatures WHERE text_sha256 = %s",
            (text_sha256,), prepare=_FRESH_PLAN).fetchone()
        self._last_exact = (text_sha256, row[0])
        return row[0]

    def candidates(self, band_keys: np.ndarray) -> list[int]:
        # One primary-key probe per band (LATERAL), planned afresh each time (see _FRESH_PLAN).
        rows = self.conn.execute(
            "SELECT DISTINCT b.article_id FROM unnest(%s::smallint[], %s::bigint[]) AS q(band, band_key)"
            " CROSS JOIN LATERAL (SELECT article_id FROM core.minhash_bands"
            "  WHERE band = q.band AND band_key = q.band_key) AS b",
            (list(range(len(band_keys))), band_keys.tolist()), prepare=_FRESH_PLAN).fetchall()
        return [row[0] for row in rows]

    def items(self, keys: Iterable[int]) -> dict[int, Item]:
        rows = self.conn.execute(
            "SELECT article_id, published_at, text_sha256, hashvalues, n_shingles"
            " FROM core.minhash_signatures WHERE article_id = ANY(%s)", (list(keys),),
            prepare=_FRESH_PLAN).fetchall()
        return {r[0]: Item(r[0], r[1], r[2], Signature.from_bytes(r[3], r[4])) for r in rows}

    def root(self, key: int) -> int:
        row = self.conn.execute(
            "SELECT duplicate_of FROM core.duplicates WHERE article_id = %s", (key,)).fetchone()
        return row[0] if row else key

    def roots(self, keys: Iterable[int]) -> set[int]:
        keys = list(keys)
        linked = dict(self.conn.execute(
            "SELECT article_id, duplicate_of FROM core.duplicates WHERE article_id = ANY(%s)", (keys,),
            prepare=_FRESH_PLAN).fetchall())
        return {linked.get(key, key) for key in keys}

    def members(self, root: int) -> list[int]:
        return [r[0] for r in self.conn.execute(
            "SELECT article_id FROM core.duplicates WHERE duplicate_of = %s ORDER BY article_id", (root,))]

    def set_root(self, key: int, root: int | None, similarity: float | None, method: str | None) -> None:
        if root is None:
            self.conn.execute("DELETE FROM core.duplicates WHERE article_id = %s", (key,))
        else:
            self.conn.execute(
                "INSERT INTO core.duplicates (article_id, duplicate_of, similarity, method)"
                " VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (article_id) DO UPDATE SET duplicate_of = EXCLUDED.duplicate_of,"
                " similarity = EXCLUDED.similarity, method = EXCLUDED.method",
                (key, root, similarity, method))

    def add_pair(self, key: int, other: int, similarity: float, method: str) -> None:
        self._pairs[(key, other)] = (similarity, method)

    def flush(self) -> None:
        """Write the batch's candidate pairs in one statement."""
        if not self._pairs:
            return
        keys, values = list(self._pairs), list(self._pairs.values())
        self.conn.execute(
            "INSERT INTO core.duplicate_pairs (article_id, other_article_id, similarity, method)"
            " SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::numeric[], %s::text[])"
            " ON CONFLICT (article_id, other_article_id) DO UPDATE SET"
            " similarity = EXCLUDED.similarity, method = EXCLUDED.method",
            ([k[0] for k in keys], [k[1] for k in keys], [v[0] for v in values], [v[1] for v in values]))
        self._pairs.clear()

    def add(self, item: Item, band_keys: np.ndarray | None) -> None:
        exact_copy = band_keys is None or self.exact(item.text_sha256) is not None
        self._last_exact = None  # the next lookup must see this item
        self.conn.execute(
            "INSERT INTO core.minhash_signatures (article_id, text_sha256, published_at, hashvalues,"
            " n_shingles, dedup_version) VALUES (%s, %s, %s, %s, %s, %s)",
            (item.key, item.text_sha256, item.published_at, item.signature.to_bytes(),
             item.signature.n_shingles, self.version))
        if not exact_copy:
            self.conn.execute(
                "INSERT INTO core.minhash_bands (band, band_key, article_id)"
                " SELECT band, band_key, %s FROM unnest(%s::smallint[], %s::bigint[]) AS q(band, band_key)"
                " ON CONFLICT DO NOTHING", (item.key, list(range(len(band_keys))), band_keys.tolist()))


# An undated article (published_at NULL) is ordered and windowed by when it was first seen; the
# story method treats it as undated (published_at_method = 'crawl_time').
_PENDING_ARTICLES = """
    SELECT a.article_id, coalesce(a.published_at, a.first_seen_at), a.published_at_method, a.text_sha256,
           a.title, a.text, a.source, a.url
    FROM core.articles a LEFT JOIN core.minhash_signatures s USING (article_id)
    WHERE s.article_id IS NULL OR s.text_sha256 <> a.text_sha256 OR s.dedup_version <> %s
    ORDER BY coalesce(a.published_at, a.first_seen_at), a.article_id
"""


def _forget(conn: psycopg.Connection, article_ids: list[int]) -> None:
    """Drop what the index knew about articles whose text changed, so they are processed afresh.
    Their story membership stays (story ids are stable)."""
    for table in ("core.minhash_bands", "core.minhash_signatures", "core.duplicates"):
        conn.execute(f"DELETE FROM {table} WHERE article_id = ANY(%s)", (article_ids,))
    conn.execute("DELETE FROM core.duplicate_pairs WHERE article_id = ANY(%s) OR other_article_id = ANY(%s)",
                 (article_ids, article_ids))


def deduplicate_pending(conn: psycopg.Connection, *, batch_size: int = BATCH_SIZE,
                        version: str = DEDUP_VERSION, method: StoryMethod = METHOD) -> dict[str, int]:
    """Deduplicate and assign stories to articles not yet processed by this dedup version.

    Incremental and idempotent: articles are handled once (again only when their text or the
    dedup version changes), in publication order, in batches of ``batch_size`` (one transaction
    each); history is consulted through the persisted LSH buckets and the stored vectors of the
    story window, never loaded whole, never re-embedded.
    """
    from transforms.stories.storage import BatchArticle, assign_batch, outlet_of

    signer = Signer()
    pending = conn.execute(_PENDING_ARTICLES, (version,)).fetchall()
    counts = {"in": len(pending), "exact": 0, "near": 0, "originals": 0, "repointed": 0,
              "new_stories": 0, "joined_stories": 0, "undated": 0, "not_embedded": 0}
    for start in range(0, len(pending), batch_size):
        batch = pending[start:start + batch_size]
        with conn.transaction():
            _forget(conn, [row[0] for row in batch])
            index = PostgresIndex(conn, version)
            dedup = Deduplicator(index, signer)
            roots: dict[int, int | None] = {}
            signatures = signer.sign_many([row[5] for row in batch])
            band_keys = signer.band_keys_many(np.stack([signature.hashvalues for signature in signatures]))
            for (article_id, published_at, _method, text_sha, *_rest), signature, keys in zip(
                    batch, signatures, band_keys, strict=True):
                outcome = dedup.process(Item(article_id, published_at, text_sha, signature), keys)
                roots[article_id] = outcome.duplicate_of
                counts["repointed"] += len(outcome.repointed)
                if outcome.duplicate_of is None:
                    counts["originals"] += 1
                else:
                    counts["exact" if outcome.method == "exact" else "near"] += 1
            index.flush()
            articles = [BatchArticle(article_id, title, text, text_sha, outlet_of(url, source), published_at,
                                     date_method == "crawl_time", roots[article_id])
                        for article_id, published_at, date_method, text_sha, title, text, source, url in batch]
            for decision in assign_batch(conn, articles, method=method):
                counts["new_stories" if decision.how == "founded" else "joined_stories"] += 1
                counts["undated"] += decision.undated
        if len(pending) > batch_size:
            log.info("deduplicate: %d/%d articles", min(start + batch_size, len(pending)), len(pending))
    counts["not_embedded"] = conn.execute(
        "SELECT count(*) FROM core.article_embeddings WHERE embedding IS NULL AND article_id = ANY(%s)",
        ([row[0] for row in pending],)).fetchone()[0]
    from transforms.story_edits import apply_story_edits

    apply_story_edits(conn)  # analysts' merges/splits, last: re-assignment never undoes them
    log.info("deduplicate %s: %s", version, counts)
    return counts
