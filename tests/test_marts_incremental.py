"""Incremental mart refresh (migration 0190): after every kind of change a writer can make, the
tables the incremental refresh leaves are exactly those a full rebuild derives from the same core
data, and refreshing again changes nothing."""

from __future__ import annotations

from datetime import datetime

import psycopg
import pytest
from helpers_quality import SCO, TIANJIN, TOKAYEV, XI, _article, plant_world

from transforms import marts

# source_freshness is as of now(): its two clock columns differ between any two refreshes.
_CLOCK_COLUMNS = {"mart.source_freshness": ("hours_since_fetch", "as_of")}


def _snapshot(conn: psycopg.Connection) -> dict[str, list[tuple]]:
    tables = {}
    for view in marts.MART_VIEWS:
        columns = [r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum", (view,)) if r[0] not in _CLOCK_COLUMNS.get(view, ())]
        select = ", ".join(f'"{c}"' for c in columns)
        tables[view] = conn.execute(f"SELECT {select} FROM {view} ORDER BY {select}").fetchall()
    return tables


def _assert_incremental_equals_full(conn: psycopg.Connection) -> dict[str, list[tuple]]:
    result = marts.refresh(conn, allow_unchecked=True)
    assert not result["full"]
    incremental = _snapshot(conn)
    assert marts.refresh(conn, allow_unchecked=True)["changed"] == {"article": 0, "story": 0, "entity": 0,
                                                                     "alias": 0}
    assert _snapshot(conn) == incremental  # idempotent: nothing changed, nothing moves
    assert marts.refresh(conn, allow_unchecked=True, full=True)["full"]
    full = _snapshot(conn)
    for view in marts.MART_VIEWS:
        assert incremental[view] == full[view], view
    return full


def _mention(conn: psycopg.Connection, article_id: int, entity_id: int, start: int) -> int:
    return conn.execute(
        "INSERT INTO core.mentions (article_id, start, stop, surface, normal, type, ner_type, entity_id, sentence, "
        "extractor_version) SELECT %s, %s, %s + 6, canonical_name, canonical_name, type, type, entity_id, "
        "'... ' || canonical_name || ' ...', 'test' FROM core.entities WHERE entity_id = %s RETURNING mention_id",
        (article_id, start, start, entity_id)).fetchone()[0]


def _quarantine(conn: psycopg.Connection, table: str, key: int) -> None:
    conn.execute("INSERT INTO ops.quarantine (stage, item_key, reason_code, reason) "
                 "VALUES ('quality', %s, 'test.check', 'planted')", (f"{table}:{key}",))


@pytest.fixture()
def world(conn: psycopg.Connection) -> dict[str, int]:
    ids = plant_world(conn)
    first = marts.refresh(conn, allow_unchecked=True)
    assert first["full"]  # the migration asks for one full rebuild
    assert first["rows"]["mart.articles"] == 5
    return ids


def test_new_articles_with_mentions_stories_and_duplicates(conn, world) -> None:
    new = _article(conn, source="kursiv", slug="new", title="Токаев и ШОС", published="2025-08-31T15:00:00+05:00",
                   text="Токаев выступил на саммите ШОС. " * 10)
    conn.execute("INSERT INTO core.story_articles (story_id, article_id) VALUES (%s, %s)", (world["s2"], new))
    conn.execute("INSERT INTO core.duplicates (article_id, duplicate_of, similarity, method) "
                 "VALUES (%s, %s, 0.9, 'minhash')", (new, world["a3"]))
    for position, name in enumerate((TOKAYEV, SCO, XI)):
        _mention(conn, new, world[name], position * 10)
    conn.execute("INSERT INTO core.quotes (article_id, start, stop, text, speaker_text, speaker_entity_id, "
                 "extractor_version) VALUES (%s, 0, 40, 'Слова', 'Токаев', %s, 'test')", (new, world[TOKAYEV]))
    conn.execute("INSERT INTO core.facts (article_id, kind, start, stop, text, amount, currency, extractor_version) "
                 "VALUES (%s, 'money', 0, 10, '5 млн долларов', 5000000, 'USD', 'test')", (new,))
    full = _assert_incremental_equals_full(conn)
    assert len(full["mart.articles"]) == 6


def test_analyst_and_relink_edits(conn, world) -> None:
    conn.execute("UPDATE core.entities SET canonical_name = 'К.-Ж. Токаев', wikidata_qid = 'Q312365' "
                 "WHERE entity_id = %s", (world[TOKAYEV],))
    conn.execute("INSERT INTO core.entity_aliases (alias, entity_id, type, origin) VALUES ('Токаев', %s, 'PER', "
                 "'analyst')", (world[TOKAYEV],))
    conn.execute("UPDATE core.mentions SET entity_id = %s WHERE mention_id = %s", (world[TIANJIN], world["m_a4_1"]))
    conn.execute("UPDATE core.stories SET title = 'Встреча лидеров' WHERE story_id = %s", (world["s1"],))
    _assert_incremental_equals_full(conn)


def test_story_moves_deletes_and_dates(conn, world) -> None:
    conn.execute("UPDATE core.story_articles SET story_id = %s WHERE article_id = %s", (world["s2"], world["a2"]))
    conn.execute("DELETE FROM core.duplicates WHERE article_id = %s", (world["a2"],))
    conn.execute("DELETE FROM core.mentions WHERE mention_id = %s", (world["m_a1_2"],))
    conn.execute("UPDATE core.articles SET published_at = %s WHERE article_id = %s",
                 (datetime.fromisoformat("2025-08-29T10:00:00+05:00"), world["a5"]))
    conn.execute("UPDATE core.articles SET published_at_method = 'crawl_time' WHERE article_id = %s", (world["a4"],))
    _assert_incremental_equals_full(conn)


def test_quarantine_and_release(conn, world) -> None:
    _quarantine(conn, "core.articles", world["a1"])
    _quarantine(conn, "core.mentions", world["m_a3_0"])
    _quarantine(conn, "core.facts", world["f2"])
    _quarantine(conn, "core.quotes", world["q3"])
    full = _assert_incremental_equals_full(conn)
    assert len(full["mart.articles"]) == 4
    conn.execute("UPDATE ops.quarantine SET released_at = now() WHERE item_key = %s", (f"core.articles:{world['a1']}",))
    full = _assert_incremental_equals_full(conn)
    assert len(full["mart.articles"]) == 5


def test_a_refused_refresh_keeps_the_changes_for_the_next(conn, world) -> None:
    conn.execute("UPDATE core.stories SET title = 'Другое' WHERE story_id = %s", (world["s2"],))
    conn.execute("INSERT INTO ops.dq_runs (run_id, logical_date, status, finished_at, counts) "
                 "VALUES ('bad', '2025-08-31', 'failed', now(), '{}')")
    with pytest.raises(marts.MartRefreshRefused):
        marts.refresh(conn)
    assert conn.execute("SELECT count(*) FROM ops.mart_changes").fetchone()[0] == 1
    assert conn.execute("SELECT title FROM mart.story_timeline WHERE story_id = %s",
                        (world["s2"],)).fetchone()[0] != "Другое"
    _assert_incremental_equals_full(conn)
    assert conn.execute("SELECT title FROM mart.story_timeline WHERE story_id = %s",
                        (world["s2"],)).fetchone()[0] == "Другое"
