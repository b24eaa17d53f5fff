"""Deduplication: exact copies and near duplicates (MinHash LSH), then stories.

Method (see docs/dedup.md for the why and the measured quality):

* Exact copies share ``text_sha256`` of the normalized text.
* Near duplicates: word 5-shingles of the lower-cased normalized text, hashed to 32 bits, MinHash
  with 128 permutations (``datasketch.MinHash``, scheme affine32), LSH banding with the (bands,
  rows) datasketch's own optimiser picks for a candidate threshold of 0.3 (37 × 3). Every
  candidate is verified on the signatures: a near duplicate has estimated Jaccard ≥ 0.5, or
  estimated containment ≥ 0.8 (a truncation or an article with added boilerplate) with at least
  20 shingles on the smaller side.
* Groups: near-duplicate pairs are linked transitively; ``duplicate_of`` points every member to
  the earliest-published one (ties: smallest id). A late-crawled earlier original takes over.

The algorithm is written once (``Deduplicator``) against a small index interface with two
implementations: ``MemoryIndex`` (``mediamon dedup`` on JSONL, the benchmark) and
``PostgresIndex`` (``deduplicate_pending``: signatures and LSH band keys persisted in
``core.minhash_signatures``/``core.minhash_bands``, so a daily run looks up only the buckets its
new articles fall in instead of loading history).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import numpy as np
import psycopg
from datasketch import MinHash
from datasketch.lsh import _optimal_param
from datasketch.minhash import _fmix

log = logging.getLogger(__name__)

DEDUP_VERSION = "dedup-1"
NUM_PERM = 128
SHINGLE_WORDS = 5
LSH_CANDIDATE_THRESHOLD = 0.3
JACCARD_THRESHOLD = 0.5
CONTAINMENT_THRESHOLD = 0.8
MIN_SHINGLES_FOR_CONTAINMENT = 20
SIGN_BATCH = 512  # texts signed together (numpy work per batch; ~50 MB of temporaries at most)

_WORD = re.compile(r"[^\W_]+")
_MASK32 = np.uint64(0xFFFFFFFF)
# Odd 64-bit multipliers for combining word hashes into a shingle hash and signature rows into
# a band key (any fixed odd constants do; these are from splitmix64).
_SHINGLE_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB,
                                 0xD6E8FEB86659FD93, 0xA0761D6478BD642F, 0xE7037ED1A0B428DB],
                                dtype=np.uint64)


class _WordHashes(dict):
    """Memo of 64-bit word hashes (crc32 in the low half, adler32 in the high half): looked up with
    ``map(hashes.__getitem__, words)``, which stays in C for known words."""

    limit = 2_000_000

    def __missing__(self, word: str) -> int:
        data = word.encode("utf-8")
        value = zlib.crc32(data) | (zlib.adler32(data) << 32)
        if len(self) < self.limit:
            self[word] = value
        return value


_WORD_HASHES = _WordHashes()


def _word_hash(word: str) -> int:
    return _WORD_HASHES[word]


def _combine(words: np.ndarray, k: int) -> np.ndarray:
    """Hashes (not yet distinct, 32 bits) of the k-shingles of a sequence of word hashes."""
    combined = np.zeros(len(words) - k + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(k):
            combined = combined * _SHINGLE_MULTIPLIERS[offset % len(_SHINGLE_MULTIPLIERS)] + \
                words[offset:len(words) - k + 1 + offset]
        return (combined ^ (combined >> np.uint64(29))) & _MASK32


def _distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique`` by sorting (numpy 2.x's hash-based ``np.unique`` is far slower on these arrays)."""
    values = np.sort(values)
    keep = np.ones(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def shingle_hashes(text: str, k: int = SHINGLE_WORDS) -> np.ndarray:
    """Distinct 32-bit hashes of the word k-shingles of ``text`` (stable across processes)."""
    words = _WORD.findall(text.lower())
    hashes = np.fromiter(map(_WORD_HASHES.__getitem__, words), dtype=np.uint64, count=len(words))
    if len(hashes) == 0:
        return np.zeros(0, dtype=np.uint64)
    return _distinct(_combine(hashes, min(k, len(hashes))))


def shingle_hashes_many(texts: list[str], k: int = SHINGLE_WORDS) -> tuple[np.ndarray, np.ndarray]:
    """``shingle_hashes`` of many texts at once: (all distinct hashes, text by text, each text's in
    ascending order; the number of hashes of each text). Same values as ``shingle_hashes``, with the
    per-text Python and numpy overhead paid once per batch."""
    word_lists = [_WORD.findall(text.lower()) for text in texts]
    lengths = np.fromiter(map(len, word_lists), dtype=np.int64, count=len(word_lists))
    total = int(lengths.sum())
    words = np.fromiter(map(_WORD_HASHES.__getitem__, itertools.chain.from_iterable(word_lists)),
                        dtype=np.uint64, count=total)
    doc_of_word = np.repeat(np.arange(len(texts), dtype=np.uint64), lengths)
    keys = [np.zeros(0, dtype=np.uint64)]
    if total >= k:
        # Shingles over the concatenation; keep those that start and end inside one text.
        starts = np.cumsum(lengths) - lengths
        position = np.arange(total - k + 1) - np.repeat(starts, lengths)[: total - k + 1]
        valid = position <= np.repeat(lengths - k, lengths)[: total - k + 1]
        keys.append((doc_of_word[: total - k + 1][valid] << np.uint64(32)) | _combine(words, k)[valid])
    for i in np.flatnonzero((lengths > 0) & (lengths < k)).tolist():  # a very short text is one shingle
        start = int(lengths[:i].sum())
        keys.append((np.uint64(i) << np.uint64(32)) | _combine(words[start:start + int(lengths[i])],
                                                               int(lengths[i])))
    distinct = _distinct(np.concatenate(keys))  # sorted by text, then hash
    counts = np.bincount((distinct >> np.uint64(32)).astype(np.int64), minlength=len(texts))
    return distinct & _MASK32, counts


@dataclass
class Signature:
    hashvalues: np.ndarray  # uint32[NUM_PERM]
    n_shingles: int

    def to_bytes(self) -> bytes:
        return self.hashvalues.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, n_shingles: int) -> Signature:
        return cls(np.frombuffer(data, dtype="<u4").astype(np.uint32), n_shingles)


class Signer:
    """MinHash signatures and LSH band keys, with datasketch's permutations and banding."""

    def __init__(self, num_perm: int = NUM_PERM,
                 candidate_threshold: float = LSH_CANDIDATE_THRESHOLD) -> None:
        self.num_perm = num_perm
        self._proto = MinHash(num_perm=num_perm, seed=1, hashfunc=int)
        self.bands, self.rows = _optimal_param(candidate_threshold, num_perm, 0.5, 0.5)
        self._band_multipliers = np.array(
            [int(_SHINGLE_MULTIPLIERS[i % 6]) ^ (i * 0x9E3779B1) for i in range(self.rows)], dtype=np.uint64)

    def sign(self, text: str) -> Signature:
        return self.sign_many([text])[0]

    def sign_many(self, texts: list[str]) -> list[Signature]:
        """MinHash signatures of many texts: the same values as feeding each text's shingle hashes to
        ``datasketch.MinHash.update_batch`` (scheme affine32: murmur3 fmix32 of each hash, then
        ``a * h + b`` mod 2^32 per permutation, minimum over the shingles), computed in numpy over a
        reused buffer instead of converting a Python list per text. ``sign_with_datasketch`` is the
        reference the tests compare against."""
        hashes, counts = shingle_hashes_many(texts)
        mixed = _fmix(hashes.astype(np.uint32), 32)[:, None]
        a, b = self._proto.permutations
        values = np.full((len(texts), self.num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
        buffer = np.empty((int(counts.max()) if len(counts) else 0, self.num_perm), dtype=np.uint32)
        start = 0
        for i, count in enumerate(counts.tolist()):
            if count:
                view = buffer[:count]
                np.multiply(mixed[start:start + count], a, out=view)
                view += b
                view.min(axis=0, out=values[i])
                start += count
        return [Signature(values[i], count) for i, count in enumerate(counts.tolist())]

    def sign_with_datasketch(self, text: str) -> Signature:
        """The signature through ``datasketch.MinHash`` itself (slow; the reference for ``sign_many``)."""
        hashes = shingle_hashes(text)
        minhash = MinHash(num_perm=self.num_perm, seed=1, hashfunc=int,
                          permutations=self._proto.permutations, scheme=self._proto.scheme)
        if len(hashes):
            minhash.update_batch(hashes.tolist())
        return Signature(np.asarray(minhash.hashvalues, dtype=np.uint32), len(hashes))

    def band_keys(self, signature: Signature) -> np.ndarray:
        """One signed 64-bit key per band (fits a PostgreSQL bigint); equal bands give equal keys."""
        return self.band_keys_many(signature.hashvalues[None, :])[0]

    def band_keys_many(self, hashvalues: np.ndarray) -> np.ndarray:
        """``band_keys`` of a (signatures × NUM_PERM) array at once: (signatures × bands) int64."""
        rows = hashvalues[:, : self.bands * self.rows].astype(np.uint64).reshape(-1, self.bands, self.rows)
        with np.errstate(over="ignore"):
            keys = (rows * self._band_multipliers).sum(axis=2, dtype=np.uint64)
            keys ^= keys >> np.uint64(31)
            keys *= np.uint64(0xBF58476D1CE4E5B9)
        return keys.view(np.int64)


def similarity(a: Signature, b: Signature) -> tuple[float, float]:
    """(estimated Jaccard, estimated containment of the smaller shingle set in the larger)."""
    jaccard = float(np.mean(a.hashvalues == b.hashvalues))
    if not a.n_shingles or not b.n_shingles:
        return jaccard, 0.0
    intersection = jaccard * (a.n_shingles + b.n_shingles) / (1 + jaccard)
    return jaccard, min(1.0, intersection / min(a.n_shingles, b.n_shingles))


def is_near_duplicate(a: Signature, b: Signature, *, jaccard_threshold: float = JACCARD_THRESHOLD,
                      containment_threshold: float = CONTAINMENT_THRESHOLD) -> tuple[bool, float]:
    jaccard, containment = similarity(a, b)
    if jaccard >= jaccard_threshold:
        return True, jaccard
    smaller = min(a.n_shingles, b.n_shingles)
    if containment >= containment_threshold and smaller >= MIN_SHINGLES_FOR_CONTAINMENT:
        return True, jaccard
    return False, jaccard


@dataclass
class Item:
    key: int | str
    published_at: datetime
    text_sha256: str
    signature: Signature

    @property
    def order(self) -> tuple:
        return (self.published_at, str(self.key))


@dataclass
class Outcome:
    """What deduplicating one item decided; ``repointed`` lists older members moved to a new root."""
    key: int | str
    duplicate_of: int | str | None
    method: str | None  # exact or minhash
    similarity: float | None
    near: list[tuple[int | str, float, str]] = field(default_factory=list)  # (other, similarity, method)
    repointed: list[int | str] = field(default_factory=list)


class Index(Protocol):
    """What the deduplicator needs to remember about items seen before."""

    def exact(self, text_sha256: str) -> int | str | None: ...
    def candidates(self, band_keys: np.ndarray) -> list[int | str]: ...
    def items(self, keys: Iterable[int | str]) -> dict[int | str, Item]: ...
    def root(self, key: int | str) -> int | str: ...
    def members(self, root: int | str) -> list[int | str]: ...
    def set_root(self, key: int | str, root: int | str | None, similarity: float | None,
                 method: str | None) -> None: ...
    def add_pair(self, key: int | str, other: int | str, similarity: float, method: str) -> None: ...
    def add(self, item: Item, band_keys: np.ndarray) -> None: ...


class Deduplicator:
    def __init__(self, index: Index, signer: Signer | None = None) -> None:
        self.index = index
        self.signer = signer or Signer()

    def process(self, item: Item, band_keys: np.ndarray | None = None) -> Outcome:
        """Find the item's exact and near duplicates among what the index holds, link its group to the
        earliest-published member, then add the item to the index. ``band_keys``: the signature's,
        when already computed for a batch (``Signer.band_keys_many``)."""
        index = self.index
        if band_keys is None:
            band_keys = self.signer.band_keys(item.signature)
        near: list[tuple[int | str, float, str]] = []
        exact_key = index.exact(item.text_sha256)
        if exact_key is not None:
            near.append((exact_key, 1.0, "exact"))
        else:
            candidates = [c for c in index.candidates(band_keys) if c != item.key]
            for other_key, other in index.items(candidates).items():
                match, score = is_near_duplicate(item.signature, other.signature)
                if match:
                    near.append((other_key, round(score, 4), "minhash"))
        outcome = Outcome(item.key, None, None, None, near=near)
        for other, score, method in near:
            index.add_pair(item.key, other, score, method)
        index.add(item, band_keys)
        if not near:
            return outcome
        roots = {index.root(other) for other, _, _ in near}
        group = index.items(roots | {item.key})
        group[item.key] = item
        root = min(group.values(), key=lambda member: member.order)
        for old_root in roots - {root.key}:
            for member in [old_root, *index.members(old_root)]:
                if member != root.key:
                    self._link(member, root)
                    outcome.repointed.append(member)
        if item.key != root.key:
            outcome.duplicate_of, outcome.method, outcome.similarity = self._link(item.key, root, item)
        else:
            index.set_root(item.key, None, None, None)
        return outcome

    def _link(self, key: int | str, root: Item, item: Item | None = None) -> tuple:
        member = item or self.index.items([key])[key]
        if member.text_sha256 == root.text_sha256:
            method, score = "exact", 1.0
        else:
            method, score = "minhash", round(similarity(member.signature, root.signature)[0], 4)
        self.index.set_root(key, root.key, score, method)
        return root.key, method, score


class MemoryIndex:
    """An in-memory ``Index``: LSH buckets in one dict per band (band key → the item in the bucket, or
    a list when several share it)."""

    def __init__(self) -> None:
        self._items: dict[int | str, Item] = {}
        self._by_sha: dict[str, int | str] = {}
        self._buckets: list[dict[int, int | str | list[int | str]]] = []  # one item, or a list of them
        self._root: dict[int | str, int | str] = {}
        self._members: dict[int | str, set[int | str]] = defaultdict(set)
        self.pairs: dict[int | str, list[tuple[int | str, float, str]]] = defaultdict(list)
        self.similarity: dict[int | str, tuple[float, str]] = {}

    def exact(self, text_sha256: str) -> int | str | None:
        return self._by_sha.get(text_sha256)

    def candidates(self, band_keys: np.ndarray) -> list[int | str]:
        found: dict[int | str, None] = {}
        for buckets, key in zip(self._buckets, band_keys.tolist(), strict=False):  # none before the first add
            bucket = buckets.get(key)
            if bucket is None:
                continue
            if type(bucket) is list:
                found.update(dict.fromkeys(bucket))
            else:
                found[bucket] = None
        return list(found)

    def items(self, keys: Iterable[int | str]) -> dict[int | str, Item]:
        return {key: self._items[key] for key in keys}

    def root(self, key: int | str) -> int | str:
        return self._root.get(key, key)

    def members(self, root: int | str) -> list[int | str]:
        return sorted(self._members.get(root, ()), key=str)

    def set_root(self, key, root, similarity, method) -> None:  # noqa: ANN001 - see Index
        old = self._root.pop(key, None)
        if old is not None:
            self._members[old].discard(key)
        if root is not None:
            self._root[key] = root
            self._members[root].add(key)
            self.similarity[key] = (similarity, method)

    def add_pair(self, key, other, similarity, method) -> None:  # noqa: ANN001 - see Index
        self.pairs[key].append((other, similarity, method))
        self.pairs[other].append((key, similarity, method))

    def add(self, item: Item, band_keys: np.ndarray) -> None:
        self._items[item.key] = item
        if item.text_sha256 in self._by_sha:
            return  # an exact copy adds nothing to the buckets
        self._by_sha[item.text_sha256] = item.key
        while len(self._buckets) < len(band_keys):
            self._buckets.append({})
        for buckets, key in zip(self._buckets, band_keys.tolist(), strict=True):
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = item.key  # most buckets hold one item: no list for it
            elif type(bucket) is list:
                bucket.append(item.key)
            else:
                buckets[key] = [bucket, item.key]


# --- the whole pipeline in memory: ``mediamon dedup``, evaluation, benchmark ------------------

UNDATED = datetime(9000, 1, 1, tzinfo=UTC)


@dataclass
class Document:
    id: str
    text: str
    title: str | None = None
    published_at: datetime | None = None
    source: str | None = None


def parse_document(record: dict) -> Document:
    """A ``mediamon dedup`` input line; ``published_at`` may be a date or a datetime (ISO 8601)."""
    if not isinstance(record.get("id"), str | int) or not isinstance(record.get("text"), str):
        raise ValueError("each line needs a string 'id' and a string 'text'")
    published = record.get("published_at")
    moment = None
    if published:
        moment = datetime.fromisoformat(str(published).replace("Z", "+00:00"))
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return Document(str(record["id"]), record["text"], record.get("title"), moment, record.get("source"))


def dedup_documents(docs: list[Document], *, with_stories: bool = True,
                    signer: Signer | None = None) -> list[dict]:
    """Duplicates, near duplicates and stories of a batch of documents, one result per input."""
    from transforms.stories import MemoryStoryStore, assign_story, document_frequencies, terms, tfidf

    signer = signer or Signer()
    index = MemoryIndex()
    dedup = Deduplicator(index, signer)
    order = sorted(range(len(docs)), key=lambda i: (docs[i].published_at or UNDATED, docs[i].id))
    for start in range(0, len(order), SIGN_BATCH):
        batch = [docs[i] for i in order[start:start + SIGN_BATCH]]
        signatures = signer.sign_many([doc.text for doc in batch])
        band_keys = signer.band_keys_many(np.stack([sig.hashvalues for sig in signatures]))
        for doc, signature, keys in zip(batch, signatures, band_keys, strict=True):
            text_sha = hashlib.sha256(" ".join(doc.text.split()).encode("utf-8")).hexdigest()
            dedup.process(Item(doc.id, doc.published_at or UNDATED, text_sha, signature), keys)
    stories: dict[str, int | str] = {}
    if with_stories:
        counts = {doc.id: terms(doc.title, doc.text) for doc in docs}
        # Copies would count their words twice: document frequencies come from originals only.
        df, n_docs = document_frequencies(counts[doc.id] for doc in docs if index.root(doc.id) == doc.id)
        store = MemoryStoryStore()
        for i in order:
            doc = docs[i]
            root = index.root(doc.id)
            stories[doc.id] = assign_story(
                store, doc.id, title=doc.title, vector=tfidf(counts[doc.id], df, n_docs),
                published_at=doc.published_at or UNDATED, undated=doc.published_at is None,
                duplicate_of=root if root != doc.id else None)[0]
    results = []
    for doc in docs:
        root = index.root(doc.id)
        results.append({
            "id": doc.id, "duplicate_of": root if root != doc.id else None,
            "near_duplicates": [{"id": other, "similarity": score} for other, score, _ in
                                sorted(index.pairs.get(doc.id, []), key=lambda pair: -pair[1])],
            "story_id": stories.get(doc.id)})
    return results


# --- storage: core.articles → core.duplicates, core.stories (incremental) ---------------------

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
        self.conn.execute(
            "INSERT INTO core.duplicate_pairs (article_id, other_article_id, similarity, method)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (article_id, other_article_id) DO UPDATE SET"
            " similarity = EXCLUDED.similarity, method = EXCLUDED.method", (key, other, similarity, method))

    def add(self, item: Item, band_keys: np.ndarray) -> None:
        exact_copy = self.exact(item.text_sha256) is not None
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
# story method already treats it as undated (published_at_method = 'crawl_time').
_PENDING_ARTICLES = """
    SELECT a.article_id, coalesce(a.published_at, a.first_seen_at), a.published_at_method, a.text_sha256,
           a.title, a.text
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


def deduplicate_pending(conn: psycopg.Connection, *, batch_size: int = 1000,
                        version: str = DEDUP_VERSION) -> dict[str, int]:
    """Deduplicate and assign stories to articles not yet processed by this dedup version.

    Incremental and idempotent: articles are handled once (again only when their text or the
    dedup version changes), in publication order, in batches of ``batch_size``; history is
    consulted through the persisted LSH buckets and story term index, never loaded whole.
    """
    from transforms.stories import PostgresStoryStore, assign_story, terms, tfidf

    signer = Signer()
    pending = conn.execute(_PENDING_ARTICLES, (version,)).fetchall()
    counts = {"in": len(pending), "exact": 0, "near": 0, "originals": 0, "repointed": 0,
              "new_stories": 0, "joined_stories": 0}
    for start in range(0, len(pending), batch_size):
        batch = pending[start:start + batch_size]
        with conn.transaction():
            _forget(conn, [row[0] for row in batch])
            dedup = Deduplicator(PostgresIndex(conn, version), signer)
            roots: dict[int, int | None] = {}
            signatures = signer.sign_many([row[5] for row in batch])
            band_keys = signer.band_keys_many(np.stack([signature.hashvalues for signature in signatures]))
            for (article_id, published_at, _method, text_sha, _title, _text), signature, keys in zip(
                    batch, signatures, band_keys, strict=True):
                outcome = dedup.process(Item(article_id, published_at, text_sha, signature), keys)
                roots[article_id] = outcome.duplicate_of
                counts["repointed"] += len(outcome.repointed)
                if outcome.duplicate_of is None:
                    counts["originals"] += 1
                else:
                    counts["exact" if outcome.method == "exact" else "near"] += 1
            store = PostgresStoryStore(conn)
            store.preload(row[0] for row in batch)
            term_counts = {row[0]: terms(row[4], row[5]) for row in batch}
            store.add_documents(term_counts[a] for a, root in roots.items() if root is None)
            df = store.document_frequencies(set().union(*term_counts.values()) if term_counts else set())
            n_docs = store.n_docs()
            for article_id, published_at, method, _sha, title, _text in batch:
                before = store.story_of(article_id)
                story_id, _ = assign_story(
                    store, article_id, title=title, vector=tfidf(term_counts[article_id], df, n_docs),
                    published_at=published_at, undated=method == "crawl_time",
                    duplicate_of=roots[article_id])
                if before is None:
                    counts["new_stories" if story_id == article_id else "joined_stories"] += 1
            store.flush()
    from transforms.story_edits import apply_story_edits

    apply_story_edits(conn)  # analysts' merges/splits, last: re-assignment never undoes them
    log.info("deduplicate %s: %s", version, counts)
    return counts
