"""normalize_pending over a real PostgreSQL: raw.articles rows (inserted as the crawl would) →
core.articles, idempotent, versioned, with bad input quarantined."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from helpers_raw import FETCHED, insert_raw, land_seeds

from transforms.normalize import NORMALIZER_VERSION, normalize_pending


def articles(conn: psycopg.Connection) -> dict[str, tuple]:
    return {row[0][7:10]: row[1:] for row in conn.execute(
        """SELECT url, article_id, title, published_at::date, published_at_method, authors,
                  attributed_sources, language, normalizer_version, raw_article_id
           FROM core.articles ORDER BY url""")}


def raw_snapshot(conn: psycopg.Connection) -> list[tuple]:
    return conn.execute("SELECT * FROM raw.articles ORDER BY raw_article_id").fetchall()


def test_seeds_are_normalized_into_core_articles(conn: psycopg.Connection, seeds_dir: Path) -> None:
    land_seeds(conn, seeds_dir)
    counts = normalize_pending(conn)
    assert counts == {"in": 5, "inserted": 5, "updated": 0, "unchanged": 0, "quarantined": 0, "out": 5}
    rows = articles(conn)
    assert rows["000"][2:4] == (date(2025, 8, 31), "header")
    assert rows["001"][2:6] == (date(2025, 8, 30), "header", ["Денис Тельманов"], ["ТАСС", "ВЗГЛЯД"])
    assert rows["003"][2:4] == (date(2023, 10, 17), "text")
    assert all(row[7] == NORMALIZER_VERSION and row[6] == "ru" for row in rows.values())


def test_second_run_and_window_rerun_change_nothing(conn: psycopg.Connection, seeds_dir: Path) -> None:
    land_seeds(conn, seeds_dir)
    normalize_pending(conn)
    before = conn.execute("SELECT * FROM core.articles ORDER BY article_id").fetchall()
    assert normalize_pending(conn)["in"] == 0
    redo = normalize_pending(conn, landed_from=datetime.now(UTC) - timedelta(days=1))
    assert redo["in"] == 5 and redo["unchanged"] == 5
    assert conn.execute("SELECT * FROM core.articles ORDER BY article_id").fetchall() == before


def test_new_normalizer_version_renormalizes_everything_and_keeps_ids(
        conn: psycopg.Connection, seeds_dir: Path) -> None:
    land_seeds(conn, seeds_dir)
    normalize_pending(conn)
    ids = {k: v[0] for k, v in articles(conn).items()}
    raw_before = raw_snapshot(conn)
    counts = normalize_pending(conn, version="normalize-test-next")
    assert counts["in"] == 5 and counts["updated"] == 5
    after = articles(conn)
    assert {k: v[0] for k, v in after.items()} == ids
    assert {v[7] for v in after.values()} == {"normalize-test-next"}
    assert raw_snapshot(conn) == raw_before  # raw is never changed
    assert normalize_pending(conn, version="normalize-test-next")["in"] == 0


def test_new_raw_version_of_a_url_updates_the_same_article(conn: psycopg.Connection) -> None:
    insert_raw(conn, "https://example.kz/a", "Заголовок первый\n\nТекст статьи о встрече лидеров.")
    normalize_pending(conn)
    (article_id, title), = conn.execute("SELECT article_id, title FROM core.articles").fetchall()
    newer = insert_raw(conn, "https://example.kz/a",
                       "Заголовок исправленный\n\nТекст статьи о встрече лидеров.",
                       fetched_at=FETCHED + timedelta(hours=1))
    assert normalize_pending(conn)["updated"] == 1
    assert conn.execute("SELECT article_id, title, raw_article_id FROM core.articles").fetchall() == [
        (article_id, "Заголовок исправленный", newer)]


def test_bad_inputs_are_quarantined_or_flagged_and_the_run_goes_on(conn: psycopg.Connection) -> None:
    insert_raw(conn, "https://example.kz/empty", "   \n\n  ")
    insert_raw(conn, "https://example.kz/punct", "!!! ??? ... — *** 123")
    huge = "\n\n".join(["Казахстан и Китай подписали соглашение. " * 40] * 700)  # ~2.8 MB of UTF-8
    insert_raw(conn, "https://example.kz/huge", huge[:1_000_000])
    insert_raw(conn, "https://example.kz/en", "Xi Jinping met Kassym-Jomart Tokayev in Beijing on Saturday.")
    insert_raw(conn, "https://example.kz/ok", "Обычная новость\n\nТокаев встретился с Си в Пекине.")
    counts = normalize_pending(conn)
    assert (counts["in"], counts["inserted"], counts["quarantined"]) == (5, 3, 2)
    quarantined = conn.execute(
        "SELECT item_key, reason_code, reason, details->>'url' FROM ops.quarantine WHERE stage = 'normalize'"
        " ORDER BY reason_code").fetchall()
    assert [(row[1], row[3]) for row in quarantined] == [
        ("empty", "https://example.kz/empty"), ("no_words", "https://example.kz/punct")]
    assert all(row[2] for row in quarantined)
    flags = dict(conn.execute("SELECT url, flags FROM core.articles").fetchall())
    assert "text_truncated" in flags["https://example.kz/huge"]
    assert "language_other" in flags["https://example.kz/en"]
    # Quarantined rows are handled: the next run does not retry them.
    assert normalize_pending(conn)["in"] == 0


def test_bad_new_version_keeps_the_last_good_article(conn: psycopg.Connection) -> None:
    insert_raw(conn, "https://example.kz/a", "Хороший заголовок\n\nТекст статьи о встрече лидеров.")
    normalize_pending(conn)
    insert_raw(conn, "https://example.kz/a", "", fetched_at=FETCHED + timedelta(hours=1))
    assert normalize_pending(conn)["quarantined"] == 1
    assert conn.execute("SELECT title FROM core.articles").fetchall() == [("Хороший заголовок",)]


def test_spider_metadata_fills_missing_title_date_and_author(conn: psycopg.Connection) -> None:
    insert_raw(conn, "https://example.kz/m", "в этой статье нет заголовка, зато есть метаданные страницы.",
               metadata={"title": "Заголовок со страницы", "published_at": "2025-09-01T08:30:00+05:00",
                         "author": "Айгуль Сапарова"})
    normalize_pending(conn)
    row = conn.execute("SELECT title, title_method, published_at, published_at_method, authors"
                       " FROM core.articles").fetchone()
    assert row == ("Заголовок со страницы", "metadata", datetime(2025, 9, 1, 3, 30, tzinfo=UTC), "header",
                   ["Айгуль Сапарова"])


def test_article_ids_rerun_only_those(conn: psycopg.Connection, seeds_dir: Path) -> None:
    land_seeds(conn, seeds_dir)
    normalize_pending(conn)
    some = [v[0] for k, v in articles(conn).items() if k in ("001", "003")]
    assert normalize_pending(conn, article_ids=some)["in"] == 2


def test_web_pages_are_normalized_from_the_extracted_body_not_the_html(conn: psycopg.Connection) -> None:
    body = ("Казахстан и Китай подписали соглашение о строительстве новой железной дороги. "
            "Об этом сообщили в министерстве транспорта.")
    html = f"<!DOCTYPE html><html><head><title>Дорога</title></head><body><nav>Меню</nav><p>{body}</p></body></html>"
    insert_raw(conn, "https://example.kz/news/1", html, source="example",
               metadata={"title": "Казахстан и Китай построят дорогу", "text": body})
    normalize_pending(conn)
    text, title = conn.execute("SELECT text, title FROM core.articles").fetchone()
    assert text == body
    assert title == "Казахстан и Китай построят дорогу"


def test_a_row_the_database_refuses_is_quarantined_and_the_rest_of_its_batch_lands(
        conn: psycopg.Connection) -> None:
    """Rows are written a batch at a time; when the database refuses one (here a constraint added
    for the test), the batch is redone row by row: that row alone is quarantined (store_error)."""
    conn.execute("ALTER TABLE core.articles ADD CONSTRAINT test_refuses CHECK (title <> 'Отвергнутый заголовок')")
    insert_raw(conn, "https://example.kz/a", "Первый заголовок\n\nТокаев встретился с Си в Пекине.")
    insert_raw(conn, "https://example.kz/b", "Отвергнутый заголовок\n\nТекст статьи о встрече лидеров.")
    insert_raw(conn, "https://example.kz/c", "Третий заголовок\n\nТекст другой статьи о соглашении.")
    counts = normalize_pending(conn)
    assert (counts["in"], counts["inserted"], counts["quarantined"]) == (3, 2, 1)
    assert conn.execute("SELECT reason_code, details->>'url' FROM ops.quarantine WHERE stage = 'normalize'"
                        ).fetchall() == [("store_error", "https://example.kz/b")]
    assert [r[0] for r in conn.execute("SELECT url FROM core.articles ORDER BY url")] == [
        "https://example.kz/a", "https://example.kz/c"]
    assert normalize_pending(conn)["in"] == 0
