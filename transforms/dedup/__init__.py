"""Deduplication stage: exact copies and near duplicates (MinHash LSH), then stories.

Method (see docs/dedup.md for the why and the measured quality):

* Exact copies share ``text_sha256`` of the normalized text.
* Near duplicates: word 5-shingles of the lower-cased normalized text, hashed to 32 bits, MinHash
  with 128 permutations (``datasketch.MinHash``, scheme affine32), LSH banding (37 × 3 for a
  candidate threshold of 0.3). A candidate is a near duplicate with estimated Jaccard ≥ 0.5, or
  estimated containment ≥ 0.8 with at least 20 shingles on the smaller side.
* Groups: ``duplicate_of`` points every member to the earliest-published one (ties: smallest id);
  only roots are LSH candidates, so a flood of copies costs O(n).

Faces: ``config`` (the knobs), ``minhash`` (pure signing and similarity), ``groups`` (the group
algorithm and its in-memory index), ``memory`` (``dedup_documents`` for ``mediamon dedup``),
``storage`` (``deduplicate_pending``, the DAG's entry point). Stories: ``transforms.stories``.
"""

from transforms.dedup.config import DEDUP_VERSION
from transforms.dedup.groups import Deduplicator, Item, MemoryIndex
from transforms.dedup.memory import Document, dedup_documents, parse_document
from transforms.dedup.minhash import Signature, Signer, is_near_duplicate, similarity
from transforms.dedup.storage import deduplicate_pending

__all__ = ["DEDUP_VERSION", "Deduplicator", "Document", "Item", "MemoryIndex", "Signature", "Signer",
           "dedup_documents", "deduplicate_pending", "is_near_duplicate", "parse_document", "similarity"]
