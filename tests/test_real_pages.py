"""The real-pages corpus (``tests/real_pages/``) through ``extract()``: no field may drop below the
committed baseline, as Fundus checks each publisher in CI.

The baseline (``tests/real_pages/baseline.json``) is a measured run of the current code:
``.venv/bin/python bench/extract_eval.py --write-baseline`` rewrites it after a deliberate change
(better extraction, pages added to the corpus); commit it with the change that moved it.
"""

from __future__ import annotations

import json

import pytest

from bench import extract_eval

PAGES = extract_eval.load_corpus() if (extract_eval.CORPUS / "gold.jsonl").is_file() else []


@pytest.fixture(scope="module")
def results() -> list[extract_eval.Result]:
    if not PAGES:
        pytest.skip("tests/real_pages/gold.jsonl is missing")
    return [extract_eval.run_mediamon(p) for p in PAGES]


@pytest.fixture(scope="module")
def scores(results) -> dict[str, object]:
    return extract_eval.score(PAGES, results, extract_eval.plain_trafilatura_bodies(PAGES))


@pytest.fixture(scope="module")
def baseline() -> dict[str, object]:
    return json.loads(extract_eval.BASELINE.read_text(encoding="utf-8"))


def test_baseline_was_measured_on_this_corpus(scores, baseline) -> None:
    assert baseline["pages"] == scores["pages"], (
        "the corpus changed: run `.venv/bin/python bench/extract_eval.py --write-baseline` and commit")


@pytest.mark.parametrize("field", extract_eval.HIGHER)
def test_score_does_not_drop_below_the_baseline(scores, baseline, field: str) -> None:
    misses = "\n".join(scores["misses"])
    assert scores[field] >= baseline[field] - 1e-9, f"{field} {scores[field]} < baseline {baseline[field]}\n{misses}"


@pytest.mark.parametrize("field", extract_eval.LOWER)
def test_error_count_does_not_rise_above_the_baseline(scores, baseline, field: str) -> None:
    misses = "\n".join(scores["misses"])
    assert scores[field] <= baseline[field], f"{field} {scores[field]} > baseline {baseline[field]}\n{misses}"


def test_no_title_keeps_an_html_entity(scores) -> None:
    assert scores["title_entities"] == 0


def test_no_body_comes_from_a_fallback_when_trafilatura_had_one(scores) -> None:
    assert scores["fallback_with_trafilatura_body"] == 0, "\n".join(scores["misses"])


def test_every_page_has_a_title_and_a_body(results) -> None:
    for page, got in zip(PAGES, results, strict=True):
        assert got.title and len(got.text) >= 200, page.gold["id"]
