"""The ``mediamon`` command's own behaviour: clear errors and the crawl wrapper."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from mediamon import cli


def test_unknown_seed_folder_is_a_clear_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["crawl", "seed_files", "--dir", str(tmp_path / "missing")]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.slow
def test_crawl_command_lands_the_seeds_and_prints_the_run(db_url: str, seeds_dir: Path, monkeypatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", db_url)
    assert cli.main(["crawl", "seed_files", "--dir", str(seeds_dir)]) == 0
    assert "seen 5, new 5, quarantined 0, errors 0" in capsys.readouterr().out
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM raw.articles").fetchone()[0] == 5
