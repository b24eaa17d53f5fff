"""Exact and near duplicates and stories in memory (``mediamon dedup``), on the seeds and planted copies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from mediamon.cli import main
from transforms.dedup import Document, Signer, dedup_documents, is_near_duplicate
from transforms.normalize import normalize_document

CRAWLED = datetime(2026, 1, 1, tzinfo=UTC)


def seed_documents(seeds_dir: Path) -> list[Document]:
    docs = []
    for path in sorted(seeds_dir.glob("*.txt")):
        article = normalize_document(path.read_text(encoding="utf-8"), crawled_at=CRAWLED)
        dated = article.published_at_method != "crawl_time"
        published = article.published_at if dated else None
        docs.append(Document(path.name[:3], article.text, article.title, published))
    return docs


def by_id(results: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in results}


def test_seeds_have_no_duplicates_and_001_002_share_a_story_000_does_not(seeds_dir: Path) -> None:
    results = by_id(dedup_documents(seed_documents(seeds_dir)))
    assert all(r["duplicate_of"] is None and r["near_duplicates"] == [] for r in results.values())
    assert results["001"]["story_id"] == results["002"]["story_id"] == "001"
    stories = {r["story_id"] for r in results.values()}
    assert len(stories) == 4 and results["000"]["story_id"] == "000"


def test_planted_exact_and_near_copies_point_to_the_earliest_published(seeds_dir: Path) -> None:
    docs = seed_documents(seeds_dir)
    original = docs[1].text
    paragraphs = original.split("\n\n")
    docs += [
        Document("exact", original, None, datetime(2025, 9, 1, tzinfo=UTC)),
        Document("reprint", "\n\n".join(paragraphs[:-2]) + "\n\nЧитайте также: главные новости дня.",
                 None, datetime(2025, 9, 2, tzinfo=UTC)),
        Document("edited", original.replace("Китай", "КНР", 3).replace("заявил", "сказал"), None, None),
        Document("earliest", "\n\n".join(paragraphs[:5]), None, datetime(2025, 8, 29, tzinfo=UTC)),
    ]
    results = by_id(dedup_documents(docs))
    for key in ("001", "exact", "reprint", "edited"):
        assert results[key]["duplicate_of"] == "earliest", key
    assert results["earliest"]["duplicate_of"] is None
    assert {"id": "001", "similarity": 1.0} in results["exact"]["near_duplicates"]
    group = ("001", "002", "exact", "reprint", "edited", "earliest")
    assert len({results[k]["story_id"] for k in group}) == 1
    for key in ("000", "003", "004"):
        assert results[key]["duplicate_of"] is None and results[key]["near_duplicates"] == []


def test_different_articles_on_the_same_topic_are_not_near_duplicates(seeds_dir: Path) -> None:
    signer = Signer()
    signatures = [signer.sign(doc.text) for doc in seed_documents(seeds_dir)]
    for i, a in enumerate(signatures):
        for b in signatures[i + 1:]:
            assert is_near_duplicate(a, b) == (False, pytest.approx(0.0, abs=0.1))


def test_signatures_are_stable_across_processes(seeds_dir: Path) -> None:
    # Persisted band keys are only useful if the same text gives the same keys tomorrow.
    text = seed_documents(seeds_dir)[0].text
    first, second = Signer(), Signer()
    assert (first.band_keys(first.sign(text)) == second.band_keys(second.sign(text))).all()
    assert first.sign(text).hashvalues[:3].tolist() == first.sign(text).hashvalues[:3].tolist()


def test_batch_signatures_equal_datasketch_minhash_text_by_text(seeds_dir: Path) -> None:
    # sign_many replaces datasketch's per-text update_batch with numpy over a batch; persisted
    # signatures and band keys must not change, so every value is compared with datasketch's own.
    seeds = [doc.text for doc in seed_documents(seeds_dir)]
    texts = [*seeds, "", "...!?", "одно", "два слова", "раз два три четыре пять",
             "то же то же то же то же то же то же то же", seeds[0][: len(seeds[0]) // 3], *seeds]
    signer = Signer()
    batch = signer.sign_many(texts)
    keys = signer.band_keys_many(np.stack([signature.hashvalues for signature in batch]))
    for text, signature, row in zip(texts, batch, keys, strict=True):
        reference = signer.sign_with_datasketch(text)
        assert signature.n_shingles == reference.n_shingles
        assert signature.hashvalues.tolist() == reference.hashvalues.tolist()
        assert row.tolist() == signer.band_keys(reference).tolist()
    assert [signature.n_shingles for signature in batch[len(seeds):len(seeds) + 6]] == [0, 0, 1, 1, 1, 2]


def test_dedup_command_writes_one_line_per_input(seeds_dir: Path, tmp_path: Path) -> None:
    docs = seed_documents(seeds_dir)
    lines = [{"id": d.id, "text": d.text, "title": d.title,
              "published_at": d.published_at.date().isoformat() if d.published_at else None} for d in docs]
    lines.append({"id": "copy", "text": docs[3].text, "published_at": "2024-01-01"})
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
                      encoding="utf-8")
    out = tmp_path / "clusters.jsonl"
    assert main(["dedup", "--in", str(source), "--out", str(out)]) == 0
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == [line["id"] for line in lines]
    assert set(results[0]) == {"id", "duplicate_of", "near_duplicates", "story_id"}
    assert results[-1]["duplicate_of"] == "003"
    assert results[-1]["near_duplicates"] == [{"id": "003", "similarity": 1.0}]


def test_dedup_command_refuses_bad_lines(tmp_path: Path, capsys) -> None:
    source = tmp_path / "docs.jsonl"
    source.write_text('{"id": "a"}\n', encoding="utf-8")
    assert main(["dedup", "--in", str(source)]) == 2
    assert "docs.jsonl:1" in capsys.readouterr().err
