"""Duplicate groups: the algorithm, written once against a small index interface (``Index``), with
an in-memory implementation; ``transforms.dedup.storage.PostgresIndex`` is the persisted one.

Flood-safe: only a group's root (its earliest-published member) enters the LSH buckets, so a new
article is compared with one representative per group, however many copies the group has; and each
article stores its link to the root plus at most ``MAX_PAIRS_PER_ARTICLE`` candidate pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np

from transforms.dedup.config import MAX_PAIRS_PER_ARTICLE
from transforms.dedup.minhash import Signature, Signer, is_near_duplicate, similarity


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
    def roots(self, keys: Iterable[int | str]) -> set[int | str]:
        """The roots of ``keys`` (one round trip for a stored index; a flood asks this per article)."""
        ...
    def members(self, root: int | str) -> list[int | str]: ...
    def set_root(self, key: int | str, root: int | str | None, similarity: float | None,
                 method: str | None) -> None: ...
    def add_pair(self, key: int | str, other: int | str, similarity: float, method: str) -> None: ...
    def add(self, item: Item, band_keys: np.ndarray | None) -> None:
        """Remember the item; ``band_keys`` None: it is not a root, keep it out of the buckets."""
        ...


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
            near.sort(key=lambda pair: (-pair[1], str(pair[0])))
        outcome = Outcome(item.key, None, None, None, near=near[:MAX_PAIRS_PER_ARTICLE])
        for other, score, method in outcome.near:
            index.add_pair(item.key, other, score, method)
        if not near:
            index.add(item, band_keys)
            return outcome
        roots = index.roots(other for other, _, _ in near)
        group = index.items(roots)
        group[item.key] = item
        root = min(group.values(), key=lambda member: member.order)
        # Only a root is an LSH candidate: later articles meet one representative per group.
        index.add(item, band_keys if root.key == item.key else None)
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

    def roots(self, keys: Iterable[int | str]) -> set[int | str]:
        return {self._root.get(key, key) for key in keys}

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

    def add(self, item: Item, band_keys: np.ndarray | None) -> None:
        self._items[item.key] = item
        if item.text_sha256 in self._by_sha:
            return  # an exact copy adds nothing to the buckets
        self._by_sha[item.text_sha256] = item.key
        if band_keys is None:
            return
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


