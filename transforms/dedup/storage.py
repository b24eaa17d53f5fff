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

class PostgresIndex:
    """The ``Index`` in PostgreSQL, read and written a batch at a time.

    ``prefetch`` reads, in four statements, what the history holds for a whole batch: the earliest
    article with each of its text hashes, the members of each of its LSH buckets, their signatures
    and their group roots. Within the batch the index answers from that and from what the batch has
    added so far (held in memory, as ``MemoryIndex`` holds it); ``flush`` writes the batch's
    signatures, buckets, group links and pairs in a few set-based statements. It was about five
    round trips per article (each lookup, each insert), the largest part of the stage's time after
    the embeddings; the decisions are the same (``Deduplicator`` is unchanged, and a lookup the
    prefetch did not cover, such as a group root outside the candidates, goes to the database).

    The history does not change under a batch: the stage's batches run one after another in one
    transaction each, and a group's links to old members are rewritten only through this index.
    """

    def __init__(self, conn: psycopg.Connection, version: str = DEDUP_VERSION) -> None:
        self.conn = conn
        self.version = version
        self._exact: dict[str, int | None] = {}  # text hash → smallest article id with it (history)
        self._buckets: dict[tuple[int, int], list[int]] = {}  # (band, key) → history's articles
        self._items: dict[int, Item] = {}  # signatures read from the history or added by the batch
        self._roots: dict[int, int | None] = {}  # history: article → its root (None: it is a root)
        # What the batch added, and the writes flush() makes:
        self._batch_exact: dict[str, int] = {}
        self._batch_buckets: dict[tuple[int, int], list[int]] = {}
        self._links: dict[int, tuple[int, float | None, str | None] | None] = {}  # None: a root again
        self._signatures: list[Item] = []
        self._bands: list[tuple[int, int, int]] = []
        self._pairs: dict[tuple[int, int], tuple[float, str]] = {}

    def prefetch(self, items: list[Item], band_keys: np.ndarray) -> None:
        """Read what the history holds for these items (one batch) in four statements."""
        shas = sorted({item.text_sha256 for item in items})
        self._exact.update(dict.fromkeys(shas))
        self._exact.update(self.conn.execute(
            "SELECT text_sha256, min(article_id) FROM core.minhash_signatures WHERE text_sha256 = ANY(%s)"
            " GROUP BY text_sha256", (shas,)).fetchall())
        pairs = sorted({(band, key) for row in band_keys.tolist() for band, key in enumerate(row)})
        for pair in pairs:
            self._buckets.setdefault(pair, [])
        if pairs:
            for band, key, article_id in self.conn.execute(
                    "SELECT b.band, b.band_key, b.article_id"
                    " FROM unnest(%s::smallint[], %s::bigint[]) AS q(band, band_key)"
                    " JOIN core.minhash_bands b ON b.band = q.band AND b.band_key = q.band_key",
                    ([p[0] for p in pairs], [p[1] for p in pairs])).fetchall():
                self._buckets[(band, key)].append(article_id)
        found = {a for members in self._buckets.values() for a in members}
        found |= {a for a in self._exact.values() if a is not None}
        self._load(found)

    def _load(self, keys: Iterable[int]) -> None:
        """Signatures and group roots of history articles not read yet."""
        missing = sorted({k for k in keys if k not in self._items})
        if not missing:
            return
        for r in self.conn.execute(
                "SELECT s.article_id, s.published_at, s.text_sha256, s.hashvalues, s.n_shingles, d.duplicate_of"
                " FROM core.minhash_signatures s LEFT JOIN core.duplicates d USING (article_id)"
                " WHERE s.article_id = ANY(%s)", (missing,)).fetchall():
            self._items[r[0]] = Item(r[0], r[1], r[2], Signature.from_bytes(r[3], r[4]))
            self._roots.setdefault(r[0], r[5])

    def exact(self, text_sha256: str) -> int | None:
        if text_sha256 not in self._exact:  # not prefetched (a caller outside deduplicate_pending)
            row = self.conn.execute("SELECT min(article_id) FROM core.minhash_signatures WHERE text_sha256 = %s",
                                    (text_sha256,)).fetchone()
            self._exact[text_sha256] = row[0]
        found = [k for k in (self._exact[text_sha256], self._batch_exact.get(text_sha256)) if k is not None]
        return min(found) if found else None

    def candidates(self, band_keys: np.ndarray) -> list[int]:
        found: dict[int, None] = {}
        for band, key in enumerate(band_keys.tolist()):
            if (band, key) not in self._buckets:
                self._buckets[(band, key)] = [r[0] for r in self.conn.execute(
                    "SELECT article_id FROM core.minhash_bands WHERE band = %s AND band_key = %s", (band, key))]
            found.update(dict.fromkeys(self._buckets[(band, key)]))
            found.update(dict.fromkeys(self._batch_buckets.get((band, key), ())))
        self._load(found)
        return list(found)

    def items(self, keys: Iterable[int]) -> dict[int, Item]:
        keys = list(keys)
        self._load(keys)
        return {key: self._items[key] for key in keys if key in self._items}

    def root(self, key: int) -> int:
        if key in self._links:
            link = self._links[key]
            return link[0] if link is not None else key
        if key not in self._roots:
            row = self.conn.execute("SELECT duplicate_of FROM core.duplicates WHERE article_id = %s",
                                    (key,)).fetchone()
            self._roots[key] = row[0] if row else None
        root = self._roots[key]
        return root if root is not None else key

    def roots(self, keys: Iterable[int]) -> set[int]:
        """From the prefetched links and the batch's own (``_load`` read the candidates' roots)."""
        keys = list(keys)
        self._load(keys)
        return {self.root(key) for key in keys}

    def members(self, root: int) -> list[int]:
        """Every article linked to ``root``: the history's links as changed by this batch."""
        stored = {r[0] for r in self.conn.execute(
            "SELECT article_id FROM core.duplicates WHERE duplicate_of = %s", (root,))}
        found = {k for k in stored if k not in self._links}
        found |= {k for k, link in self._links.items() if link is not None and link[0] == root}
        return sorted(found)

    def set_root(self, key: int, root: int | None, similarity: float | None, method: str | None) -> None:
        self._links[key] = None if root is None else (root, similarity, method)

    def add_pair(self, key: int, other: int, similarity: float, method: str) -> None:
        self._pairs[(key, other)] = (similarity, method)

    def add(self, item: Item, band_keys: np.ndarray | None) -> None:
        exact_copy = band_keys is None or self.exact(item.text_sha256) is not None
        self._items[item.key] = item
        self._signatures.append(item)
        current = self._batch_exact.get(item.text_sha256)
        self._batch_exact[item.text_sha256] = item.key if current is None else min(current, item.key)
        if not exact_copy:
            for band, key in enumerate(band_keys.tolist()):
                self._batch_buckets.setdefault((band, key), []).append(item.key)
                self._bands.append((band, key, item.key))

    def flush(self) -> None:
        """Write what the batch added and changed, in a few statements."""
        conn = self.conn
        if self._signatures:
            items = self._signatures
            conn.execute(
                "INSERT INTO core.minhash_signatures (article_id, text_sha256, published_at, hashvalues,"
                " n_shingles, dedup_version)"
                " SELECT *, %s FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::bytea[], %s::int[])",
                (self.version, [i.key for i in items], [i.text_sha256 for i in items],
                 [i.published_at for i in items], [i.signature.to_bytes() for i in items],
                 [i.signature.n_shingles for i in items]))
        if self._bands:
            conn.execute(
                "INSERT INTO core.minhash_bands (band, band_key, article_id)"
                " SELECT * FROM unnest(%s::smallint[], %s::bigint[], %s::bigint[]) ON CONFLICT DO NOTHING",
                ([b[0] for b in self._bands], [b[1] for b in self._bands], [b[2] for b in self._bands]))
        unlinked = [key for key, link in self._links.items() if link is None]
        if unlinked:
            conn.execute("DELETE FROM core.duplicates WHERE article_id = ANY(%s)", (unlinked,))
        links = [(key, link) for key, link in self._links.items() if link is not None]
        if links:
            conn.execute(
                "INSERT INTO core.duplicates (article_id, duplicate_of, similarity, method)"
                " SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::numeric[], %s::text[])"
                " ON CONFLICT (article_id) DO UPDATE SET duplicate_of = EXCLUDED.duplicate_of,"
                " similarity = EXCLUDED.similarity, method = EXCLUDED.method",
                ([k for k, _ in links], [link[0] for _, link in links], [link[1] for _, link in links],
                 [link[2] for _, link in links]))
        if self._pairs:
            keys, values = list(self._pairs), list(self._pairs.values())
            conn.execute(
                "INSERT INTO core.duplicate_pairs (article_id, other_article_id, similarity, method)"
                " SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::numeric[], %s::text[])"
                " ON CONFLICT (article_id, other_article_id) DO UPDATE SET"
                " similarity = EXCLUDED.similarity, method = EXCLUDED.method",
                ([k[0] for k in keys], [k[1] for k in keys], [v[0] for v in values], [v[1] for v in values]))
        for key, link in self._links.items():  # the history as it now is, should the index be used on
            self._roots[key] = None if link is None else link[0]
        self._exact.update({sha: self.exact(sha) for sha in self._batch_exact})
        for pair, keys in self._batch_buckets.items():
            self._buckets.setdefault(pair, []).extend(keys)
        self._batch_exact, self._batch_buckets, self._links = {}, {}, {}
        self._signatures, self._bands, self._pairs = [], [], {}


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
            items = [Item(article_id, published_at, text_sha, signature) for
                     (article_id, published_at, _method, text_sha, *_rest), signature in
                     zip(batch, signatures, strict=True)]
            index.prefetch(items, band_keys)
            for item, keys in zip(items, band_keys, strict=True):
                article_id = item.key
                outcome = dedup.process(item, keys)
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
