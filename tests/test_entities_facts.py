"""Money and dates (with scale and currency) and quotes with their speakers."""

from __future__ import annotations

from pathlib import Path

import pytest

from transforms.entities.extract import get_extractor
from transforms.entities.facts import find_dates, find_facts, find_money
from transforms.entities.linking import link_spans, load_index
from transforms.entities.quotes import find_quotes


def seed(seeds_dir: Path, prefix: str) -> str:
    [path] = seeds_dir.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def money(text: str) -> list[tuple[str, float, str]]:
    return [(f.text, f.amount, f.currency) for f in find_money(text)]


def test_money_on_the_seeds(seeds_dir: Path) -> None:
    assert ("44 млрд долларов", 44e9, "USD") in money(seed(seeds_dir, "001"))
    assert ("44 млрд долларов", 44e9, "USD") in money(seed(seeds_dir, "002"))
    assert money(seed(seeds_dir, "004")) == [("24,3 миллиарда долларов", 24.3e9, "USD"),
                                             ("24 миллиарда долларов", 24e9, "USD")]


@pytest.mark.parametrize(("text", "expected"), [
    ("$44 млрд", (44e9, "USD")),
    ("1 500 тенге", (1500.0, "KZT")),
    ("3,5 трлн юаней", (3.5e12, "CNY")),
    ("500 млн долларов США", (5e8, "USD")),
    ("2 тыс. евро", (2000.0, "EUR")),
])
def test_money_scale_and_currency(text: str, expected: tuple[float, str]) -> None:
    [fact] = find_money(text)
    assert fact.amount == pytest.approx(expected[0]) and fact.currency == expected[1]


def test_numbers_without_currency_are_not_money() -> None:
    assert find_money("в 2024 году 22 лидера и 10 организаций") == []


def test_dates_with_day_month_year_and_inferred_year(seeds_dir: Path) -> None:
    dates = {(f.text, f.date_value, f.precision) for f in find_dates(seed(seeds_dir, "003"))}
    assert ("17 октября 2023 года", "2023-10-17", "day") in dates
    dates = {(f.text, f.date_value) for f in find_dates(seed(seeds_dir, "001"), default_year=2025)}
    assert {("31 августа", "2025-08-31"), ("1 сентября", "2025-09-01"), ("2024 году", "2024-01-01")} <= dates


def test_impossible_date_is_not_a_day() -> None:
    assert all(f.precision != "day" for f in find_dates("31 июня 2020 года"))
    found = [(f.text, f.date_value) for f in find_dates("в мае 2024 года")]
    assert found == [("мае 2024 года", "2024-05-01")]


def test_day_without_year_and_no_article_date_keeps_the_text_only() -> None:
    [fact] = find_dates("прибыл 30 августа")
    assert fact.date_value is None and fact.text == "30 августа"


@pytest.fixture(scope="module")
def seed_quotes(seeds_dir: Path) -> dict[str, list]:
    extractor, index = get_extractor(), load_index()
    out = {}
    for prefix in ("001", "002", "003", "004"):
        text = seed(seeds_dir, prefix)
        out[prefix] = find_quotes(text, link_spans(text, extractor.spans(text), index))
    return out


@pytest.mark.slow
def test_xi_quote_in_002_is_attributed_to_xi(seed_quotes: dict) -> None:
    xi = [q for q in seed_quotes["002"] if q.speaker_entity_key == "xi_jinping"]
    assert len(xi) == 1
    assert xi[0].text.startswith("Под Вашим председательством был успешно проведен")
    assert xi[0].text.endswith("на качественно новый уровень")


@pytest.mark.slow
def test_quote_shapes_with_speaker(seed_quotes: dict) -> None:
    # «…», – заявил Си Цзиньпин.
    assert [(q.text[:20], q.speaker_entity_key) for q in seed_quotes["001"]] == [
        ("Мы готовы оказывать ", "xi_jinping")]
    # "…, — отметил Токаев. (no closing quote mark)
    assert any(q.text.startswith("Китай — крупнейший") and q.speaker_entity_key == "tokayev"
               for q in seed_quotes["002"])
    # "…". Касым-Жомарт Токаев  (name right after the quote)
    assert any(q.text.startswith("С первых дней Казахстан") and q.speaker_entity_key == "tokayev"
               for q in seed_quotes["003"])
    # – Вместе с …, - заявил Токаев.  (dialogue dash)
    assert any(q.text.startswith("Вместе с Председателем") and q.speaker_entity_key == "tokayev"
               for q in seed_quotes["004"])


def test_quote_attributed_to_nobody_keeps_the_words() -> None:
    text = "«Переговоры прошли успешно и плодотворно», — сказал глава государства."
    [quote] = find_quotes(text, [])
    assert quote.speaker_entity_key is None and quote.speaker_text == "глава государства"


def test_facts_come_sorted_by_position() -> None:
    facts = find_facts("17 октября 2023 года товарооборот достиг 21 млрд долларов")
    assert [f.kind for f in facts] == ["date", "money"]


def test_quote_over_several_paragraphs_starts_at_its_opening_mark(seeds_dir: Path) -> None:
    text = seed(seeds_dir, "000")
    [quote] = [q for q in find_quotes(text, []) if q.speaker_text == "в посте"]
    assert quote.text.startswith("Ужин длился почти два часа")
    assert quote.text.endswith("деловой совет в Пекине и новые переговоры")


def test_day_without_year_takes_the_last_full_date_before_it() -> None:
    text = "17 октября 2023 года начались переговоры, а 18 октября подписали соглашения."
    assert [f.date_value for f in find_dates(text, default_year=2025)] == ["2023-10-17", "2023-10-18"]
    assert [f.date_value for f in find_dates("прибыл 30 августа", default_year=2025)] == ["2025-08-30"]
