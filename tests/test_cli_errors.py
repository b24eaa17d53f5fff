"""Every user mistake ends in one line ``mediamon: error: …`` with what to do, and a non-zero exit;
``mediamon crawl`` fails on the DAG's error threshold; the quarantine listing shows every stage;
a feed on a registered outlet's domain is filed under that outlet. Real crawls of the fixture site,
the real ``mediamon`` command in a subprocess where the output as a user sees it matters."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fixture_site import FixtureServer

from mediamon import cli, settings
from transforms import sources


def mediamon(*args: str, **env: str) -> subprocess.CompletedProcess:
    """The installed ``mediamon`` command, as a user runs it."""
    return subprocess.run([str(Path(sys.executable).with_name("mediamon")), *args], cwd=settings.REPO_ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=300)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in result.stderr.splitlines() if not line.startswith("mediamon: using embedded")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mediamon: error: "), lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def fixture_server() -> Iterator[FixtureServer]:
    with FixtureServer() as server:
        yield server


def test_an_unknown_outlet_is_one_line_naming_the_known_ones(db_url):
    result = mediamon("crawl", "--source", "nosuchoutlet", MEDIAMON_DATABASE_URL=db_url)
    line = one_error_line(result)
    assert result.returncode == 2
    assert "nosuchoutlet" in line and "tengrinews" in line and "mediamon sources list" in line
    assert result.stdout == ""


def test_an_impossible_day_is_one_line_with_the_expected_format():
    result = mediamon("airflow", "run", "--day", "2025-02-30")
    line = one_error_line(result)
    assert result.returncode == 2
    assert "'2025-02-30' is not a date like 2025-08-30" in line and "--help" in line


def test_an_unreachable_external_database_is_one_line_saying_what_to_check():
    # Nothing listens on port 1 of 127.0.0.1: connection refused, at once.
    result = mediamon("db", "migrate", MEDIAMON_DATABASE_URL="postgresql://nobody@127.0.0.1:1/mediamon")
    line = one_error_line(result)
    assert result.returncode == 2
    assert "MEDIAMON_DATABASE_URL" in line and "127.0.0.1" in line
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_crawl_fails_on_the_dags_error_threshold_and_the_listing_shows_its_quarantine(
        db_url, fixture_server, monkeypatch, capsys):
    """zakon_kz serves the bad cases: 5 errors in 11 attempts, above the 20% the DAG fails on."""
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", db_url)
    monkeypatch.setenv("MEDIAMON_PROGRESS_INTERVAL_S", "0.5")
    code = cli.main(["crawl", "--source", "zakon_kz", "--base-url", fixture_server.base_url + "/{source}/"])
    captured = capsys.readouterr()
    assert code == 1
    assert "is above the threshold of 20%" in captured.err
    assert "mediamon: error: crawl run" in captured.err
    assert "progress: " in captured.err  # the progress extension's lines, not Scrapy's banner
    assert "Scrapy" not in captured.err and "Overridden settings" not in captured.err
    with psycopg.connect(db_url) as conn:
        open_stages = {s for (s,) in conn.execute(
            "SELECT DISTINCT stage FROM ops.quarantine WHERE released_at IS NULL")}
    assert open_stages == {"crawl"}
    assert cli.main(["quality", "quarantine"]) == 0
    listing = capsys.readouterr().out.splitlines()
    with psycopg.connect(db_url) as conn:
        total = conn.execute("SELECT count(*) FROM ops.quarantine WHERE released_at IS NULL").fetchone()[0]
    assert total > 0 and len(listing) == total + 1
    assert all(" crawl " in line for line in listing[:-1])
    assert listing[-1] == f"{total} open rows in quarantine (crawl {total})"


def test_a_feed_on_an_outlets_mirror_folder_is_filed_under_that_outlet(db_url, fixture_server, monkeypatch):
    monkeypatch.setenv("MEDIAMON_DATABASE_URL", db_url)
    feed = fixture_server.base_url + "/egemen/rss"
    assert cli.main(["crawl", "--feed", feed, "--base-url", fixture_server.base_url + "/{source}/"]) == 0
    with psycopg.connect(db_url) as conn:
        landed = {s for (s,) in conn.execute("SELECT DISTINCT source FROM raw.articles")}
        [(source,)] = conn.execute("SELECT source FROM ops.crawl_runs").fetchall()
    assert landed == {"egemen"} and source == "egemen"


def test_a_url_on_a_registered_domain_belongs_to_that_outlet():
    registry = sources.load_registry()
    assert sources.owner_of("https://www.vz.ru/rss.xml", registry).name == "vz_ru"
    assert sources.owner_of("https://tengrinews.kz/news.rss", registry).name == "tengrinews"
    assert sources.owner_of("https://example.org/rss", registry) is None
    mirrored = sources.owner_of("http://127.0.0.1:9/kazinform/rss", registry, "http://127.0.0.1:9/{source}/")
    assert mirrored.name == "kazinform" and mirrored.allows_host("127.0.0.1")
