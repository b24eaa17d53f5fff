"""Mart refresh: the quality gate, what the views contain, and the generated data dictionary."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from helpers_quality import TOKAYEV, XI, plant_world

from transforms import marts

REPO_ROOT = Path(__file__).resolve().parent.parent


def _record_quality_run(conn: psycopg.Connection, status: str) -> None:
    conn.execute("INSERT INTO ops.dq_runs (run_id, logical_date, status, finished_at, counts) "
                 "VALUES (%s, '2025-08-31', %s, now(), %s)",
                 (f"run-{status}", status, '{"critical_failures": ["core.mentions:article.exists"]}'))


def test_refresh_is_refused_before_any_quality_run(conn) -> None:
    with pytest.raises(marts.MartRefreshRefused, match="no quality run"):
        marts.refresh(conn)


@pytest.mark.parametrize("status", ["failed", "error"])
def test_refresh_is_refused_after_a_failed_or_broken_quality_run(conn, status: str) -> None:
    plant_world(conn)
    _record_quality_run(conn, "passed")
    _record_quality_run(conn, status)
    with pytest.raises(marts.MartRefreshRefused, match=status):
        marts.refresh(conn)
    assert conn.execute("SELECT count(*) FROM mart.articles").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM ops.mart_refreshes").fetchone()[0] == 0


@pytest.mark.parametrize("status", ["passed", "warned"])
def test_refresh_runs_after_a_passed_or_warned_run_and_is_recorded(conn, status: str) -> None:
    plant_world(conn)
    _record_quality_run(conn, status)
    result = marts.refresh(conn)
    assert result["quality"]["status"] == status
    assert result["rows"]["mart.articles"] == 5
    assert set(result["rows"]) == set(marts.MART_VIEWS)
    recorded = conn.execute("SELECT dq_run_id, row_counts FROM ops.mart_refreshes").fetchone()
    assert recorded[1] == result["rows"]
    assert marts.refresh(conn)["rows"] == result["rows"]  # idempotent


def test_every_derived_mart_is_refreshed(conn) -> None:
    # Since 0190 the marts are tables kept by the refresh; the follow step's own tables are not derived.
    assert not conn.execute("SELECT matviewname FROM pg_matviews WHERE schemaname = 'mart'").fetchall()
    found = {r[0] for r in conn.execute("SELECT 'mart.' || tablename FROM pg_tables WHERE schemaname = 'mart'")}
    assert found - {"mart.watch_matches", "mart.alerts"} == set(marts.MART_VIEWS)
    assert all((REPO_ROOT / "sql" / "marts" / f"{view.removeprefix('mart.')}.sql").is_file()
               for view in marts.MART_VIEWS)


def test_views_answer_the_analyst_questions_on_a_known_world(conn) -> None:
    ids = plant_world(conn)
    marts.refresh(conn, allow_unchecked=True)
    timeline = conn.execute("SELECT first_source, outlets, article_count FROM mart.story_timeline "
                            "WHERE story_id = %s", (ids["s1"],)).fetchone()
    assert timeline == ("tengri", ["tengri", "zakon"], 2)
    daily = conn.execute("SELECT source, mentions, articles FROM mart.entity_daily_mentions "
                         "WHERE entity_id = %s AND day = '2025-08-30' ORDER BY source", (ids[TOKAYEV],)).fetchall()
    assert daily == [("tengri", 2, 1), ("zakon", 1, 1)]
    pair = conn.execute("SELECT articles FROM mart.entity_cooccurrence_daily WHERE day = '2025-08-30' "
                        "AND entity_a_id = %s AND entity_b_id = %s",
                        (min(ids[TOKAYEV], ids[XI]), max(ids[TOKAYEV], ids[XI]))).fetchone()
    assert pair == (2,)
    quote = conn.execute("SELECT speaker, source, day::text FROM mart.quotes WHERE quote_id = %s",
                         (ids["q3"],)).fetchone()
    assert quote == (TOKAYEV, "kursiv", "2024-02-01")
    activity = conn.execute("SELECT articles, original_articles FROM mart.source_daily_activity "
                            "WHERE source = 'zakon'").fetchone()
    assert activity == (1, 0)  # zakon's only article duplicates tengri's
    assert conn.execute("SELECT count(*) FROM mart.source_freshness").fetchone()[0] == 4


def test_a_day_is_a_kazakhstan_day(conn) -> None:
    ids = plant_world(conn)
    # 23:30 UTC on 29 August is 04:30 on 30 August in Almaty.
    conn.execute("UPDATE core.articles SET published_at = '2025-08-29T23:30:00Z' WHERE article_id = %s", (ids["a1"],))
    marts.refresh(conn, allow_unchecked=True)
    assert conn.execute("SELECT day::text FROM mart.articles WHERE article_id = %s",
                        (ids["a1"],)).fetchone()[0] == "2025-08-30"


def test_data_dictionary_is_up_to_date_with_the_comments(conn) -> None:
    generated = marts.data_dictionary(conn)
    committed = (REPO_ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert committed == generated, "docs/data-dictionary.md drifted: run `mediamon docs data-dictionary`"


def test_every_mart_view_and_column_has_a_comment(conn) -> None:
    assert "*(no comment)*" not in marts.data_dictionary(conn, schemas=("mart",))


def test_check_and_refresh_refreshes_only_through_an_open_gate(conn, db_url: str, tmp_path, monkeypatch) -> None:
    from datetime import date

    monkeypatch.setenv("MEDIAMON_LOCAL_DIR", str(tmp_path))
    plant_world(conn)
    ok, text = marts.check_and_refresh(db_url, logical_date=date(2025, 8, 31), run_id="gate-open")
    assert ok and f"marts: refreshed {len(marts.MART_VIEWS)} views" in text and "Data Docs: " in text
    conn.execute("ALTER TABLE core.articles DROP CONSTRAINT articles_url_fingerprint_key")
    conn.execute("UPDATE core.articles SET url_fingerprint = 'same'")
    ok, text = marts.check_and_refresh(db_url, logical_date=date(2025, 8, 31), run_id="gate-closed")
    assert not ok and "CRITICAL core.articles:url_fingerprint.unique" in text and "not refreshed" in text
