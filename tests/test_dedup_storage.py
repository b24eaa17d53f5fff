"""deduplicate_pending over a real PostgreSQL: planted copies caught, stories stable and incremental."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from helpers_raw import insert_raw, land_seeds

from transforms.dedup import deduplicate_pending
from transforms.normalize import normalize_pending


def ids_by_url(conn: psycopg.Connection) -> dict[str, int]:
    return {url.removeprefix("seed://")[:3] if url.startswith("seed://") else url: article_id
            for url, article_id in conn.execute("SELECT url, article_id FROM core.articles")}


def story_of(conn: psycopg.Connection) -> dict[int, int]:
    return dict(conn.execute("SELECT article_id, story_id FROM core.story_articles").fetchall())


def test_seeds_001_and_002_share_a_story_and_000_does_not(
        conn: psycopg.Connection, seeds_dir: Path) -> None:
    land_seeds(conn, seeds_dir)
    normalize_pending(conn)
    counts = deduplicate_pending(conn)
    assert counts["in"] == 5 and counts["originals"] == 5 and counts["new_stories"] == 4
    ids, stories = ids_by_url(conn), story_of(conn)
    assert stories[ids["001"]] == stories[ids["002"]] == ids["001"]
    assert len({stories[ids[k]] for k in ("000", "001", "003", "004")}) == 4
    assert conn.execute("SELECT count(*) FROM core.duplicates").fetchone()[0] == 0
    assert conn.execute("SELECT article_count FROM core.stories WHERE story_id = %s",
                        (ids["001"],)).fetchone()[0] == 2


def test_planted_exact_and_near_copies_are_caught(conn: psycopg.Connection, seeds_dir: Path) -> None:
    land_seeds(conn, seeds_dir)
    original = next(seeds_dir.glob("003_*.txt")).read_text(encoding="utf-8")
    paragraphs = original.split("\n\n")
    insert_raw(conn, "https://copy.kz/exact", original)
    insert_raw(conn, "https://copy.kz/near", "\n\n".join(paragraphs[:-1]) + "\n\nИсточник: портал новостей.")
    normalize_pending(conn)
    deduplicate_pending(conn)
    ids = ids_by_url(conn)
    rows = {r[0]: r[1:] for r in conn.execute(
        "SELECT article_id, duplicate_of, similarity, method FROM core.duplicates")}
    assert rows[ids["https://copy.kz/exact"]] == (ids["003"], 1, "exact")
    near = rows[ids["https://copy.kz/near"]]
    assert near[0] == ids["003"] and near[2] == "minhash" and 0.5 <= near[1] < 1
    stories = story_of(conn)
    assert stories[ids["https://copy.kz/exact"]] == stories[ids["003"]]
    assert stories[ids["https://copy.kz/near"]] == stories[ids["003"]]


def test_rerun_changes_nothing_and_keeps_story_ids(conn: psycopg.Connection, seeds_dir: Path) -> None:
    land_seeds(conn, seeds_dir)
    normalize_pending(conn)
    deduplicate_pending(conn)
    before = (story_of(conn), conn.execute("SELECT * FROM core.stories ORDER BY story_id").fetchall())
    assert deduplicate_pending(conn)["in"] == 0
    assert (story_of(conn), conn.execute("SELECT * FROM core.stories ORDER BY story_id").fetchall()) == before


def test_next_day_article_joins_an_existing_story_or_starts_one(
        conn: psycopg.Connection, seeds_dir: Path) -> None:
    # Day 1: the seeds.
    land_seeds(conn, seeds_dir)
    normalize_pending(conn)
    deduplicate_pending(conn)
    ids = ids_by_url(conn)
    day1 = story_of(conn)
    # Day 2: a rewrite of the 30 August meeting by another outlet, and an unrelated article.
    text_001 = next(seeds_dir.glob("001_*.txt")).read_text(encoding="utf-8").split("\n\n")
    rewrite = (" date 2025-08-31 Си Цзиньпин и Токаев обсудили коренные интересы двух стран\n\n"
               "Председатель КНР Си Цзиньпин на встрече с Касым-Жомартом Токаевым заявил, что Китай "
               "и Казахстан готовы оказывать друг другу поддержку в вопросах, затрагивающих "
               "коренные интересы. Стороны "
               "упомянули рекордный товарооборот в 44 млрд долларов, 80-летие Победы и японский милитаризм, "
               "а также деловой совет и саммит ШОС в Тяньцзине, передает Kazinform.")
    other = (" date 2025-08-31 В Алматы открылась выставка сельхозтехники\n\n"
             "В Алматы открылась международная выставка сельскохозяйственной техники: тракторы, комбайны и "
             "сеялки показали более ста компаний из двенадцати стран, сообщает Tengrinews.kz.")
    day2 = datetime.now(UTC) + timedelta(seconds=1)
    insert_raw(conn, "https://kazinform.kz/rewrite", rewrite, landed_at=day2)
    insert_raw(conn, "https://tengrinews.kz/other", other, landed_at=day2)
    assert len(text_001) > 3
    assert normalize_pending(conn)["inserted"] == 2
    counts = deduplicate_pending(conn)
    assert counts["in"] == 2 and counts["joined_stories"] == 1 and counts["new_stories"] == 1
    ids = ids_by_url(conn)
    stories = story_of(conn)
    assert {k: v for k, v in stories.items() if k in day1} == day1  # day-1 ids unchanged
    assert stories[ids["https://kazinform.kz/rewrite"]] == ids["001"]
    assert stories[ids["https://tengrinews.kz/other"]] == ids["https://tengrinews.kz/other"]


def test_renormalized_text_is_deduplicated_again(conn: psycopg.Connection, seeds_dir: Path) -> None:
    land_seeds(conn, seeds_dir)
    normalize_pending(conn)
    deduplicate_pending(conn)
    conn.execute("UPDATE core.articles SET text = text || ' Дополнение.', text_sha256 = repeat('a', 64)"
                 " WHERE url LIKE 'seed://000%'")
    counts = deduplicate_pending(conn)
    assert counts["in"] == 1 and counts["new_stories"] == 0
