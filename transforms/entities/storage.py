"""Reading core.articles and writing the entity tables; the stage API the DAG calls.

- ``pending_article_ids(conn)``: articles never processed, or processed from another text or by
  another extractor version.
- ``extract_pending(conn, article_ids=None)``: NER + linking + facts + quotes for those articles;
  an article's old rows are replaced in one transaction, so re-running changes nothing.
- ``relink(conn)``: re-link stored mentions with the current alias table (after analysts add
  aliases), reading only stored surfaces and normal forms: no NER.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import psycopg

from transforms.entities.edits import apply_alias_edits, read_redirects
from transforms.entities.linking import (
    Alias,
    AliasIndex,
    Entity,
    canonical_rank,
    default_alias_files,
    default_lemmatize,
    link_spans,
    read_alias_file,
    read_alias_files,
)
from transforms.entities.model import Analysis, Span
from transforms.entities.pipeline import EXTRACTOR_VERSION, analyze_many
from transforms.progress import Progress
from transforms.quarantine import Rejection, quarantine

log = logging.getLogger(__name__)

STAGE = "entities"
BATCH_SIZE = 200
#: Articles analysed between two progress checks (about 1-2 s of NER with syntax).
PROGRESS_SLICE = 25
# Refusals that mean the input is bad (quarantined). not_russian and no_cyrillic (a text in Latin
# letters) are normal outcomes, only recorded: such texts still get alias-table mentions.
QUARANTINED_REASONS = frozenset({"empty", "too_large", "garbage"})


def pending_article_ids(conn: psycopg.Connection) -> list[int]:
    """Articles the current extractor has not processed in their current text, oldest id first."""
    rows = conn.execute(
        """
        SELECT a.article_id
        FROM core.articles a
        LEFT JOIN core.entity_runs r ON r.article_id = a.article_id
        WHERE r.article_id IS NULL OR r.extractor_version <> %s OR r.text_sha256 <> a.text_sha256
        ORDER BY a.article_id
        """, (EXTRACTOR_VERSION,)).fetchall()
    return [row[0] for row in rows]


def load_seed_aliases(conn: psycopg.Connection, path: Path | None = None) -> int:
    """Upsert the seed alias file into core.entities/core.entity_aliases; returns aliases added.

    Seed rows are refreshed (canonical name, type); analyst and auto rows are never touched.
    """
    entities, aliases = read_alias_file(path) if path else read_alias_files(default_alias_files())
    # One row per key (the last wins), in entity_key order: the order _entity_ids locks rows in, so a
    # seed upsert running beside another batch's transaction cannot deadlock with it.
    entities = sorted({entity.entity_key: entity for entity in entities}.values(), key=lambda e: e.entity_key)
    # Two statements, not one per entity and alias (736 round trips, repeated by every mapped batch
    # of the day); aliases in file order (WITH ORDINALITY): alias_id order decides the index's
    # first-come tables.
    with conn.transaction():
        conn.execute(
            """
            INSERT INTO core.entities (entity_key, canonical_name, type, origin, wikidata_qid, wikidata_source)
            SELECT q.entity_key, q.canonical_name, q.type, 'seed', q.wikidata_qid, q.wikidata_source
            FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[]) WITH ORDINALITY
                 AS q(entity_key, canonical_name, type, wikidata_qid, wikidata_source, n)
            ORDER BY q.n
            ON CONFLICT (entity_key) DO UPDATE
            SET canonical_name = excluded.canonical_name, type = excluded.type,
                wikidata_qid = excluded.wikidata_qid, wikidata_source = excluded.wikidata_source
            WHERE core.entities.origin = 'seed'
              AND (core.entities.canonical_name, core.entities.type, core.entities.wikidata_qid,
                   core.entities.wikidata_source) IS DISTINCT FROM
                  (excluded.canonical_name, excluded.type, excluded.wikidata_qid, excluded.wikidata_source)
            """, ([e.entity_key for e in entities], [e.canonical_name for e in entities], [e.type for e in entities],
                  [e.wikidata_qid for e in entities], [e.wikidata_source for e in entities]))
        added = conn.execute(
            """
            INSERT INTO core.entity_aliases (alias, entity_id, type, origin)
            SELECT q.alias, e.entity_id, q.type, 'seed'
            FROM unnest(%s::text[], %s::text[], %s::text[]) WITH ORDINALITY AS q(alias, type, entity_key, n)
            JOIN core.entities e ON e.entity_key = q.entity_key
            ORDER BY q.n
            ON CONFLICT (alias, entity_id) DO NOTHING
            """, ([a.alias for a in aliases], [a.type for a in aliases], [a.entity_key for a in aliases])).rowcount
    return added


def load_index(conn: psycopg.Connection) -> AliasIndex:
    """The alias index as the database has it now (analyst + seed aliases; analyst merges as
    redirects). Analyst aliases come first, so they also win the first-come tables (stems, near
    spellings)."""
    entities = [Entity(*row) for row in conn.execute(
        "SELECT entity_key, canonical_name, type, wikidata_qid, wikidata_source FROM core.entities")]
    aliases = [Alias(*row) for row in conn.execute(
        """
        SELECT a.alias, e.entity_key, a.type, a.origin
        FROM core.entity_aliases a JOIN core.entities e USING (entity_id)
        ORDER BY CASE a.origin WHEN 'analyst' THEN 0 WHEN 'seed' THEN 1 ELSE 2 END, a.alias_id
        """)]
    index = AliasIndex.build(entities, aliases, default_lemmatize)
    index.redirects = {key: into for key, into in read_redirects(conn).items() if into in index.entities
                       or into.startswith("auto:")}
    return index


def _entity_ids(conn: psycopg.Connection, spans: Iterable[Span]) -> dict[str, int]:
    """entity_id for each span's entity key, creating auto entities (and their own-name alias) when
    new. Works from the spans alone because auto entities may have been made in a worker process.

    Safe for concurrent batches (the DAG's mapped entity tasks): an existing auto entity takes the
    better name by ``canonical_rank`` under its row lock, so its canonical name is the best over
    every batch whatever their order; keys are locked in sorted order, and callers pass a whole
    transaction's spans at once, so two batches cannot deadlock on each other's entities.
    """
    best: dict[str, Entity] = {}
    for span in spans:
        if not span.entity_key:
            continue
        for name in (span.canonical, span.normal or span.text):
            if not name:
                continue
            held = best.get(span.entity_key)
            if held is None or canonical_rank(name, default_lemmatize) < canonical_rank(held.canonical_name,
                                                                                          default_lemmatize):
                best[span.entity_key] = Entity(span.entity_key, name, held.type if held else span.type)
    if not best:
        return {}
    keys = sorted(best)
    # One statement for the whole batch (was one round trip per entity, three for a new auto one):
    # rows are inserted, or locked by the no-op update, in the order of ``keys`` (WITH ORDINALITY),
    # so the sorted-order locking that keeps concurrent batches from deadlocking still holds.
    rows = conn.execute(
        """
        INSERT INTO core.entities (entity_key, canonical_name, type, origin)
        SELECT q.entity_key, q.canonical_name, q.type, 'auto'
        FROM unnest(%s::text[], %s::text[], %s::text[]) WITH ORDINALITY AS q(entity_key, canonical_name, type, n)
        ORDER BY q.n
        ON CONFLICT (entity_key) DO UPDATE SET entity_key = excluded.entity_key
        RETURNING entity_key, entity_id, canonical_name, origin
        """, (keys, [best[k].canonical_name for k in keys], [best[k].type for k in keys])).fetchall()
    ids = {key: entity_id for key, entity_id, _, _ in rows}
    renamed: list[tuple[int, str]] = []
    auto: list[tuple[int, str, str]] = []
    for key, entity_id, canonical, origin in sorted(rows):
        if origin != "auto":
            continue
        entity = best[key]
        if canonical_rank(entity.canonical_name, default_lemmatize) < canonical_rank(canonical, default_lemmatize):
            renamed.append((entity_id, entity.canonical_name))
        auto.append((entity_id, entity.canonical_name, entity.type))
    if renamed:  # rows locked by the insert above
        conn.execute(
            "UPDATE core.entities e SET canonical_name = u.name"
            " FROM unnest(%s::bigint[], %s::text[]) AS u(entity_id, name) WHERE e.entity_id = u.entity_id",
            ([r[0] for r in renamed], [r[1] for r in renamed]))
    if auto:
        conn.execute(
            """
            INSERT INTO core.entity_aliases (alias, entity_id, type, origin)
            SELECT u.alias, u.entity_id, u.type, 'auto'
            FROM unnest(%s::text[], %s::bigint[], %s::text[]) WITH ORDINALITY AS u(alias, entity_id, type, n)
            ORDER BY u.n
            ON CONFLICT (alias, entity_id) DO NOTHING
            """, ([a[1] for a in auto], [a[0] for a in auto], [a[2] for a in auto]))
    return ids


def _quarantine(conn: psycopg.Connection, article_id: int, text: str | None, analysis: Analysis) -> None:
    data = (text or "").encode("utf-8")
    quarantine(conn, [Rejection(
        stage=STAGE, item_key=f"core.articles:{article_id}", code=analysis.skipped, reason=analysis.skip_reason,
        content=data if len(data) <= 64_000 else None, sha256=hashlib.sha256(data).hexdigest(),
        details={"chars": len(text or ""), "extractor_version": EXTRACTOR_VERSION})])


def _sha256(text: str | None) -> str:
    """As core.articles.text_sha256 is computed (SHA-256 of the UTF-8 text)."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


_MENTION_COLUMNS = ("article_id", "start", "stop", "surface", "normal", "type", "ner_type", "entity_id",
                    "sentence", "rule", "extractor_version")
_FACT_COLUMNS = ("article_id", "kind", "start", "stop", "text", "amount", "currency", "date_value",
                 "date_precision", "extractor_version")
_QUOTE_COLUMNS = ("article_id", "start", "stop", "text", "speaker_text", "speaker_start", "speaker_stop",
                  "speaker_entity_id", "extractor_version")


def _copy(conn: psycopg.Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    with conn.cursor() as cursor, cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # names are the constants above
        for row in rows:
            copy.write_row(row)


def _store_batch(conn: psycopg.Connection, rows: Sequence[tuple], results: Sequence[Analysis],
                 ids: dict[str, int]) -> None:
    """Replace the entity rows of a batch of articles: three DELETEs, three COPYs and one upsert for
    the whole batch (it was seven statements per article; at 10,000 articles a day the round trips
    were a sizeable share of the stage's serial part, when the NER processes wait). Rows go in
    article order, then span order, as before, so ids come out as they did."""
    article_ids = [row[0] for row in rows]
    for table in ("core.mentions", "core.facts", "core.quotes"):
        conn.execute(f"DELETE FROM {table} WHERE article_id = ANY(%s)", (article_ids,))
    pairs = list(zip(rows, results, strict=True))
    _copy(conn, "core.mentions", _MENTION_COLUMNS,
          ((row[0], s.start, s.stop, s.text, s.normal or s.text, s.type, s.ner_type or s.type, ids[s.entity_key],
            s.sentence, s.rule, EXTRACTOR_VERSION) for row, analysis in pairs for s in analysis.spans))
    _copy(conn, "core.facts", _FACT_COLUMNS,
          ((row[0], f.kind, f.start, f.stop, f.text, f.amount, f.currency, f.date_value, f.precision,
            EXTRACTOR_VERSION) for row, analysis in pairs for f in analysis.facts))
    _copy(conn, "core.quotes", _QUOTE_COLUMNS,
          ((row[0], q.start, q.stop, q.text, q.speaker_text, q.speaker_start, q.speaker_stop,
            ids.get(q.speaker_entity_key or ""), EXTRACTOR_VERSION)
           for row, analysis in pairs for q in analysis.quotes))
    conn.execute(
        """
        INSERT INTO core.entity_runs (article_id, text_sha256, extractor_version, status, reason_code, reason,
                                      mentions, facts, quotes, processed_at)
        SELECT u.article_id, u.text_sha256, %s, u.status, u.reason_code, u.reason, u.mentions, u.facts, u.quotes,
               now()
        FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::int[], %s::int[], %s::int[])
             AS u(article_id, text_sha256, status, reason_code, reason, mentions, facts, quotes)
        ON CONFLICT (article_id) DO UPDATE SET
            text_sha256 = excluded.text_sha256, extractor_version = excluded.extractor_version,
            status = excluded.status, reason_code = excluded.reason_code, reason = excluded.reason,
            mentions = excluded.mentions, facts = excluded.facts, quotes = excluded.quotes,
            processed_at = excluded.processed_at
        """,
        (EXTRACTOR_VERSION, article_ids, [_sha256(row[1]) for row in rows],
         ["skipped" if a.skipped else "done" for a in results], [a.skipped for a in results],
         [a.skip_reason for a in results], [len(a.spans) for a in results], [len(a.facts) for a in results],
         [len(a.quotes) for a in results]))


def extract_pending(conn: psycopg.Connection, *, article_ids: Sequence[int] | None = None, workers: int = 1,
                    alias_file: Path | None = None) -> dict:
    """Run the entity stage on ``article_ids`` (default: every pending article); counts as a dict.

    ``conn`` may be in autocommit mode or not; each batch of articles is written in its own
    transaction. Articles refused as bad input (empty, too large, no Cyrillic, garbage) are
    quarantined; non-Russian ones are only recorded as skipped with the reason.
    """
    with conn.transaction():  # seeds, then analysts' edits over them: a removed seed alias never shows
        load_seed_aliases(conn, alias_file)
        apply_alias_edits(conn)
    index = load_index(conn)
    ids = list(article_ids) if article_ids is not None else pending_article_ids(conn)
    counts = {"in": len(ids), "out": 0, "skipped": 0, "quarantined": 0,
              "mentions": 0, "facts": 0, "quotes": 0}
    run_id = conn.execute(
        "INSERT INTO ops.stage_runs (stage, transform_version) VALUES (%s, %s) RETURNING stage_run_id",
        (STAGE, EXTRACTOR_VERSION)).fetchone()[0]
    progress = Progress("entities", len(ids), "articles", logger=log)
    try:
        for offset in range(0, len(ids), BATCH_SIZE):
            batch = ids[offset:offset + BATCH_SIZE]
            rows = conn.execute(
                """
                SELECT article_id, text, language, extract(year FROM published_at)::int
                FROM core.articles WHERE article_id = ANY(%s) ORDER BY article_id
                """, (batch,)).fetchall()
            results = []
            # One process: NER in slices so progress shows every few seconds inside a batch; with
            # forked workers a slice per fork would cost more than it tells.
            step = PROGRESS_SLICE if workers <= 1 else max(len(rows), 1)
            for start in range(0, len(rows), step):
                part = rows[start:start + step]
                results += analyze_many([(text, language) for _, text, language, _ in part], index,
                                        workers=workers, default_years=[year for *_, year in part])
                progress.advance(len(part))
            with conn.transaction():
                ids = _entity_ids(conn, [span for analysis in results for span in analysis.spans])
                _store_batch(conn, rows, results, ids)
                for (article_id, text, _, _), analysis in zip(rows, results, strict=True):
                    if analysis.skipped:
                        counts["skipped"] += 1
                        if analysis.skipped in QUARANTINED_REASONS:
                            _quarantine(conn, article_id, text, analysis)
                            counts["quarantined"] += 1
                    else:
                        counts["out"] += 1
                    counts["mentions"] += len(analysis.spans)
                    counts["facts"] += len(analysis.facts)
                    counts["quotes"] += len(analysis.quotes)
    except Exception as error:
        conn.execute("UPDATE ops.stage_runs SET status = 'failed', finished_at = now(), error = %s, "
                     "counts = %s WHERE stage_run_id = %s", (str(error), json.dumps(counts), run_id))
        raise
    conn.execute("UPDATE ops.stage_runs SET status = 'succeeded', finished_at = now(), counts = %s "
                 "WHERE stage_run_id = %s", (json.dumps(counts), run_id))
    if not conn.autocommit:
        conn.commit()
    progress.finish()
    log.info("entities: %s", counts)
    return counts


def relink(conn: psycopg.Connection, *, article_ids: Sequence[int] | None = None) -> dict:
    """Re-link stored mentions (and quote speakers) with the current alias table; no NER.

    Analysts' alias edits, splits and merges are applied first. Auto entities left without
    mentions or quotes afterwards are deleted.
    """
    apply_alias_edits(conn)
    index = load_index(conn)
    where, params = ("", ())
    if article_ids is not None:
        where, params = "WHERE m.article_id = ANY(%s)", (list(article_ids),)
    rows = conn.execute(
        f"""
        SELECT m.mention_id, m.article_id, m.start, m.stop, m.surface, m.normal, m.ner_type, m.entity_id,
               e.entity_key, m.type, a.text
        FROM core.mentions m JOIN core.entities e USING (entity_id) JOIN core.articles a USING (article_id)
        {where}
        ORDER BY m.article_id, m.start
        """, params).fetchall()
    by_article: dict[int, list] = {}
    for row in rows:
        by_article.setdefault(row[1], []).append(row)
    changed = 0
    linked = {}
    for article_id, mentions in by_article.items():
        spans = [Span(start, stop, ner_type, surface, normal=normal, ner_type=ner_type)
                 for _, _, start, stop, surface, normal, ner_type, *_ in mentions]
        linked[article_id] = link_spans(mentions[0][10], spans, index)
    with conn.transaction():
        ids = _entity_ids(conn, [span for spans in linked.values() for span in spans])
        for article_id, mentions in by_article.items():
            spans = linked[article_id]
            for row, span in zip(mentions, spans, strict=True):
                if span.entity_key != row[8] or span.type != row[9]:
                    conn.execute("UPDATE core.mentions SET entity_id = %s, type = %s, normal = %s "
                                 "WHERE mention_id = %s",
                                 (ids[span.entity_key], span.type, span.normal, row[0]))
                    changed += 1
            conn.execute(
                """
                UPDATE core.quotes q SET speaker_entity_id = m.entity_id
                FROM core.mentions m
                WHERE q.article_id = %s AND m.article_id = q.article_id
                  AND m.start = q.speaker_start AND m.stop = q.speaker_stop
                  AND q.speaker_entity_id IS DISTINCT FROM m.entity_id
                """, (article_id,))
        removed = conn.execute(
            """
            DELETE FROM core.entities e WHERE e.origin = 'auto'
              AND NOT EXISTS (SELECT 1 FROM core.mentions m WHERE m.entity_id = e.entity_id)
              AND NOT EXISTS (SELECT 1 FROM core.quotes q WHERE q.speaker_entity_id = e.entity_id)
              AND NOT EXISTS (SELECT 1 FROM core.entity_aliases a WHERE a.entity_id = e.entity_id
                              AND a.origin <> 'auto')
            """).rowcount
    if not conn.autocommit:
        conn.commit()
    return {"in": len(rows), "relinked": changed, "articles": len(by_article), "entities_removed": removed}
