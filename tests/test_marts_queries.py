"""The worked analyst queries in sql/queries run and return the rows a reader would expect."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import psycopg
import pytest
from helpers_quality import TOKAYEV, XI, plant_world

from transforms import marts


@pytest.fixture()
def world(conn: psycopg.Connection) -> dict[str, int]:
    ids = plant_world(conn)
    marts.refresh(conn, allow_unchecked=True)
    return ids


def test_every_query_says_which_question_it_answers() -> None:
    assert set(marts.query_names()) >= {"top_entities_this_week", "first_reporter_per_story",
                                        "tokayev_xi_comentions", "largest_money_amounts"}
    for name in marts.query_names():
        assert marts.query_question(name).endswith("?"), name


def test_top_entities_this_week(conn, world) -> None:
    rows = marts.run_query(conn, "top_entities_this_week", as_of=date(2025, 8, 31))
    assert [(r["canonical_name"], r["articles"], r["mentions"]) for r in rows] == [
        (TOKAYEV, 3, 4), (XI, 2, 2), ("Тяньцзинь", 1, 1), ("ШОС", 1, 1)]
    assert marts.run_query(conn, "top_entities_this_week", as_of=date(2025, 9, 30)) == []


def test_first_reporter_per_story(conn, world) -> None:
    rows = marts.run_query(conn, "first_reporter_per_story")
    assert [(r["first_reported_by"], r["followed_by"], r["article_count"]) for r in rows] == [
        ("nur", [], 1), ("tengri", ["zakon"], 2)]
    assert str(rows[1]["coverage_span"]) == "2:30:00"


def test_tokayev_xi_comentions_over_time(conn, world) -> None:
    rows = marts.run_query(conn, "tokayev_xi_comentions")
    assert [(str(r["week"]), r["articles_naming_both"]) for r in rows] == [
        ("2023-10-16", 1), ("2025-08-25", 2)]


def test_largest_money_amounts(conn, world) -> None:
    rows = marts.run_query(conn, "largest_money_amounts")
    assert [(r["currency"], r["amount"], r["source"]) for r in rows] == [
        ("CNY", Decimal("3000000000"), "kursiv"), ("KZT", Decimal("200000000"), "nur"),
        ("USD", Decimal("1500000000"), "tengri")]


def test_an_unknown_query_is_a_clear_error(conn) -> None:
    with pytest.raises(FileNotFoundError, match="no analyst query"):
        marts.run_query(conn, "nope")
