"""Full-text search (mart.search, `mediamon search`) on the real PostgreSQL: Russian inflections,
ranking, filters by day, outlet, canonical entity and story, and the analyst role's access."""

from __future__ import annotations

from datetime import date, datetime

import psycopg
import pytest
from helpers_follow import article, entity, refresh_marts

from mediamon import cli
from transforms.follow import search

ALMATY = "+05:00"


@pytest.fixture()
def world(conn: psycopg.Connection) -> dict[str, int]:
    ids: dict[str, int] = {}
    ids["tokayev"] = entity(conn, "Касым-Жомарт Токаев", aliases=("Токаев",))
    ids["xi"] = entity(conn, "Си Цзиньпин")
    ids["china"] = entity(conn, "Китай", "LOC", aliases=("КНР",))

    def at(day: str) -> datetime:
        return datetime.fromisoformat(f"{day}T10:00:00{ALMATY}")

    ids["genitive"] = article(conn, source="tengri", slug="a", title="Визит в Пекин",
                              text="Переговоры Си Цзиньпина и Касым-Жомарта Токаева прошли в Пекине.",
                              published=at("2025-08-30"), entities=(ids["tokayev"], ids["xi"]), story=100)
    ids["dative"] = article(conn, source="zakon", slug="b", title="Телеграмма",
                            text="Си Цзиньпин направил Токаеву поздравительную телеграмму по случаю праздника.",
                            published=at("2025-08-31"), entities=(ids["tokayev"], ids["xi"]), story=100)
    ids["headline"] = article(conn, source="nur", slug="c", title="Токаев: Китай — наш стратегический партнёр",
                              text="Президент выступил на форуме и рассказал о торговле с Китаем и Токаевым не был.",
                              published=at("2025-09-02"), entities=(ids["tokayev"], ids["china"]))
    ids["nominative"] = article(conn, source="nur", slug="d", title="Экономика",
                                text="Токаев провёл совещание по экономике. Рост ВВП составил пять процентов.",
                                published=at("2025-07-01"), entities=(ids["tokayev"],))
    ids["other"] = article(conn, source="tengri", slug="e", title="Погода в Алматы",
                           text="В Алматы ожидается снег и гололёд, сообщили синоптики.", published=at("2025-08-30"))
    refresh_marts(conn)
    return ids


def _ids(hits: list[dict]) -> list[int]:
    return [h["article_id"] for h in hits]


def test_a_nominative_query_finds_every_case_form(conn, world) -> None:
    found = set(_ids(search.search(conn, "Токаев")))
    assert {world["genitive"], world["dative"], world["headline"], world["nominative"]} == found


@pytest.mark.parametrize("query", ["Токаева", "Токаеву", "токаевым"])
def test_an_oblique_query_finds_the_nominative_too(conn, world, query: str) -> None:
    assert {world["genitive"], world["dative"], world["headline"], world["nominative"]} == set(
        _ids(search.search(conn, query)))


def test_the_headline_ranks_above_the_text_and_the_snippet_marks_the_words(conn, world) -> None:
    hits = search.search(conn, "Токаев Китай")
    assert _ids(hits)[0] == world["headline"]  # both words, one of them in the headline (weight A)
    assert all(h["rank"] >= hits[-1]["rank"] for h in hits)
    assert "[Китаем]" in hits[0]["snippet"]


def test_web_search_syntax_phrases_and_exclusions(conn, world) -> None:
    assert _ids(search.search(conn, '"Си Цзиньпин направил"')) == [world["dative"]]
    assert set(_ids(search.search(conn, "Токаев -Пекин"))) == {world["dative"], world["headline"], world["nominative"]}
    assert set(_ids(search.search(conn, "снег or телеграмма"))) == {world["other"], world["dative"]}


def test_filters_by_day_outlet_entity_and_story(conn, world) -> None:
    in_august = search.search(conn, "Токаев", from_day=date(2025, 8, 1), to_day=date(2025, 8, 31))
    assert set(_ids(in_august)) == {world["genitive"], world["dative"]}
    assert _ids(search.search(conn, "Токаев", source="zakon")) == [world["dative"]]
    # "КНР" is an alias of Китай: only the article linked to that canonical entity.
    assert _ids(search.search(conn, "Токаев", entity="КНР")) == [world["headline"]]
    assert set(_ids(search.search(conn, "Токаев", entity="Си Цзиньпин"))) == {world["genitive"], world["dative"]}
    story = search.search(conn, "телеграмма OR переговоры", story=100)
    assert set(_ids(story)) == {world["genitive"], world["dative"]}
    assert {h["story_title"] for h in story} == {"Визит в Пекин"}
    with pytest.raises(search.UnknownEntity):
        search.search(conn, "Токаев", entity="Нет Такого")


def test_quarantined_articles_are_not_found(conn, world) -> None:
    conn.execute("INSERT INTO ops.quarantine (stage, item_key, reason_code, reason) "
                 "VALUES ('quality', %s, 'test', 'planted')", (f"core.articles:{world['dative']}",))
    refresh_marts(conn)
    assert world["dative"] not in _ids(search.search(conn, "Токаев"))


def test_the_command_prints_hits_with_snippet_outlet_day_and_story(conn, world, db_url, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", db_url)
    assert cli.main(["search", "Токаеву", "--from", "2025-08-31", "--to", "2025-08-31"]) == 0
    out = capsys.readouterr().out
    assert "2025-08-31  zakon  Телеграмма" in out and "story 100 «Визит в Пекин»" in out
    assert "[Токаеву]" in out and "https://zakon.kz/b" in out
    assert cli.main(["search", "Токаев", "--entity", "Нет Такого"]) == 2
    assert "mediamon: error: no canonical entity" in capsys.readouterr().err


def test_the_analyst_role_may_search(conn, world) -> None:
    conn.execute("SET ROLE mediamon_analyst")
    try:
        assert len(conn.execute("SELECT * FROM mart.search('Токаев')").fetchall()) == 4
    finally:
        conn.execute("RESET ROLE")


# --- phrases: adjacency is checked on the whole text, whatever index found the candidates -------


LEAD = 400  # characters of text in core.articles.search_lead (0090_search.sql)


def test_a_phrase_needs_adjacent_words_in_lead_or_deep_in_the_text(conn, world) -> None:
    filler = "Министры обсудили тарифы, транзит и пошлины на границе двух стран. " * 8  # > LEAD characters
    at = datetime.fromisoformat(f"2025-09-10T10:00:00{ALMATY}")
    deep = article(conn, source="kazinform", slug="deep", title="Итоги недели", text=filler + "Си Цзиньпин прибыл.",
                   published=at)
    apart = [article(conn, source="kazinform", slug=f"apart{n}", title="Пекин",  # newer, both words, never adjacent
                     text=f"Си сказал, что {filler} Цзиньпин уехал {n}.", published=at.replace(day=11 + n))
             for n in range(3)]
    refresh_marts(conn)
    found = set(_ids(search.search(conn, '"Си Цзиньпин"')))
    assert found == {world["genitive"], world["dative"], deep}  # «Си Цзиньпина» too: inflections match
    assert not found & set(apart)
    assert set(apart) <= set(_ids(search.search(conn, "Си Цзиньпин")))  # without quotes: both words anywhere


def test_a_phrase_cut_by_the_lead_is_not_a_match(conn) -> None:
    # The lead vector ends inside «Цзиньпиновский»: there it reads «Си Цзиньпин», in the text it does not.
    head = "Обзор печати за неделю. "
    text = head + "о" * (LEAD - len(head) - len("Си Цзиньпин") - 1) + " Си Цзиньпиновский курс обсуждали все."
    assert text[:LEAD].endswith("Си Цзиньпин")
    cut = article(conn, source="kursiv", slug="cut", title="Обзор", text=text,
                  published=datetime.fromisoformat(f"2025-09-10T10:00:00{ALMATY}"))
    refresh_marts(conn)
    assert conn.execute("SELECT search_lead @@ mart.search_query('\"Си Цзиньпин\"') FROM core.articles "
                        "WHERE article_id = %s", (cut,)).fetchone()[0]
    assert search.search(conn, '"Си Цзиньпин"') == []


@pytest.mark.parametrize(("query", "loose"), [
    ('"Си Цзиньпин"', "'си' & 'цзиньпин'"),
    ('"Токаев провёл встречу" Китай', "( 'тока' | 'токаев' ) & 'провел' & 'встреч' & 'кита'"),
    ("Токаев Китай", None),            # no phrase: unchanged
    ('"Си Цзиньпин" -Пекин', None),    # negation: unchanged (the index rechecks it as before)
])
def test_the_prefilter_drops_positions_only_where_that_finds_a_superset(conn, query: str, loose: str | None) -> None:
    exact, prefilter = conn.execute(
        "SELECT mart.search_query(%s)::text, mart.search_prefilter(mart.search_query(%s))::text",
        (query, query)).fetchone()
    assert prefilter == (loose or exact)
