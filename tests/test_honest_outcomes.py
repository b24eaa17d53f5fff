"""Outcomes that used to be silent (issue 12, defect 7), on a real PostgreSQL and real processes.

- A 200,000-word article is cut in core: the cut is visible in mart (``mart.article_flags``).
- A stage whose process is killed (``kill -9``) leaves a ``running`` row; the next stage run
  marks it ``abandoned`` — and leaves a stage that is really still running alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psycopg
from helpers_raw import insert_raw

from mediamon import settings
from mediamon.stage_runs import run_stage
from transforms import marts
from transforms.normalize import MAX_TEXT_CHARS, normalize_pending


def test_a_truncated_article_is_flagged_through_to_mart(conn: psycopg.Connection) -> None:
    paragraph = "Казахстан и Китай обсудили торговлю, транзит и инвестиции в регионе. " * 20
    huge = "Огромная статья о Китае\n\n" + "\n\n".join([paragraph] * 1000)  # 200,000 words, 1.4 million characters
    assert len(huge.split()) >= 200_000
    insert_raw(conn, "https://example.kz/huge", huge)
    insert_raw(conn, "https://example.kz/small", "Короткая статья о Китае\n\n" + paragraph)
    normalize_pending(conn)
    marts.refresh(conn, allow_unchecked=True)

    rows = dict(conn.execute(
        "SELECT a.url, f.text_truncated FROM mart.articles AS a JOIN mart.article_flags AS f USING (article_id)"))
    assert rows == {"https://example.kz/huge": True, "https://example.kz/small": False}
    kept = conn.execute("SELECT length(text) FROM core.articles WHERE url = 'https://example.kz/huge'").fetchone()
    assert kept[0] <= MAX_TEXT_CHARS


_STAGE = textwrap.dedent("""
    import sys, time
    from mediamon.stage_runs import run_stage
    def work(conn):
        time.sleep(120)
        return {}
    run_stage(sys.argv[1], "killed_stage", None, work)
""")


def _status(conn: psycopg.Connection, stage: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT status FROM ops.stage_runs WHERE stage = %s ORDER BY stage_run_id",
                                       (stage,))]


def test_a_killed_stage_is_marked_abandoned_by_the_next_run_and_a_live_one_is_not(
        db_url: str, conn: psycopg.Connection) -> None:
    procs = {name: subprocess.Popen([sys.executable, "-c", _STAGE.replace("killed_stage", name), db_url],
                                    cwd=settings.REPO_ROOT)
             for name in ("killed_stage", "live_stage")}
    try:
        deadline = time.monotonic() + 60
        while (not _status(conn, "killed_stage") or not _status(conn, "live_stage")) and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(procs["killed_stage"].pid, signal.SIGKILL)
        procs["killed_stage"].wait(timeout=30)
        time.sleep(0.5)  # the server notices the dead client's socket at once; give it a moment anyway

        assert run_stage(db_url, "next_stage", None, lambda c: {"ok": 1}) == {"ok": 1}

        assert _status(conn, "killed_stage") == ["abandoned"]
        assert _status(conn, "live_stage") == ["running"]
        assert _status(conn, "next_stage") == ["succeeded"]
        error = conn.execute("SELECT error, finished_at IS NOT NULL FROM ops.stage_runs "
                             "WHERE stage = 'killed_stage'").fetchone()
        assert error[0].startswith("abandoned") and error[1]
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
