"""The dedup method's knobs, in one declared place (rationale and measured quality: docs/dedup.md).

Changing a value that changes signatures, band keys or decisions needs a new ``DEDUP_VERSION``
(every article is then deduplicated again; story memberships stay).
"""

from __future__ import annotations

# dedup-2: flood-safe groups (roots only in the buckets, bounded pairs) and embedding stories.
DEDUP_VERSION = "dedup-2"
NUM_PERM = 128
SHINGLE_WORDS = 5
LSH_CANDIDATE_THRESHOLD = 0.3
JACCARD_THRESHOLD = 0.5
CONTAINMENT_THRESHOLD = 0.8
MIN_SHINGLES_FOR_CONTAINMENT = 20
SIGN_BATCH = 512  # texts signed together (numpy work per batch; ~50 MB of temporaries at most)
# Pairs stored per article in core.duplicate_pairs: its best near-duplicate matches among the group
# roots it was compared with (the link to its own root is in core.duplicates). Bounded, so a flood
# of n copies writes O(n) rows instead of O(n²).
MAX_PAIRS_PER_ARTICLE = 5
BATCH_SIZE = 1000  # articles per transaction in deduplicate_pending
