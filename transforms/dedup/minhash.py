"""MinHash signatures of word shingles, LSH band keys, and the near-duplicate test (pure)."""

from __future__ import annotations

import itertools
import re
import zlib
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param
from datasketch.minhash import _fmix

from transforms.dedup.config import (
    CONTAINMENT_THRESHOLD,
    JACCARD_THRESHOLD,
    LSH_CANDIDATE_THRESHOLD,
    MIN_SHINGLES_FOR_CONTAINMENT,
    NUM_PERM,
    SHINGLE_WORDS,
)

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


