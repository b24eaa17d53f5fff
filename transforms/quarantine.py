"""``ops.quarantine``: the one place every stage sets bad input aside, with its reason.

Nothing is dropped: crawl, normalize, entities and quality all record refused items through
:func:`quarantine`, one row per (stage, item, reason, content). Seeing the same item again bumps
``times_seen``; seeing it again after an operator released it puts it back in quarantine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg


@dataclass
class Rejection:
    """Input refused at a stage, with everything needed to understand and release it later."""

    stage: str
    item_key: str
    code: str
    reason: str
    content: bytes | None = None
    content_path: str | None = None
    details: dict[str, object] = field(default_factory=dict)
    #: SHA-256 of the refused bytes; computed from ``content`` when not given.
    sha256: str | None = None

    @property
    def content_sha256(self) -> str | None:
        if self.sha256 is not None:
            return self.sha256
        return hashlib.sha256(self.content).hexdigest() if self.content is not None else None


_UPSERT_QUARANTINE = """
INSERT INTO ops.quarantine (stage, item_key, reason_code, reason, content, content_path,
                            content_sha256, details, crawl_run_id)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (stage, item_key, reason_code, coalesce(content_sha256, '')) DO UPDATE
SET last_seen_at = now(), times_seen = ops.quarantine.times_seen + 1,
    crawl_run_id = coalesce(EXCLUDED.crawl_run_id, ops.quarantine.crawl_run_id),
    reason = EXCLUDED.reason, details = EXCLUDED.details,
    released_at = NULL, released_note = NULL
"""


def quarantine(conn: psycopg.Connection, rejections: Iterable[Rejection], crawl_run_id: int | None = None) -> int:
    """Record refused inputs in ``ops.quarantine``; return how many were recorded."""
    rows = [
        (r.stage, r.item_key, r.code, r.reason, r.content, r.content_path, r.content_sha256,
         json.dumps(r.details, default=str), crawl_run_id)
        for r in rejections
    ]
    if rows:
        with conn.cursor() as cur:
            cur.executemany(_UPSERT_QUARANTINE, rows)
    return len(rows)


def open_rows(conn: psycopg.Connection, stage: str | None = None) -> list[dict[str, Any]]:
    """Every open (not released) quarantine row, of every stage unless ``stage`` is given, oldest first.

    The one listing operators need: crawl, normalize, entities and quality all set rows aside here.
    """
    cursor = conn.execute(
        """
        SELECT quarantine_id, stage, item_key, reason_code, reason, times_seen, first_seen_at, last_seen_at,
               crawl_run_id
        FROM ops.quarantine WHERE released_at IS NULL AND (%(stage)s::text IS NULL OR stage = %(stage)s)
        ORDER BY quarantine_id
        """,
        {"stage": stage},
    )
    columns = [c.name for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
