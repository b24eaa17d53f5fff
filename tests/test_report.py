"""The HTML digest: what it shows for a known day, and its small formatting rules."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from helpers_quality import TOKAYEV, XI, plant_world

from mediamon import cli
from transforms import marts
from transforms.report import format_amount, gather, merge_quotes, render


@pytest.fixture()
def world(conn, db_url, tmp_path):
    from transforms.quality import run_suites

    ids = plant_world(conn)
    run_suites(db_url, logical_date=date(2025, 8, 30), run_id="digest-test", docs_root=tmp_path / "docs")
    marts.refresh(conn)
    return ids


def test_digest_shows_the_days_story_with_its_outlets_in_order(conn, world) -> None:
    page = render(gather(conn, date(2025, 8, 30)))
    assert "Встреча Си Цзиньпина и Токаева" in page
    assert re.search(r'outlet first">tengri</span><span class="outlet">zakon</span>', page)
    assert "(duplicate)" in page  # zakon's article duplicates tengri's


def test_digest_charts_the_top_entities_over_past_weeks(conn, world) -> None:
    data = gather(conn, date(2025, 8, 30))
    assert [e["canonical_name"] for e in data["top_entities"]] == [TOKAYEV, XI]
    assert data["top_entities"][0]["weekly"][-1] == 3 and sum(data["top_entities"][0]["weekly"]) == 3
    page = render(data)
    assert page.count("<polyline") == 2 and "Weekly mentions of the top entities" in page


def test_digest_lists_quotes_once_and_money_in_context(conn, world) -> None:
    page = render(gather(conn, date(2025, 8, 30)))
    assert page.count("вечные стратегические партнёры") == 1
    assert "also zakon" in page
    assert "1.5 bn USD" in page and "1,5 млрд долларов" in page


def test_digest_shows_the_quality_status_and_data_docs(conn, world) -> None:
    page = render(gather(conn, date(2025, 8, 30)))
    assert re.search(r'class="badge (passed|warned)">quality: (passed|warned)', page)
    assert "digest-test" in page and "index.html" in page


def test_a_day_without_news_still_renders(conn, world) -> None:
    page = render(gather(conn, date(2020, 1, 1)))
    assert "No articles were published on this day." in page and "<polyline" not in page


def test_report_command_writes_the_file(world, db_url, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", db_url)
    output = tmp_path / "digest.html"
    assert cli.main(["report", "--date", "2025-08-30", "--output", str(output)]) == 0
    assert "1 stories" in capsys.readouterr().out
    assert output.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(("amount", "currency", "expected"), [
    (Decimal("1500000000"), "USD", "1.5 bn USD"),
    (200_000_000, "KZT", "200 mn KZT"),
    (2_000_000_000_000, "KZT", "2 tn KZT"),
    (12500, "USD", "12\u2009500 USD"),
    (None, "USD", "—"),
])
def test_amounts_are_written_for_reading(amount, currency, expected) -> None:
    assert format_amount(amount, currency) == expected


def test_a_reprinted_quote_is_merged_with_its_outlets() -> None:
    quotes = [{"speaker": "Си", "text": "Мы  друзья", "source": "a"},
              {"speaker": "Си", "text": "Мы друзья", "source": "b"},
              {"speaker": "Токаев", "text": "Мы друзья", "source": "c"}]
    merged = merge_quotes(quotes)
    assert [(q["source"], [a["source"] for a in q["also"]]) for q in merged] == [("a", ["b"]), ("c", [])]
