"""Honest dates (issue 15): an undated article has no publication date anywhere analysts look;
its crawl time is kept as first_seen_at and used only where a view says so."""

from __future__ import annotations

from datetime import UTC, date, datetime

import psycopg
import pytest
from helpers_raw import insert_raw

from transforms import marts
from transforms.dedup import deduplicate_pending
from transforms.entities import extract_pending
from transforms.normalize import normalize_pending
from transforms.report import gather, render

pytestmark = pytest.mark.slow

CRAWLED = datetime(2026, 12, 1, 18, 56, tzinfo=UTC)  # 23:56 in Almaty
UNDATED = ("Токаев провёл переговоры с Си Цзиньпином\n\n"
           "Президент Казахстана Касым-Жомарт Токаев провёл переговоры с Председателем КНР Си Цзиньпином. "
           "«Мы готовы углублять сотрудничество», — сказал Касым-Жомарт Токаев. Товарооборот достиг 44 млрд "
           "долларов, и стороны договорились развивать транспортный коридор через Хоргос и другие пункты.\n")
DATED = " date 2024-03-05 Астана и Пекин подписали соглашение\n\n" + UNDATED.split("\n\n", 1)[1]


@pytest.fixture()
def world(conn: psycopg.Connection) -> psycopg.Connection:
    insert_raw(conn, "https://example.kz/undated", UNDATED, fetched_at=CRAWLED)
    insert_raw(conn, "https://example.kz/dated", DATED, fetched_at=CRAWLED)
    normalize_pending(conn)
    deduplicate_pending(conn)
    extract_pending(conn)
    marts.refresh(conn, allow_unchecked=True)
    return conn


def test_an_undated_article_has_no_publication_date_but_a_first_seen_time(world: psycopg.Connection) -> None:
    rows = {r[0]: r[1:] for r in world.execute(
        "SELECT url, published_at, published_at_method, first_seen_at, published_precision FROM core.articles")}
    published, method, first_seen, precision = rows["https://example.kz/undated"]
    assert (published, method, precision) == (None, "crawl_time", None) and first_seen == CRAWLED
    assert rows["https://example.kz/dated"][3] == "day"


def test_no_mart_row_uses_the_crawl_time_as_a_publication_date(world: psycopg.Connection) -> None:
    checked = 0
    for view in marts.MART_VIEWS:
        schema, name = view.split(".")
        columns = [r[0] for r in world.execute(
            """SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped
                 AND format_type(a.atttypid, a.atttypmod) IN ('date', 'timestamp with time zone')""",
            (schema, name))]
        for column in columns:
            if column.startswith(("first_seen", "last_fetched", "as_of")):
                continue  # these say they are crawl times
            hits = world.execute(
                f"SELECT count(*) FROM {view} WHERE {column}::text IN (%s, %s, %s)",
                (CRAWLED.isoformat(" "), "2026-12-01", "2026-12-02")).fetchone()[0]
            checked += 1
            assert hits == 0, f"{view}.{column} holds the crawl time"
    assert checked >= 15
    span = world.execute("SELECT first_published_at, last_published_at, first_seen_at FROM mart.story_timeline "
                         "WHERE article_count = 2").fetchone()
    if span is not None:  # the two texts share a story: the span is the dated one's day, not 2024 → 2026
        assert span[0] == span[1] and span[0].date() == date(2024, 3, 5) and span[2] == CRAWLED


def test_the_digest_of_the_crawl_day_lists_no_undated_article(world: psycopg.Connection) -> None:
    page = render(gather(world, date(2026, 12, 2)))
    assert "No articles were published on this day." in page
    assert "Токаев провёл переговоры" not in page
    dated_day = render(gather(world, date(2024, 3, 5)))
    assert "05.03.2024 05:00" not in dated_day and "05.03.2024" in dated_day


def test_the_first_seen_lookup_is_one_index_descent_without_statistics(conn: psycopg.Connection) -> None:
    """Migration 0180: on a never-analyzed raw.articles (fresh database, one big COPY) the planner
    answered min(fetched_at) for a URL by walking the fetched_at index, one walk per article written."""
    conn.execute(
        "INSERT INTO raw.articles (url_fingerprint, url, source, spider, fetched_at, content_sha256, content, text,"
        " encoding) SELECT md5(i::text), 'https://x.kz/' || i, 'x', 'x', '2026-01-01'::timestamptz + i * interval"
        " '1 minute', md5(i::text) || md5(i::text), '\\x00', 'x', 'utf-8' FROM generate_series(1, 2000) AS i")
    conn.execute("SET plan_cache_mode = force_generic_plan")  # the trigger's cached plan
    conn.execute("PREPARE first_seen(text) AS"
                 " SELECT min(r.fetched_at) FROM raw.articles AS r WHERE r.url_fingerprint = $1")
    plan = "\n".join(row[0] for row in conn.execute("EXPLAIN EXECUTE first_seen('x')"))
    assert "raw_articles_url_fingerprint_fetched_at_idx" in plan, plan
