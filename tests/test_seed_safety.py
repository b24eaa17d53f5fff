"""The seed_files spider reads only regular files inside its folder, and only plain text.

Issue 12, defect 2: ``ln -s /etc/passwd seeds/x.txt`` used to land the password file in raw,
core and ``mart.articles``. Defect 7: a UTF-16 file was quarantined as ``binary``, and a file of
nothing but HTML markup landed as an article. Defect 6: the crawl ran Scrapy's remote-control
server. One real crawl (subprocess) into a real PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from mediamon import settings
from mediamon.crawling import CrawlResult, crawl_run, spider_command

pytestmark = pytest.mark.slow


def test_symlinks_and_special_files_are_quarantined_and_never_read(
        db_url: str, conn: psycopg.Connection, seeds_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("root:x:0:0:root:/root:/bin/bash — секрет, который не должен попасть в raw\n")
    shutil.copy(seeds_dir / "001_053c1dd82f326cc6.txt", folder / "good.txt")
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "secret.txt").symlink_to(outside)
    (folder / "inside_link.txt").symlink_to(folder / "good.txt")  # even a link to a seed is refused
    (folder / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (folder / "folder.txt").mkdir()
    os.mkfifo(folder / "pipe.txt")  # reading it would block the crawl for ever
    russian = (seeds_dir / "003_4a1165688dfc3305.txt").read_text(encoding="utf-8")
    (folder / "utf16.txt").write_bytes(russian.encode("utf-16"))  # with a BOM, as Windows writes it
    (folder / "utf16be.txt").write_bytes(russian.encode("utf-16-be"))  # without one
    (folder / "markup.txt").write_text('<!DOCTYPE html><html><head><meta charset="utf-8"><script>var a = 1;'
                                       '</script></head><body><div class="x"><br/></div></body></html>')

    command = spider_command(db_url, "seed_files", {"directory": str(folder)}, {"LOG_LEVEL": "INFO"})
    completed = subprocess.run(command.argv, cwd=settings.REPO_ROOT, env=command.env, capture_output=True,
                               text=True, timeout=300)
    result = CrawlResult(completed.returncode, crawl_run(db_url, command.run_token))

    assert result.exit_code == 0 and result.run["status"] == "finished"
    landed = dict(conn.execute("SELECT url, encoding FROM raw.articles").fetchall())
    assert landed == {"seed://good.txt": "utf-8", "seed://utf16.txt": "utf-16-le", "seed://utf16be.txt": "utf-16-be"}
    assert conn.execute("SELECT count(DISTINCT text) FROM raw.articles WHERE url LIKE 'seed://utf16%%'"
                        ).fetchone()[0] == 1
    assert conn.execute("SELECT text FROM raw.articles WHERE url = 'seed://utf16be.txt'").fetchone()[0] == russian
    quarantined = {r[0]: r[1:] for r in conn.execute(
        "SELECT item_key, reason_code, reason, content IS NULL FROM ops.quarantine").fetchall()}
    assert {k: v[0] for k, v in quarantined.items()} == {
        "seed://passwd.txt": "symlink", "seed://secret.txt": "symlink", "seed://inside_link.txt": "symlink",
        "seed://dangling.txt": "symlink", "seed://folder.txt": "not_regular_file",
        "seed://pipe.txt": "not_regular_file", "seed://markup.txt": "markup_only"}
    for key in ("seed://passwd.txt", "seed://secret.txt", "seed://pipe.txt"):
        assert quarantined[key][2] is True, f"{key}: refused bytes must not be read into the quarantine"
    assert "/etc/passwd" in quarantined["seed://passwd.txt"][1]
    assert (result.run["items_seen"], result.run["items_new"], result.run["items_quarantined"]) == (10, 3, 7)
    everything = " ".join(str(r) for r in conn.execute("SELECT text FROM raw.articles").fetchall())
    assert "root:" not in everything and "секрет" not in everything

    # Defect 6, same crawl: Scrapy 2.19 starts an HTTP server that runs posted Python code
    # (RemoteControl) in every crawl unless told not to; the telnet console is the older way in.
    enabled = completed.stderr.split("Enabled extensions:", 1)[1].split("]", 1)[0]
    assert "CrawlRunRecorder" in enabled
    assert "RemoteControl" not in enabled and "TelnetConsole" not in enabled

