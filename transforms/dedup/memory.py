"""The whole stage in memory, for ``mediamon dedup`` on JSONL, the evaluations and the benchmarks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from transforms.dedup.config import SIGN_BATCH
from transforms.dedup.groups import Deduplicator, Item, MemoryIndex
from transforms.dedup.minhash import Signer
from transforms.stories.config import METHOD, StoryMethod

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


def dedup_documents(docs: list[Document], *, with_stories: bool = True, method: StoryMethod = METHOD,
                    signer: Signer | None = None) -> list[dict]:
    """Duplicates, near duplicates and stories of a batch of documents, one result per input."""

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
        from transforms.stories.assign import Article, StoryIndex, assign
        from transforms.stories.embed import DIM, embedder, has_words, story_text
        from transforms.stories.lexical import document_frequencies, terms, tfidf

        model = embedder(method.embedder)
        roots = {doc.id: index.root(doc.id) for doc in docs}
        texts = {doc.id: story_text(doc.title, doc.text, method.lead_chars) for doc in docs
                 if roots[doc.id] == doc.id}
        embeddable = [key for key, text in texts.items() if has_words(text)]
        vectors = dict(zip(embeddable, model.embed([texts[key] for key in embeddable]), strict=True))
        counts = {doc.id: terms(doc.title, doc.text) for doc in docs if doc.id in texts}
        df, n_docs = document_frequencies(counts.values())  # originals only: copies would count twice
        articles = [Article(docs[i].id, docs[i].source or "", (docs[i].published_at or UNDATED).timestamp(),
                            vectors.get(docs[i].id), docs[i].published_at is None,
                            roots[docs[i].id] if roots[docs[i].id] != docs[i].id else None,
                            tfidf(counts[docs[i].id], df, n_docs) if docs[i].id in counts else None)
                    for i in order]
        stories = {d.key: d.story_id for d in assign(StoryIndex(DIM), articles, method)}
    results = []
    for doc in docs:
        root = index.root(doc.id)
        results.append({
            "id": doc.id, "duplicate_of": root if root != doc.id else None,
            "near_duplicates": [{"id": other, "similarity": score} for other, score, _ in
                                sorted(index.pairs.get(doc.id, []), key=lambda pair: -pair[1])],
            "story_id": stories.get(doc.id)})
    return results


