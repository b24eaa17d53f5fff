"""Rows that fail row-level checks: set aside in ``ops.quarantine`` (stage ``quality``), released back.

Nothing is deleted or edited: a quarantined row stays in its table, and the marts leave it out by
joining ``ops.quality_quarantined_rows``. A row leaves quarantine in one of two ways:

* it is fixed (re-normalized, corrected) and the next quality run finds it passing: the run releases
  it with a note saying which run saw it pass;
* an operator releases it by hand (``mediamon quality release ID``) — if it still fails, the next
  run puts it back, counting ``times_seen`` up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import psycopg

from transforms.quarantine import Rejection, quarantine

STAGE = "quality"


def row_key(row: Mapping[str, Any], key: Sequence[str]) -> str:
    """The text key of a row: its key columns' values joined with ``|``."""
    return "|".join(str(row[column]) for column in key)


def item_key(table: str, key_text: str) -> str:
    return f"{table}:{key_text}"


def quarantine_rows(conn: psycopg.Connection, *, table: str, key: Sequence[str], check_name: str,
                    reason: str, rows: Iterable[Mapping[str, Any]], details: Mapping[str, Any]) -> list[str]:
    """Upsert one quarantine entry per failing row; a released entry that fails again is re-opened.

    Returns the item keys now quarantined for this check.
    """
    keys: list[str] = []
    rejections: list[Rejection] = []
    for row in rows:
        key_text = item_key(table, row_key(row, key))
        keys.append(key_text)
        rejections.append(Rejection(stage=STAGE, item_key=key_text, code=check_name, reason=reason,
                                    details={**details, "row": dict(row)}))
    quarantine(conn, rejections)
    return keys


def release_passing(conn: psycopg.Connection, *, table: str, check_name: str, still_failing: Sequence[str],
                    note: str) -> int:
    """Release this check's open entries on ``table`` whose rows no longer fail; return how many."""
    cursor = conn.execute(
        """
        UPDATE ops.quarantine SET released_at = now(), released_note = %s
        WHERE stage = %s AND reason_code = %s AND item_key LIKE %s AND released_at IS NULL
          AND NOT (item_key = ANY(%s))
        """,
        (note, STAGE, check_name, table.replace("_", r"\_") + ":%", list(still_failing)),
    )
    return cursor.rowcount


def release(conn: psycopg.Connection, quarantine_id: int, note: str) -> bool:
    """Release one quality quarantine entry by hand; False when there is no such open entry."""
    cursor = conn.execute(
        """
        UPDATE ops.quarantine SET released_at = now(), released_note = %s
        WHERE quarantine_id = %s AND stage = %s AND released_at IS NULL
        """,
        (note, quarantine_id, STAGE),
    )
    return cursor.rowcount == 1


def open_entries(conn: psycopg.Connection) -> list[dict[str, Any]]:
    """The quality stage's open quarantine entries, oldest first."""
    cursor = conn.execute(
        """
        SELECT quarantine_id, item_key, reason_code, reason, times_seen, first_seen_at, last_seen_at
        FROM ops.quarantine WHERE stage = %s AND released_at IS NULL ORDER BY quarantine_id
        """,
        (STAGE,),
    )
    columns = [c.name for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
