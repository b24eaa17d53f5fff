"""``mediamon run`` (the pipeline without Airflow) runs the follow step the DAG runs: watchlist
matches and alerts of the day, then delivery — the same functions (transforms.follow.daily)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import psycopg
import pytest

from mediamon import cli
from mediamon.commands.run import default_day
from transforms.follow import daily


def test_the_default_day_is_yesterday_in_almaty_as_the_dags() -> None:
    assert default_day(datetime(2025, 9, 1, 20, 0, tzinfo=UTC)) == date(2025, 9, 1)  # 01:00 on 2 Sep in Almaty
    assert default_day(datetime(2025, 9, 1, 18, 0, tzinfo=UTC)) == date(2025, 8, 31)


@pytest.mark.slow
@pytest.mark.extended  # a whole pipeline run (~60 s): `make test-extended` and CI run it
def test_mediamon_run_records_watchlist_matches_and_alerts_once(db_url: str, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", db_url)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("INSERT INTO analyst.watchlists (name, query) VALUES ('tokayev', 'Токаев')")
    assert cli.main(["run", "--day", "2025-08-31"]) == 0
    out = capsys.readouterr().out
    with psycopg.connect(db_url) as conn:
        matches = conn.execute("SELECT count(*) FROM mart.watch_matches WHERE run_day = '2025-08-31'").fetchone()[0]
    assert matches >= 2  # the seeds of 29–31 August naming Tokayev (watch window: 3 days)
    assert f"watchlists: {matches} new matches (1 watchlists)" in out
    assert "alerts 2025-08-31: entity " in out and "notify: email off, webhook off" in out

    with psycopg.connect(db_url, autocommit=True) as conn:  # the step run again records nothing new
        assert daily.detect(conn, date(2025, 8, 31))["watchlists"]["new_matches"] == 0
