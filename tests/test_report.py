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
    assert "1 story, 2 articles" in capsys.readouterr().out
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


def test_money_repeated_by_reprints_of_a_story_is_listed_once() -> None:
    from transforms.report import merge_money

    facts = [{"amount": 44e9, "currency": "USD", "story_id": 7, "article_id": a, "source": s}
             for a, s in ((1, "tengri"), (2, "zakon"), (3, "kazinform"))]
    facts.append({"amount": 44e9, "currency": "USD", "story_id": None, "article_id": 9, "source": "egemen"})
    merged = merge_money(facts)
    assert len(merged) == 2 and [f["source"] for f in merged[0]["also"]] == ["zakon", "kazinform"]


def test_quote_speakers_are_people_or_organizations_only(conn, world) -> None:
    conn.execute("UPDATE core.quotes SET speaker_entity_id = NULL, speaker_text = 'в посте' WHERE quote_id = "
                 "(SELECT min(quote_id) FROM core.quotes)")
    marts.refresh(conn, allow_unchecked=True)
    data = gather(conn, date(2025, 8, 30))
    assert all(q["speaker"] != "в посте" for q in data["quotes"])
    assert "в посте" not in render(data) and "speaker not named" in render(data)


@pytest.mark.parametrize(("n", "word", "expected"), [
    (1, "story", "1 story"), (2, "story", "2 stories"), (0, "article", "0 articles"),
    (1, "статья", "1 статья"), (3, "статья", "3 статьи"), (5, "статья", "5 статей"), (11, "статья", "11 статей"),
    (21, "статья", "21 статья"), (22, "сюжет", "22 сюжета"), (112, "сюжет", "112 сюжетов"),
])
def test_plural_forms(n: int, word: str, expected: str) -> None:
    from transforms.report import plural

    assert plural(n, word) == expected


def test_dates_are_shown_as_the_source_gave_them() -> None:
    from datetime import UTC, datetime

    from transforms.report import _published

    assert _published(datetime(2025, 8, 30, tzinfo=UTC), "day") == "30.08.2025"  # not 30.08.2025 05:00
    assert _published(datetime(2025, 8, 30, 9, 5, tzinfo=UTC), "time") == "30.08.2025 14:05"
    assert _published(None, None) == "undated"


def test_chart_legend_keeps_long_names_and_equal_lines_stay_apart() -> None:
    from transforms.report import chart_svg

    weeks = [date(2025, 8, 4), date(2025, 8, 11), date(2025, 8, 18)]
    svg = chart_svg(weeks, [{"canonical_name": "Шанхайская организация сотрудничества", "weekly": [1, 2, 3]},
                            {"canonical_name": "Китай", "weekly": [1, 2, 3]}])
    assert "Шанхайская организация сотрудничества (6 mentions)" in svg
    assert "same line as Шанхайская организация сотрудничества" in svg
    first, second = re.findall(r'<polyline points="([^"]+)"', svg)
    assert first != second and 'stroke-dasharray="7 3"' in svg
