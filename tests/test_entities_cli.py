"""``mediamon entities --in --out`` (no database) and the bad-input refusals."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from mediamon.cli import main
from transforms.entities.linking import load_index
from transforms.entities.pipeline import MAX_NER_CHARS, analyze, skip_reason


@pytest.mark.slow
def test_file_mode_writes_one_line_per_input_with_offsets_into_the_text(tmp_path: Path,
                                                                       seeds_dir: Path) -> None:
    docs = [{"id": p.stem, "text": p.read_text(encoding="utf-8")} for p in sorted(seeds_dir.glob("*.txt"))]
    docs.append({"id": "empty", "text": ""})
    source, target = tmp_path / "docs.jsonl", tmp_path / "spans.jsonl"
    source.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    assert main(["entities", "--in", str(source), "--out", str(target), "--workers", "2"]) == 0
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [d["id"] for d in docs]
    assert lines[-1]["spans"] == []
    for doc, line in zip(docs, lines, strict=True):
        for span in line["spans"]:
            assert doc["text"][span["start"]:span["stop"]] == span["text"]
            assert span["type"] in ("PER", "LOC", "ORG") and span["entity_id"] and span["canonical"]
    tokayev = {s["text"] for line in lines for s in line["spans"] if s["entity_id"] == "tokayev"}
    assert "Касым-Жомарта Токаева" in tokayev


def test_file_mode_refuses_missing_or_malformed_input(tmp_path: Path, capsys) -> None:
    assert main(["entities", "--in", str(tmp_path / "nope.jsonl")]) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "ok"}\nnot json\n', encoding="utf-8")
    assert main(["entities", "--in", str(bad)]) == 2
    assert "bad.jsonl:2: not JSON" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "language", "reason"), [
    ("", None, "empty"),
    ("   \n\t", None, "empty"),
    ("Токаев " * (MAX_NER_CHARS // 7 + 1), None, "too_large"),
    ("Tokayev met Xi Jinping in Tianjin on Saturday.", None, "no_cyrillic"),
    ("Қазақстан Республикасының Президенті Қасым-Жомарт Тоқаев бүгін Қытайға барды", None, "not_russian"),
    ("Токаев прибыл в Пекин", "kk", "not_russian"),
    ("Токаев прибыл в Пекин", "ru", None),
])
def test_texts_that_get_no_ner_say_why(text: str, language: str | None, reason: str | None) -> None:
    assert skip_reason(text, language) == reason


def test_random_bytes_decoded_as_text_are_flagged_not_crashed() -> None:
    noise = random.Random(4).randbytes(4000).decode("utf-8", errors="replace")
    assert skip_reason(noise) == "garbage"
    noise_cp1251 = random.Random(5).randbytes(4000).decode("cp1251", errors="replace")
    assert skip_reason(noise_cp1251) == "garbage"


def test_one_megabyte_text_is_refused_quickly_with_a_reason() -> None:
    result = analyze("Касым-Жомарт Токаев посетил Пекин. " * 30_000, load_index())
    assert result.skipped == "too_large" and result.spans == [] and "longer than" in result.skip_reason
