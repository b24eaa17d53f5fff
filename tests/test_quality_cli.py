"""``mediamon quality``: a run prints its outcome and Data Docs path; release works by id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers_quality import land_raw

from mediamon import cli


@pytest.fixture()
def env(db_url: str, tmp_path: Path, monkeypatch) -> str:
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", db_url)
    monkeypatch.setenv("MEDIAMON_LOCAL_DIR", str(tmp_path))
    return db_url


def test_quality_run_prints_the_outcome_and_the_data_docs_path(env, conn, tmp_path: Path, capsys) -> None:
    land_raw(conn, url="https://tengri.kz/1", source="tengri", text="x", fetched_at=datetime(2026, 3, 10, tzinfo=UTC))
    assert cli.main(["quality", "run", "--date", "2026-03-10", "--run-id", "cli"]) == 0
    out = capsys.readouterr().out
    assert "quality PASSED for 2026-03-10 (run cli)" in out
    docs = Path(out.split("Data Docs: ")[1].strip())
    assert docs.is_file() and docs.is_relative_to(tmp_path)
    assert cli.main(["quality", "status"]) == 0
    assert "ok   critical raw.articles:version.unique" in capsys.readouterr().out


def test_quality_run_exits_non_zero_on_a_critical_failure(env, conn, capsys) -> None:
    conn.execute("ALTER TABLE raw.articles DROP CONSTRAINT articles_url_fingerprint_content_sha256_key")
    for _ in range(2):
        land_raw(conn, url="https://tengri.kz/1", source="tengri", text="x", fetched_at=datetime.now(UTC))
    assert cli.main(["quality", "run"]) == 1
    assert "CRITICAL raw.articles:version.unique" in capsys.readouterr().out


def test_release_by_id(env, conn, capsys) -> None:
    land_raw(conn, url="https://tengri.kz/f", source="tengri", text="x",
             fetched_at=datetime.now(UTC) + timedelta(days=30), landed_at=datetime.now(UTC))
    cli.main(["quality", "run"])
    capsys.readouterr()
    assert cli.main(["quality", "quarantine"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "raw.articles:" in x)
    quarantine_id = line.split()[0]
    assert cli.main(["quality", "release", quarantine_id, "--note", "checked"]) == 0
    assert cli.main(["quality", "release", quarantine_id, "--note", "again"]) == 2
    assert "no open quality quarantine entry" in capsys.readouterr().err
