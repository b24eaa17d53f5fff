"""Watchlists on the real PostgreSQL: validation, matching (query, entities, pair, outlets),
inflections, undated articles on their first-seen day, idempotence across re-runs, analyst rights."""

from __future__ import annotations

from datetime import date, datetime

import psycopg
import pytest
from helpers_follow import article, entity, refresh_marts

from mediamon import cli
from transforms.follow import watchlists

DAY = date(2025, 8, 30)


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02}:00:00+05:00")


@pytest.fixture()
def world(conn: psycopg.Connection) -> dict[str, int]:
    ids = {"tokayev": entity(conn, "Касым-Жомарт Токаев", aliases=("Токаев",)),
           "xi": entity(conn, "Си Цзиньпин"), "china": entity(conn, "Китай", "LOC")}
    ids["pair"] = article(conn, source="tengri", slug="a", title="Встреча в Астане",
                          text="Си Цзиньпин и Касым-Жомарт Токаев обсудили газопровод.", published=_at("2025-08-30"),
                          entities=(ids["tokayev"], ids["xi"]), story=7)
    ids["tokayev_only"] = article(conn, source="zakon", slug="b", title="Совещание",
                                  text="Токаеву доложили о строительстве газопровода.", published=_at("2025-08-29"),
                                  entities=(ids["tokayev"],))
    ids["old"] = article(conn, source="zakon", slug="c", title="Давно", text="Токаев и газопровод, год назад.",
                         published=_at("2024-08-30"), entities=(ids["tokayev"],))
    # Undated: normalized with the crawl time of a later version, first seen on 30 August.
    ids["undated"] = article(conn, source="nur", slug="d", title=None, text="Китай построит газопровод.",
                             published=None, fetched_at=_at("2025-08-30", 12), crawl_time=_at("2025-09-05"),
                             entities=(ids["china"],))
    refresh_marts(conn)
    return ids


def _matches(conn) -> set[tuple[str, int]]:
    return set(conn.execute("SELECT watchlist, article_id FROM mart.watch_matches").fetchall())


def test_a_query_an_entity_a_pair_and_outlets_match_what_they_say(conn, world) -> None:
    watchlists.add(conn, "pipeline", query="газопровод")
    watchlists.add(conn, "tokayev", entities=["Токаев"])
    watchlists.add(conn, "tokayev-xi", entities=["Касым-Жомарт Токаев", "Си Цзиньпин"])
    watchlists.add(conn, "zakon-pipeline", query="газопроводы", sources=["zakon"])
    counts = watchlists.evaluate(conn, DAY, window_days=3)
    assert counts["watchlists"] == 4
    assert _matches(conn) == {
        ("pipeline", world["pair"]), ("pipeline", world["tokayev_only"]), ("pipeline", world["undated"]),
        ("tokayev", world["pair"]), ("tokayev", world["tokayev_only"]),
        ("tokayev-xi", world["pair"]),
        ("zakon-pipeline", world["tokayev_only"]),
    }
    assert counts["new_matches"] == 7
    snippet, story, day = conn.execute(
        "SELECT snippet, story_id, day FROM mart.watch_matches WHERE watchlist = 'pipeline' AND article_id = %s",
        (world["pair"],)).fetchone()
    assert "[газопровод]" in snippet and story == 7 and day == DAY
    undated_day = conn.execute("SELECT day FROM mart.watch_matches WHERE article_id = %s",
                               (world["undated"],)).fetchone()[0]
    assert undated_day == DAY  # first seen on the 30th


def test_evaluation_is_idempotent_across_reruns_and_keeps_first_seen(conn, world) -> None:
    watchlists.add(conn, "pipeline", query="газопровод")
    first = watchlists.evaluate(conn, DAY, window_days=3)
    before = conn.execute("SELECT watch_match_id, article_id, first_seen_at, snippet FROM mart.watch_matches "
                          "ORDER BY 1").fetchall()
    second = watchlists.evaluate(conn, DAY, window_days=3)
    # The next day's run looks back over the 30th again: still nothing new.
    third = watchlists.evaluate(conn, date(2025, 8, 31), window_days=3)
    after = conn.execute("SELECT watch_match_id, article_id, first_seen_at, snippet FROM mart.watch_matches "
                         "ORDER BY 1").fetchall()
    assert first["new_matches"] == 3 and second["new_matches"] == 0 and third["new_matches"] == 0
    assert after == before


def test_a_paused_watchlist_matches_nothing_and_rm_removes_matches(conn, world) -> None:
    watchlists.add(conn, "pipeline", query="газопровод")
    conn.execute("UPDATE analyst.watchlists SET enabled = false")
    assert watchlists.evaluate(conn, DAY)["new_matches"] == 0
    conn.execute("UPDATE analyst.watchlists SET enabled = true")
    assert watchlists.evaluate(conn, DAY)["new_matches"] == 3
    assert watchlists.remove(conn, "pipeline")
    assert conn.execute("SELECT count(*) FROM mart.watch_matches").fetchone()[0] == 0
    assert not watchlists.remove(conn, "pipeline")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "needs a query or at least one entity"),
    ({"query": "и или"}, "no searchable words"),
    ({"entities": ["Нет Такого"]}, "no canonical entity"),
])
def test_watchlists_that_could_never_match_are_refused(conn, world, kwargs, message) -> None:
    with pytest.raises(watchlists.InvalidWatchlist, match=message):
        watchlists.add(conn, "bad", **kwargs)


def test_the_analyst_role_writes_watchlists_but_not_matches(conn, world) -> None:
    conn.execute("SET ROLE mediamon_analyst")
    try:
        conn.execute("INSERT INTO analyst.watchlists (name, query) VALUES ('sql-made', 'газопровод')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM mart.watch_matches")
    finally:
        conn.execute("RESET ROLE")
    assert watchlists.evaluate(conn, DAY)["new_matches"] == 3


def test_the_watch_commands(conn, world, db_url, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", db_url)
    assert cli.main(["watch", "add", "tokayev-xi", "--entity", "Токаев", "--entity", "Си Цзиньпин"]) == 0
    assert cli.main(["watch", "add", "tokayev-xi", "--query", "газ"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert cli.main(["watch", "run", "--day", "2025-08-30"]) == 0
    assert "1 new matches" in capsys.readouterr().out
    assert cli.main(["watch", "list"]) == 0
    assert "tokayev-xi: entities Токаев + Си Цзиньпин — 1 matches, last 2025-08-30" in capsys.readouterr().out
    assert cli.main(["watch", "rm", "tokayev-xi"]) == 0
    assert cli.main(["watch", "rm", "tokayev-xi"]) == 2


def test_analyst_schema_is_documented(conn) -> None:
    missing = conn.execute("""
        SELECT c.table_name || '.' || c.column_name FROM information_schema.columns c
        JOIN pg_class t ON t.relname = c.table_name
        JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = c.table_schema
        WHERE c.table_schema = 'analyst' AND col_description(t.oid, c.ordinal_position) IS NULL
        UNION ALL
        SELECT t.relname FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'analyst' AND t.relkind IN ('r', 'v', 'm', 'p') AND obj_description(t.oid, 'pg_class') IS NULL
        """).fetchall()
    assert missing == []
