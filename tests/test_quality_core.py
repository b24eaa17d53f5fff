"""The core suites catch each planted defect with the declared severity; critical ones close the gate.

The core layer is planted by hand (tests/helpers_quality.plant_world) so every expected row is known.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import psycopg
import pytest
from helpers_quality import TOKAYEV, plant_world

from transforms import marts
from transforms.quality import QualityGateFailed, run_suites
from transforms.quality.quarantine import open_entries

DAY = date(2025, 8, 31)


def _failed(conn: psycopg.Connection, dq_run_id: int) -> dict[str, str]:
    """suite:expectation -> severity, for the failed results of a run."""
    rows = conn.execute("SELECT suite || ':' || expectation, severity FROM ops.dq_results "
                        "WHERE dq_run_id = %s AND NOT success", (dq_run_id,)).fetchall()
    return dict(rows)


def test_the_planted_world_passes_every_core_suite(conn, db_url, tmp_path: Path) -> None:
    plant_world(conn)
    summary = run_suites(db_url, logical_date=DAY, run_id="clean", docs_root=tmp_path)
    assert summary["failed_critical"] == 0
    assert summary["suites_skipped"] == []
    # Only warnings that are true of the planted world: short texts and quiet sources.
    assert set(summary["warnings"]) <= {"core.articles:word_count.range", "core.articles:volume.per_source",
                                        "raw.articles:freshness.per_source", "raw.articles:volume.per_source"}


def test_a_null_title_is_a_warning_that_keeps_the_article(conn, db_url, tmp_path) -> None:
    ids = plant_world(conn)
    conn.execute("UPDATE core.articles SET title = NULL, title_method = NULL WHERE article_id = %s", (ids["a3"],))
    summary = run_suites(db_url, logical_date=DAY, run_id="null-title", docs_root=tmp_path)
    assert summary["status"] == "warned"
    assert _failed(conn, summary["dq_run_id"])["core.articles:title.not_null"] == "warning"
    result = conn.execute("SELECT unexpected_count FROM ops.dq_results WHERE expectation = 'title.not_null' "
                          "AND suite = 'core.articles'").fetchone()
    assert result == (1,)
    # A missing title is recorded, not quarantined: the text is good and digests fall back to it.
    assert open_entries(conn) == []
    marts.refresh(conn)
    assert conn.execute("SELECT title FROM mart.articles WHERE article_id = %s", (ids["a3"],)).fetchone() == (None,)


def test_a_publication_date_after_the_crawl_is_quarantined_until_fixed(conn, db_url, tmp_path) -> None:
    ids = plant_world(conn)
    good_date = conn.execute("SELECT published_at FROM core.articles WHERE article_id = %s",
                             (ids["a3"],)).fetchone()[0]
    conn.execute("UPDATE core.articles SET published_at = '2031-01-01T00:00:00Z' WHERE article_id = %s", (ids["a3"],))
    summary = run_suites(db_url, logical_date=DAY, run_id="future", docs_root=tmp_path)
    assert summary["status"] == "warned" and summary["quarantined"] == 1
    assert _failed(conn, summary["dq_run_id"])["core.articles:published_at.not_after_crawl"] == "warning"
    assert [(e["item_key"], e["reason_code"]) for e in open_entries(conn)] == [
        (f"core.articles:{ids['a3']}", "published_at.not_after_crawl")]
    marts.refresh(conn)
    visible = {r[0] for r in conn.execute("SELECT article_id FROM mart.articles")}
    assert ids["a3"] not in visible and ids["a1"] in visible
    assert conn.execute("SELECT count(*) FROM mart.story_timeline WHERE story_id = %s", (ids["s2"],)).fetchone()[0] == 0
    # Nothing is lost: the row is still in core.
    assert conn.execute("SELECT count(*) FROM core.articles WHERE article_id = %s", (ids["a3"],)).fetchone()[0] == 1

    # The normalizer fixes the row: the next run releases it and the refresh brings it back.
    conn.execute("UPDATE core.articles SET published_at = %s WHERE article_id = %s", (good_date, ids["a3"]))
    summary = run_suites(db_url, logical_date=DAY, run_id="fixed", docs_root=tmp_path)
    assert summary["released"] == 1 and open_entries(conn) == []
    released = conn.execute("SELECT released_note FROM ops.quarantine").fetchone()[0]
    assert "passes core.articles:published_at.not_after_crawl in quality run fixed" in released
    marts.refresh(conn)
    assert conn.execute("SELECT count(*) FROM mart.articles WHERE article_id = %s", (ids["a3"],)).fetchone()[0] == 1


def test_a_date_before_independence_is_caught_by_the_timestamp_range(conn, db_url, tmp_path) -> None:
    ids = plant_world(conn)
    conn.execute("UPDATE core.articles SET published_at = '1980-05-01T00:00:00Z' WHERE article_id = %s", (ids["a4"],))
    summary = run_suites(db_url, logical_date=DAY, run_id="old", docs_root=tmp_path)
    assert _failed(conn, summary["dq_run_id"])["core.articles:published_at.not_before_1991"] == "warning"
    assert [e["item_key"] for e in open_entries(conn)] == [f"core.articles:{ids['a4']}"]


def test_a_duplicated_article_key_is_critical(conn, db_url, tmp_path) -> None:
    ids = plant_world(conn)
    # A bad bulk load bypassing the constraint: two articles for one URL.
    conn.execute("ALTER TABLE core.articles DROP CONSTRAINT articles_url_fingerprint_key")
    conn.execute("UPDATE core.articles SET url_fingerprint = (SELECT url_fingerprint FROM core.articles "
                 "WHERE article_id = %s) WHERE article_id = %s", (ids["a1"], ids["a4"]))
    with pytest.raises(QualityGateFailed) as caught:
        run_suites(db_url, logical_date=DAY, run_id="dup", docs_root=tmp_path)
    assert _failed(conn, caught.value.summary["dq_run_id"])["core.articles:url_fingerprint.unique"] == "critical"


def test_a_mention_pointing_at_no_article_is_critical_and_stops_the_mart_refresh(conn, db_url, tmp_path) -> None:
    ids = plant_world(conn)
    run_suites(db_url, logical_date=DAY, run_id="good", docs_root=tmp_path)
    before = marts.refresh(conn)["rows"]

    # Plant an orphan the way a broken loader would: without the foreign key firing.
    conn.execute("SET session_replication_role = replica")
    conn.execute("INSERT INTO core.mentions (article_id, start, stop, surface, normal, type, ner_type, entity_id, "
                 "extractor_version) VALUES (999999, 0, 6, 'Токаев', 'Токаев', 'PER', 'PER', %s, 'test')",
                 (ids[TOKAYEV],))
    conn.execute("SET session_replication_role = origin")
    conn.execute("INSERT INTO core.mentions (article_id, start, stop, surface, normal, type, ner_type, entity_id, "
                 "extractor_version) VALUES (%s, 100, 106, 'Токаев', 'Токаев', 'PER', 'PER', %s, 'test')",
                 (ids["a4"], ids[TOKAYEV]))

    with pytest.raises(QualityGateFailed, match=r"core\.mentions:article\.exists"):
        run_suites(db_url, logical_date=DAY, run_id="orphan", docs_root=tmp_path)
    with pytest.raises(marts.MartRefreshRefused, match="orphan"):
        marts.refresh(conn)
    # Analysts keep the last good snapshot: the new (valid) mention is not in the marts either.
    assert conn.execute("SELECT count(*) FROM mart.entity_mentions").fetchone()[0] == before["mart.entity_mentions"]
