"""The raw.articles suite run through great-expectations against a real PostgreSQL.

Each test plants one defect and checks it is caught with the severity the suite declares, that the
result lands in ops.dq_results and that row-level failures are quarantined (and can be released).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from helpers_quality import land_raw

from transforms.quality import QualityGateFailed, load_suites, release
from transforms.quality import run_suites as run_all_suites
from transforms.quality.quarantine import open_entries

DAY = date(2026, 3, 10)
NOON = datetime(2026, 3, 10, 12, tzinfo=UTC)


def run_suites(*args, **kwargs):
    """Only the raw.articles suite: these tests plant raw rows and nothing else."""
    kwargs.setdefault("suites", [s for s in load_suites() if s.table == "raw.articles"])
    return run_all_suites(*args, **kwargs)


def _results(conn: psycopg.Connection, dq_run_id: int) -> dict[str, tuple]:
    rows = conn.execute(
        "SELECT expectation, severity, success, observed_value, unexpected_count, details "
        "FROM ops.dq_results WHERE dq_run_id = %s", (dq_run_id,)).fetchall()
    return {r[0]: r[1:] for r in rows}


def _land_week(conn: psycopg.Connection, source: str, *, today: bool = True) -> None:
    """A source that published two articles a day for the 7 days before DAY (and today if asked)."""
    for days_back in range(0 if today else 1, 8):
        for n in range(2):
            land_raw(conn, url=f"https://{source}.kz/{days_back}/{n}", source=source, text=f"article {n}",
                     fetched_at=NOON - timedelta(days=days_back))


def test_clean_raw_articles_pass_and_every_result_is_recorded(conn, db_url, tmp_path: Path) -> None:
    _land_week(conn, "tengri")
    summary = run_suites(db_url, logical_date=DAY, run_id="clean", docs_root=tmp_path)
    assert summary["status"] == "passed"
    results = _results(conn, summary["dq_run_id"])
    assert len(results) == summary["expectations"] >= 12
    assert all(success for _, success, *_ in results.values())
    assert results["volume.per_source"][3] == 0
    run = conn.execute("SELECT status, run_id, logical_date, data_docs_path FROM ops.dq_runs").fetchone()
    assert run[:3] == ("passed", "clean", DAY)
    assert Path(run[3]).is_file() and Path(run[3]).parent.parent == tmp_path
    assert "raw.articles" in Path(run[3]).read_text(encoding="utf-8")


def test_a_source_with_zero_articles_today_is_a_volume_warning(conn, db_url, tmp_path: Path) -> None:
    _land_week(conn, "tengri")
    _land_week(conn, "zakon", today=False)
    summary = run_suites(db_url, logical_date=DAY, run_id="silent", docs_root=tmp_path)
    assert summary["status"] == "warned"
    assert summary["warnings"] == ["raw.articles:volume.per_source"]
    results = _results(conn, summary["dq_run_id"])
    severity, success, observed, unexpected, details = results["volume.per_source"]
    assert (severity, success, unexpected) == ("warning", False, 1)
    assert [(r["source"], r["rows_today"], r["trailing_median"]) for r in details["unexpected_rows"]] == [
        ("zakon", 0, 2.0)]


def test_a_stale_source_is_a_freshness_warning(conn, db_url, tmp_path: Path) -> None:
    _land_week(conn, "tengri")
    land_raw(conn, url="https://old.kz/1", source="old", text="x", fetched_at=NOON - timedelta(days=5))
    summary = run_suites(db_url, logical_date=DAY, run_id="stale", docs_root=tmp_path)
    assert summary["status"] == "warned"
    details = _results(conn, summary["dq_run_id"])["freshness.per_source"][4]
    assert [r["source"] for r in details["unexpected_rows"]] == ["old"]


def test_a_future_fetch_date_is_a_warning_and_the_row_is_quarantined_until_released(
        conn, db_url, tmp_path: Path) -> None:
    _land_week(conn, "tengri")
    bad = land_raw(conn, url="https://tengri.kz/future", source="tengri", text="x",
                   fetched_at=NOON + timedelta(days=400), landed_at=NOON)
    summary = run_suites(db_url, logical_date=DAY, run_id="future", docs_root=tmp_path)
    assert summary["status"] == "warned" and summary["quarantined"] == 1
    result = _results(conn, summary["dq_run_id"])["fetched_at.not_after_landing"]
    assert result[:4] == ("warning", False, 1, 1)
    [entry] = open_entries(conn)
    assert entry["item_key"] == f"raw.articles:{bad}"
    assert entry["reason_code"] == "fetched_at.not_after_landing"
    # Raw is never modified: the row is still there.
    kept = conn.execute("SELECT count(*) FROM raw.articles WHERE raw_article_id = %s", (bad,)).fetchone()[0]
    assert kept == 1

    assert release(conn, entry["quarantine_id"], "checked by hand") is True
    assert open_entries(conn) == []
    # Still failing: the next run puts it back, counting how often it was seen.
    run_suites(db_url, logical_date=DAY, run_id="future-again", docs_root=tmp_path)
    [again] = open_entries(conn)
    assert (again["quarantine_id"], again["times_seen"]) == (entry["quarantine_id"], 2)


def test_a_duplicated_key_is_critical_and_raises_after_recording(conn, db_url, tmp_path: Path) -> None:
    _land_week(conn, "tengri")
    # Simulate a bad bulk load that bypassed the constraint.
    conn.execute("ALTER TABLE raw.articles DROP CONSTRAINT articles_url_fingerprint_content_sha256_key")
    land_raw(conn, url="https://tengri.kz/0/0", source="tengri", text="article 0", fetched_at=NOON)
    with pytest.raises(QualityGateFailed, match=r"raw\.articles:version\.unique") as caught:
        run_suites(db_url, logical_date=DAY, run_id="dup", docs_root=tmp_path)
    summary = caught.value.summary
    assert summary["status"] == "failed" and summary["critical_failures"] == ["raw.articles:version.unique"]
    assert _results(conn, summary["dq_run_id"])["version.unique"][:2] == ("critical", False)
    assert conn.execute("SELECT status FROM ops.dq_runs").fetchone()[0] == "failed"


def test_a_broken_suite_query_is_a_recorded_failure_not_a_silent_pass(conn, db_url, tmp_path: Path) -> None:
    from transforms.quality.spec import parse_suite

    suite = parse_suite({"table": "raw.articles", "key": "raw_article_id", "checks": [
        {"name": "typo", "expression": {"where": "b.no_such_column > 0"}, "severity": "warning"}]})
    summary = run_suites(db_url, logical_date=DAY, run_id="typo", docs_root=tmp_path, suites=[suite])
    assert summary["status"] == "warned"
    details = _results(conn, summary["dq_run_id"])["typo"][4]
    assert "no_such_column" in details["exception"]


def test_suites_whose_table_is_missing_are_skipped_and_reported(conn, db_url, tmp_path: Path) -> None:
    from transforms.quality.spec import parse_suite

    suite = parse_suite({"table": "core.not_there", "key": "id",
                         "checks": [{"name": "id", "not_null": "id"}]})
    summary = run_suites(db_url, logical_date=DAY, run_id="skip", docs_root=tmp_path, suites=[suite])
    assert summary["suites_skipped"] == ["core.not_there"] and summary["expectations"] == 0


def test_a_connection_works_as_well_as_a_url(conn, tmp_path: Path) -> None:
    _land_week(conn, "tengri")
    summary = run_suites(conn, logical_date="2026-03-10", run_id="conn", docs_root=tmp_path)
    assert summary["status"] == "passed"


def test_an_airflow_datetime_logical_date_is_taken_as_its_day(conn, db_url, tmp_path: Path) -> None:
    _land_week(conn, "tengri")
    summary = run_suites(db_url, logical_date=datetime(2026, 3, 10, tzinfo=UTC),
                         run_id="scheduled__2026-03-10T00:00:00+00:00", docs_root=tmp_path)
    assert summary["logical_date"] == "2026-03-10" and summary["status"] == "passed"
    assert Path(summary["data_docs"]).parent.name == "2026-03-10_scheduled__2026-03-10T00_00_00_00_00"
