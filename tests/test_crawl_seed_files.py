"""The seed_files spider, really crawled in a subprocess into a real PostgreSQL database."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from mediamon.crawling import run_spider

pytestmark = pytest.mark.slow


def crawl(db_url: str, directory: Path, **settings: str):
    return run_spider(db_url, "seed_files", {"directory": str(directory)},
                      {"LOG_LEVEL": "WARNING", **settings})


def test_seed_articles_land_once_and_a_second_crawl_adds_nothing(db_url: str, seeds_dir: Path,
                                                                  conn: psycopg.Connection) -> None:
    first = crawl(db_url, seeds_dir)
    assert first.exit_code == 0
    assert first.run["status"] == "finished"
    assert (first.run["items_seen"], first.run["items_new"], first.run["items_quarantined"]) == (5, 5, 0)

    rows = conn.execute("SELECT url, source, spider, encoding, text, content, content_sha256 "
                        "FROM raw.articles ORDER BY url").fetchall()
    assert [r[0] for r in rows] == [f"seed://{p.name}" for p in sorted(seeds_dir.glob("*.txt"))]
    for (_url, source, spider, encoding, text, content, _sha), path in zip(rows, sorted(seeds_dir.glob("*.txt")),
                                                                     strict=True):
        assert (source, spider, encoding) == ("seeds", "seed_files", "utf-8")
        assert bytes(content) == path.read_bytes()  # raw keeps the bytes untouched
        assert text == path.read_text(encoding="utf-8")

    second = crawl(db_url, seeds_dir)
    assert (second.run["items_seen"], second.run["items_new"]) == (5, 0)
    assert conn.execute("SELECT count(*) FROM raw.articles").fetchone()[0] == 5
    runs = conn.execute("SELECT spider, status, items_seen, items_new, errors, finished_at IS NOT NULL "
                        "FROM ops.crawl_runs ORDER BY crawl_run_id").fetchall()
    assert runs == [("seed_files", "finished", 5, 5, 0, True), ("seed_files", "finished", 5, 0, 0, True)]


def test_bad_files_are_quarantined_with_their_reason_and_the_crawl_goes_on(
        db_url: str, seeds_dir: Path, tmp_path: Path, conn: psycopg.Connection) -> None:
    shutil.copy(seeds_dir / "001_053c1dd82f326cc6.txt", tmp_path / "good_utf8.txt")
    russian = (seeds_dir / "003_4a1165688dfc3305.txt").read_text(encoding="utf-8")
    (tmp_path / "good_cp1251.txt").write_bytes(russian.encode("cp1251"))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)
    (tmp_path / "latin1.txt").write_bytes("Déjà vu: café, naïveté, résumé.".encode("latin-1"))
    (tmp_path / "huge.txt").write_bytes(("Текст. " * 2000).encode("utf-8"))

    result = crawl(db_url, tmp_path, MEDIAMON_MAX_ARTICLE_BYTES="10000")

    assert result.exit_code == 0 and result.run["status"] == "finished"
    assert (result.run["items_seen"], result.run["items_new"], result.run["items_quarantined"]) == (6, 2, 4)
    landed = dict(conn.execute("SELECT url, encoding FROM raw.articles").fetchall())
    assert landed == {"seed://good_utf8.txt": "utf-8", "seed://good_cp1251.txt": "cp1251"}
    text = conn.execute("SELECT text FROM raw.articles WHERE url = 'seed://good_cp1251.txt'").fetchone()[0]
    assert text == russian  # decoded, never mojibake

    quarantined = {row[0]: row[1:] for row in conn.execute(
        "SELECT item_key, stage, reason_code, reason, content IS NOT NULL, content_path, crawl_run_id "
        "FROM ops.quarantine").fetchall()}
    assert {k: v[1] for k, v in quarantined.items()} == {
        "seed://empty.txt": "empty", "seed://binary.txt": "binary",
        "seed://latin1.txt": "not_utf8", "seed://huge.txt": "too_large"}
    assert all(v[0] == "crawl" and v[2] and v[5] == result.run["crawl_run_id"] for v in quarantined.values())
    assert quarantined["seed://binary.txt"][3] is True  # the bytes are kept for diagnosis
    assert quarantined["seed://huge.txt"][4] == str(tmp_path / "huge.txt")  # too big to keep: a path

    again = crawl(db_url, tmp_path, MEDIAMON_MAX_ARTICLE_BYTES="10000")
    assert again.run["items_quarantined"] == 4
    assert conn.execute("SELECT count(*), min(times_seen) FROM ops.quarantine").fetchone() == (4, 2)


def test_missing_seed_directory_fails_the_crawl_run(db_url: str, tmp_path: Path) -> None:
    result = crawl(db_url, tmp_path / "nope")
    assert result.run["status"] == "failed"
    assert result.run["stats"]["finish_reason"] == "start_error"
    assert result.run["errors"] >= 1
