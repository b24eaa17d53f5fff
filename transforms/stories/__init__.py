"""Story stage: articles about the same event, from any outlet, grouped incrementally by sentence
embeddings of their title + lead (see docs/dedup.md).

Faces: ``config`` (the method's knobs, one place), ``embed`` (the embedder and what is embedded),
``assign`` (pure decisions: best-k linkage to story members, same-outlet penalty, time decay),
``storage`` (pgvector vectors, memberships; ``assign_batch`` is what the dedup stage calls).
"""

from transforms.stories.assign import Article, Assignment, StoryIndex, assign
from transforms.stories.config import METHOD, StoryMethod

__all__ = ["METHOD", "Article", "Assignment", "StoryIndex", "StoryMethod", "assign"]
