"""Analysts' entity corrections (schema ``analyst``), applied on every run.

Analysts cannot write ``core``; they record edits in ``analyst.alias_edits`` and
``analyst.entity_edits`` (who and when are filled by the database). Every entity run and every
``--relink`` replays them over whatever the seed files just loaded, so an edit is never undone by
a seed file, a re-run or a re-link:

- alias ``add``: the name means the entity (an ``analyst`` alias, which wins over seed aliases);
  a new ``entity_key`` with ``type`` and ``canonical_name`` creates an analyst entity;
- alias ``remove``: the name no longer means the entity, even when a seed file says it does;
- entity ``split``: the alias moves from the entity to a new analyst entity (remove + add);
- entity ``merge``: links to ``entity_key`` are redirected to ``into_entity_key``
  (``AliasIndex.redirects``), for auto entities too, whose keys come from the text.

For one (alias, entity) pair the latest edit wins, whichever table it is in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import psycopg

from transforms.entities.linking import alias_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AliasEdit:
    """One add/remove of a name for an entity, from either analyst table."""

    edited_at: datetime
    order: tuple[int, int]
    action: str  # add | remove
    alias: str
    entity_key: str
    type: str | None = None
    canonical_name: str | None = None


def effective_alias_edits(edits: list[AliasEdit]) -> list[AliasEdit]:
    """The latest edit per (alias key, entity key), in edit order: what the alias table must show."""
    latest: dict[tuple[str, str], AliasEdit] = {}
    for edit in sorted(edits, key=lambda e: (e.edited_at, e.order)):
        latest[(alias_key(edit.alias), edit.entity_key)] = edit
    return sorted(latest.values(), key=lambda e: (e.edited_at, e.order))


def resolve_redirects(merges: list[tuple[str, str]]) -> dict[str, str]:
    """entity key -> the key it finally merges into, following chains (a→b, b→c gives a→c); a
    merge that would close a cycle is ignored (the later edit loses)."""
    target: dict[str, str] = {}

    def final(key: str) -> str:
        seen = set()
        while key in target and key not in seen:
            seen.add(key)
            key = target[key]
        return key

    for source, into in merges:
        if final(into) == source:
            log.warning("analyst merge %s -> %s would close a cycle; ignored", source, into)
            continue
        target[source] = into
    return {key: final(key) for key in target}


def read_alias_edits(conn: psycopg.Connection) -> list[AliasEdit]:
    rows = conn.execute("SELECT edit_id, edited_at, action, alias, entity_key, type, canonical_name "
                        "FROM analyst.alias_edits").fetchall()
    edits = [AliasEdit(at, (0, edit_id), action, alias, key, type_, name)
             for edit_id, at, action, alias, key, type_, name in rows]
    for edit_id, at, key, alias, new_key, name in conn.execute(
            "SELECT edit_id, edited_at, entity_key, alias, new_entity_key, canonical_name "
            "FROM analyst.entity_edits WHERE action = 'split'"):
        edits.append(AliasEdit(at, (1, edit_id), "remove", alias, key))
        edits.append(AliasEdit(at, (1, edit_id), "add", alias, new_key, None, name or alias))
    return edits


def read_redirects(conn: psycopg.Connection) -> dict[str, str]:
    return resolve_redirects([(a, b) for a, b in conn.execute(
        "SELECT entity_key, into_entity_key FROM analyst.entity_edits WHERE action = 'merge' "
        "ORDER BY edited_at, edit_id")])


def apply_alias_edits(conn: psycopg.Connection) -> dict[str, int]:
    """Replay analyst alias edits (and splits) onto core.entities / core.entity_aliases.

    Run right after the seed files are loaded, in the same transaction, so a seed alias an analyst
    removed never shows. Idempotent. An edit naming an unknown entity without type and canonical
    name is skipped with a warning (there is nothing to attach the name to).
    """
    counts = {"added": 0, "removed": 0, "skipped": 0}
    with conn.transaction():
        for edit in effective_alias_edits(read_alias_edits(conn)):
            row = conn.execute("SELECT entity_id, type FROM core.entities WHERE entity_key = %s",
                               (edit.entity_key,)).fetchone()
            if edit.action == "remove":
                if row is not None:
                    for alias_id, alias in conn.execute(
                            "SELECT alias_id, alias FROM core.entity_aliases WHERE entity_id = %s",
                            (row[0],)).fetchall():
                        if alias_key(alias) == alias_key(edit.alias):
                            conn.execute("DELETE FROM core.entity_aliases WHERE alias_id = %s", (alias_id,))
                            counts["removed"] += 1
                continue
            if row is None:
                type_ = edit.type or _type_of_split_source(conn, edit)
                if type_ is None:
                    log.warning("analyst alias %r -> %s: unknown entity and no type; skipped",
                                edit.alias, edit.entity_key)
                    counts["skipped"] += 1
                    continue
                row = conn.execute(
                    """
                    INSERT INTO core.entities (entity_key, canonical_name, type, origin)
                    VALUES (%s, %s, %s, 'analyst')
                    ON CONFLICT (entity_key) DO UPDATE SET entity_key = excluded.entity_key
                    RETURNING entity_id, type
                    """, (edit.entity_key, edit.canonical_name or edit.alias, type_)).fetchone()
            added = conn.execute(
                """
                INSERT INTO core.entity_aliases (alias, entity_id, type, origin) VALUES (%s, %s, %s, 'analyst')
                ON CONFLICT (alias, entity_id) DO UPDATE SET origin = 'analyst'
                WHERE core.entity_aliases.origin <> 'analyst'
                """, (edit.alias, row[0], row[1])).rowcount
            counts["added"] += added
    return counts


def _type_of_split_source(conn: psycopg.Connection, edit: AliasEdit) -> str | None:
    """A split's new entity has the type of the entity it is split from."""
    row = conn.execute(
        """
        SELECT e.type FROM analyst.entity_edits x JOIN core.entities e ON e.entity_key = x.entity_key
        WHERE x.action = 'split' AND x.new_entity_key = %s ORDER BY x.edit_id DESC LIMIT 1
        """, (edit.entity_key,)).fetchone()
    return row[0] if row else None


# --- recording edits (what `mediamon aliases` / `mediamon entities merge|split` write) -------------

def record_alias_edit(conn: psycopg.Connection, action: str, alias: str, entity_key: str, *,
                      type_: str | None = None, canonical_name: str | None = None,
                      note: str | None = None) -> int:
    """Insert one alias edit as the connected user; returns its edit_id. Refuses an unknown entity
    without a type (the database would have nothing to attach the name to)."""
    if action == "add" and type_ is None and not _entity_exists(conn, entity_key):
        raise ValueError(f"no entity {entity_key!r}: give --type (and --canonical) to create it")
    if action == "remove" and not _alias_exists(conn, alias, entity_key):
        raise ValueError(f"entity {entity_key!r} has no alias {alias!r}")
    return conn.execute(
        "INSERT INTO analyst.alias_edits (action, alias, entity_key, type, canonical_name, note) "
        "VALUES (%s, %s, %s, %s, %s, %s) RETURNING edit_id",
        (action, alias, entity_key, type_, canonical_name, note)).fetchone()[0]


def record_entity_merge(conn: psycopg.Connection, entity_key: str, into_entity_key: str, *,
                        note: str | None = None) -> int:
    for key in (entity_key, into_entity_key):
        if not _entity_exists(conn, key):
            raise ValueError(f"no entity {key!r}")
    if entity_key == into_entity_key:
        raise ValueError("an entity cannot be merged into itself")
    return conn.execute(
        "INSERT INTO analyst.entity_edits (action, entity_key, into_entity_key, note) "
        "VALUES ('merge', %s, %s, %s) RETURNING edit_id", (entity_key, into_entity_key, note)).fetchone()[0]


def record_entity_split(conn: psycopg.Connection, entity_key: str, alias: str, new_entity_key: str, *,
                        canonical_name: str | None = None, note: str | None = None) -> int:
    if not _entity_exists(conn, entity_key):
        raise ValueError(f"no entity {entity_key!r}")
    if _entity_exists(conn, new_entity_key):
        raise ValueError(f"entity {new_entity_key!r} exists already: use `mediamon aliases add` instead")
    return conn.execute(
        "INSERT INTO analyst.entity_edits (action, entity_key, alias, new_entity_key, canonical_name, note) "
        "VALUES ('split', %s, %s, %s, %s, %s) RETURNING edit_id",
        (entity_key, alias, new_entity_key, canonical_name, note)).fetchone()[0]


def list_aliases(conn: psycopg.Connection, entity_key: str | None = None) -> list[tuple]:
    """(entity_key, alias, origin, last analyst edit: who, when) of seed and analyst aliases."""
    return conn.execute(
        """
        SELECT e.entity_key, a.alias, a.origin,
               (SELECT x.edited_by || ' ' || to_char(x.edited_at, 'YYYY-MM-DD HH24:MI') FROM analyst.alias_edits x
                WHERE x.entity_key = e.entity_key AND x.alias = a.alias ORDER BY x.edit_id DESC LIMIT 1)
        FROM core.entity_aliases a JOIN core.entities e USING (entity_id)
        WHERE a.origin <> 'auto' AND (%(key)s::text IS NULL OR e.entity_key = %(key)s)
        ORDER BY e.entity_key, a.alias
        """, {"key": entity_key}).fetchall()


def _entity_exists(conn: psycopg.Connection, key: str) -> bool:
    return conn.execute("SELECT 1 FROM core.entities WHERE entity_key = %s", (key,)).fetchone() is not None


def _alias_exists(conn: psycopg.Connection, alias: str, key: str) -> bool:
    rows = conn.execute("SELECT a.alias FROM core.entity_aliases a JOIN core.entities e USING (entity_id) "
                        "WHERE e.entity_key = %s", (key,)).fetchall()
    return any(alias_key(row[0]) == alias_key(alias) for row in rows)
