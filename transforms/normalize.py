"""Normalization: raw article text → a clean article with its metadata.

The pure part (``normalize_document``) takes text and the crawl time and returns a
``NormalizedArticle`` or raises ``BadArticle`` with a machine-readable code. The storage part
(``normalize_pending``) runs it over ``raw.articles`` into ``core.articles``: idempotent,
versioned, and never stopped by one bad article (it goes to ``ops.quarantine``).

Bump ``NORMALIZER_VERSION`` whenever the output for some input changes: the next run then
re-normalizes every article from ``raw``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import psycopg

from transforms.quarantine import Rejection, quarantine
from transforms.text_clean import clean_text
from transforms.text_meta import (
    MAX_FIRST_SENTENCE_TITLE_WORDS,
    MAX_HEADLINE_WORDS,
    attributed_sources,
    count_words,
    detect_language,
    find_text_date,
    first_sentence,
    parse_byline,
    reads_as_headline,
    split_header,
)

log = logging.getLogger(__name__)

NORMALIZER_VERSION = "normalize-2"

# Inputs longer than this are refused (most likely a whole page dump, not an article) ...
MAX_INPUT_CHARS = 2_000_000
# ... and articles longer than this are cut at a paragraph boundary and flagged: downstream
# stages (MinHash, NER) should not spend minutes on one item. raw keeps the full text.
MAX_TEXT_CHARS = 200_000
SHORT_TEXT_WORDS = 30

# A trailing attribution clause in a lede used as title: ", передает NUR.KZ."
_TRAILING_ATTRIBUTION = re.compile(
    r",?\s*(?:передает|передаёт|сообщает|пишет|информирует)\s+[^,]{2,40}?\.?$")


class BadArticle(ValueError):
    """Input that cannot become an article; ``code`` is the quarantine reason code."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class NormalizedArticle:
    title: str | None
    title_method: str | None  # header, header_lede, first_line, first_sentence, metadata, or None
    published_at: datetime | None  # None when nothing dates the article (method crawl_time)
    published_at_method: str  # header, text, crawl_time (= no date found)
    authors: list[str]
    attributed_sources: list[str]
    language: str  # ru, kk, other
    text: str
    text_sha256: str
    word_count: int
    flags: list[str] = field(default_factory=list)
    published_precision: str | None = None  # day, time, or None when undated

    @property
    def published_date(self) -> date | None:
        return self.published_at.date() if self.published_at is not None else None

    def as_json(self, article_id: str) -> dict[str, Any]:
        """The ``mediamon normalize`` line: day-precision dates as ``YYYY-MM-DD``."""
        record = asdict(self)
        published: str | None = (None if self.published_at is None
                                 else self.published_at.date().isoformat() if self.published_precision == "day"
                                 else self.published_at.isoformat())
        return {"id": article_id, "title": record["title"], "published_at": published,
                "published_at_method": self.published_at_method, "authors": self.authors,
                "attributed_sources": self.attributed_sources, "language": self.language,
                "text": self.text, "flags": self.flags}


def _midnight_utc(day: date) -> datetime:
    """Day-precision dates are stored at 00:00 UTC so that ``published_at::date`` gives the day back."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _hint(metadata: Mapping[str, Any] | None, *keys: str) -> Any:
    for key in keys:
        value = (metadata or {}).get(key)
        if value:
            return value
    return None


def normalize_document(text: str, *, crawled_at: datetime,
                       metadata: Mapping[str, Any] | None = None) -> NormalizedArticle:
    """Normalize one article. ``crawled_at`` bounds any date found in the text; ``metadata`` are
    the spider's hints (``title``, ``published_at``/``date``, ``author``/``authors``), used when
    the text itself has none."""
    if text is None or not text.strip():
        raise BadArticle("empty", "the article text is empty")
    if len(text) > MAX_INPUT_CHARS:
        raise BadArticle("too_large", f"the article has {len(text)} characters (limit {MAX_INPUT_CHARS})")
    crawled_at = _as_utc(crawled_at)
    flags: list[str] = []

    header = split_header(text)
    body, repair_flags = clean_text(header.rest)
    flags += repair_flags
    headline = clean_text(header.headline)[0] if header.headline else None
    if not any(ch.isalpha() for ch in (headline or "") + body):
        raise BadArticle("no_words", "the article has no letters (punctuation, digits or symbols only)")
    paragraphs = [p for p in body.split("\n\n") if p]

    # Title.
    title: str | None = None
    title_method: str | None = None
    if headline:
        if reads_as_headline(headline):
            title, title_method = headline, "header"
        else:
            # The header carries the lede sentence (000): it stays in the text and its first
            # sentence, without the attribution clause, is the best title we have.
            paragraphs.insert(0, headline)
            title = _TRAILING_ATTRIBUTION.sub("", first_sentence(headline)).rstrip(" .")
            title_method = "header_lede"
    elif isinstance(hint_title := _hint(metadata, "title"), str) and hint_title.strip():
        # A web page's own title (JSON-LD, OpenGraph, <title>) beats guessing one from the body.
        title, title_method = clean_text(hint_title)[0].replace("\n\n", " "), "metadata"
    elif paragraphs and reads_as_headline(paragraphs[0]):
        title, title_method = paragraphs.pop(0), "first_line"
    elif paragraphs:
        sentence = first_sentence(paragraphs[0]).rstrip(".")
        if sentence != paragraphs[0].rstrip(".") and reads_as_headline(
                sentence, max_words=MAX_FIRST_SENTENCE_TITLE_WORDS):
            title, title_method = sentence, "first_sentence"
    if title is None:
        flags.append("title_missing")
    if title and len(title.split()) > MAX_HEADLINE_WORDS * 2:
        flags.append("title_long")

    # Bylines: near the top or the bottom of the article; removed from the text.
    authors: list[str] = []
    kept: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        names = parse_byline(paragraph) if index < 3 or index >= len(paragraphs) - 3 else None
        if names:
            authors += [n for n in names if n not in authors]
        else:
            kept.append(paragraph)
    paragraphs = kept
    hint_authors = _hint(metadata, "authors", "author")
    if not authors and hint_authors:
        authors = [hint_authors] if isinstance(hint_authors, str) else [str(a) for a in hint_authors]

    clean = "\n\n".join(paragraphs)
    if len(clean) > MAX_TEXT_CHARS:
        cut = clean.rfind("\n\n", 0, MAX_TEXT_CHARS)
        clean = clean[: cut if cut > 0 else MAX_TEXT_CHARS]
        flags.append("text_truncated")
    if not clean:
        flags.append("body_empty")

    # Published date: header (fixture line or the spider's page metadata), text, else none: the
    # crawl time is when we saw it, not when it was published (core.articles.first_seen_at).
    published_at: datetime | None
    precision: str | None = "day"
    hint_date = _hint(metadata, "published_at", "date")
    if header.published:
        published_at, method = _midnight_utc(header.published), "header"
    elif hint_date and (parsed := _parse_hint_date(str(hint_date))):
        published_at, method = parsed, "header"
        precision = "day" if _is_date_only(str(hint_date)) else "time"
    elif found := find_text_date(((title or "") + "\n\n" + clean), not_after=crawled_at):
        published_at, method = _midnight_utc(found), "text"
    else:
        published_at, method, precision = None, "crawl_time", None
    if published_at is not None and published_at.date() > crawled_at.date():
        flags.append("published_after_crawl")

    sources = attributed_sources((title or "") + "\n\n" + clean)
    language = detect_language(clean or title or "")
    if language != "ru":
        flags.append(f"language_{language}")
    words = count_words(clean)
    if 0 < words < SHORT_TEXT_WORDS:
        flags.append("very_short")
    return NormalizedArticle(
        title=title, title_method=title_method, published_at=published_at, published_at_method=method,
        published_precision=precision, authors=authors, attributed_sources=sources, language=language, text=clean,
        text_sha256=hashlib.sha256(clean.encode("utf-8")).hexdigest(), word_count=words, flags=flags)


def _is_date_only(value: str) -> bool:
    """"2025-08-30" (a day) as opposed to "2025-08-30T14:05:00+06:00" (a moment)."""
    return len(value.strip()) <= 10


def _parse_hint_date(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return _as_utc(parsed) if "T" in value or " " in value.strip() else _midnight_utc(parsed.date())


def normalize_json_line(name: str, text: str, *, crawled_at: datetime) -> dict[str, Any]:
    """One output line of ``mediamon normalize``; a bad article becomes a line saying why."""
    try:
        return normalize_document(text, crawled_at=crawled_at).as_json(name)
    except BadArticle as bad:
        return {"id": name, "title": None, "published_at": None, "published_at_method": None,
                "authors": [], "attributed_sources": [], "language": None, "text": None,
                "flags": ["rejected", bad.code], "error": bad.reason}


def dumps(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=False)


# --- storage: raw.articles → core.articles -----------------------------------------------

BATCH_SIZE = 500

# The latest landed version of every URL; older versions are history, not articles.
_LATEST_VERSIONS = """
    SELECT DISTINCT ON (url_fingerprint) raw_article_id, url_fingerprint, landed_at
    FROM raw.articles ORDER BY url_fingerprint, fetched_at DESC, raw_article_id DESC
"""
_PENDING = f"""
    WITH latest AS ({_LATEST_VERSIONS})
    SELECT raw_article_id FROM latest l
    WHERE NOT EXISTS (SELECT 1 FROM core.normalize_log g
                      WHERE g.raw_article_id = l.raw_article_id AND g.normalizer_version = %(version)s)
    ORDER BY raw_article_id
"""
_SELECTED = f"""
    WITH latest AS ({_LATEST_VERSIONS})
    SELECT raw_article_id FROM latest l
    WHERE (%(landed_from)s::timestamptz IS NOT NULL OR %(landed_to)s::timestamptz IS NOT NULL
           OR %(article_ids)s::bigint[] IS NOT NULL)
      AND (%(landed_from)s::timestamptz IS NULL OR l.landed_at >= %(landed_from)s)
      AND (%(landed_to)s::timestamptz IS NULL OR l.landed_at < %(landed_to)s)
      AND (%(article_ids)s::bigint[] IS NULL OR l.url_fingerprint IN
           (SELECT url_fingerprint FROM core.articles WHERE article_id = ANY(%(article_ids)s)))
    ORDER BY raw_article_id
"""
_UPSERT_ARTICLE = """
    INSERT INTO core.articles AS a (url_fingerprint, raw_article_id, url, source, title, title_method, flags,
        published_at, published_at_method, published_precision, first_seen_at, authors, attributed_sources,
        language, text, text_sha256, word_count, normalizer_version)
    VALUES (%(url_fingerprint)s, %(raw_article_id)s, %(url)s, %(source)s, %(title)s, %(title_method)s,
        %(flags)s, %(published_at)s, %(published_at_method)s, %(published_precision)s,
        (SELECT min(r.fetched_at) FROM raw.articles AS r WHERE r.url_fingerprint = %(url_fingerprint)s),
        %(authors)s, %(attributed_sources)s,
        %(language)s, %(text)s, %(text_sha256)s, %(word_count)s, %(normalizer_version)s)
    ON CONFLICT (url_fingerprint) DO UPDATE SET
        raw_article_id = EXCLUDED.raw_article_id, url = EXCLUDED.url, source = EXCLUDED.source,
        title = EXCLUDED.title, title_method = EXCLUDED.title_method, flags = EXCLUDED.flags,
        published_at = EXCLUDED.published_at, published_at_method = EXCLUDED.published_at_method,
        published_precision = EXCLUDED.published_precision, first_seen_at = EXCLUDED.first_seen_at,
        authors = EXCLUDED.authors, attributed_sources = EXCLUDED.attributed_sources,
        language = EXCLUDED.language, text = EXCLUDED.text, text_sha256 = EXCLUDED.text_sha256,
        word_count = EXCLUDED.word_count, normalizer_version = EXCLUDED.normalizer_version,
        normalized_at = now()
    WHERE (a.raw_article_id, a.url, a.source, a.title, a.title_method, a.flags, a.published_at,
           a.published_at_method, a.published_precision, a.first_seen_at, a.authors, a.attributed_sources,
           a.language, a.text_sha256, a.normalizer_version)
          IS DISTINCT FROM
          (EXCLUDED.raw_article_id, EXCLUDED.url, EXCLUDED.source, EXCLUDED.title, EXCLUDED.title_method,
           EXCLUDED.flags, EXCLUDED.published_at, EXCLUDED.published_at_method, EXCLUDED.published_precision,
           EXCLUDED.first_seen_at, EXCLUDED.authors,
           EXCLUDED.attributed_sources, EXCLUDED.language, EXCLUDED.text_sha256, EXCLUDED.normalizer_version)
    RETURNING article_id, (xmax = 0) AS inserted
"""
_RAW_ROWS = """
    SELECT raw_article_id, url_fingerprint, url, source, fetched_at, text, metadata, content_sha256
    FROM raw.articles WHERE raw_article_id = ANY(%s) ORDER BY raw_article_id
"""
_ARTICLE_ID = "SELECT article_id FROM core.articles WHERE url_fingerprint = %s"
_ARTICLE_IDS = "SELECT url_fingerprint, article_id FROM core.articles WHERE url_fingerprint = ANY(%s)"
_LOG = """
    INSERT INTO core.normalize_log (raw_article_id, normalizer_version, outcome, article_id, reason_code)
    VALUES (%s, %s, %s, %s, %s)
    ON CONFLICT (raw_article_id, normalizer_version) DO UPDATE SET
        outcome = EXCLUDED.outcome, article_id = EXCLUDED.article_id, reason_code = EXCLUDED.reason_code,
        processed_at = now()
"""
def pending_raw_ids(conn: psycopg.Connection, *, landed_from: datetime | None = None,
                    landed_to: datetime | None = None, article_ids: list[int] | None = None,
                    version: str = NORMALIZER_VERSION) -> list[int]:
    """Raw versions to normalize: those the current version has not handled, or, when a window
    or article ids are given, exactly the latest versions they select (re-done even if handled)."""
    if landed_from is None and landed_to is None and article_ids is None:
        rows = conn.execute(_PENDING, {"version": version}).fetchall()
    else:
        rows = conn.execute(_SELECTED, {"landed_from": landed_from, "landed_to": landed_to,
                                        "article_ids": article_ids}).fetchall()
    return [row[0] for row in rows]


def normalize_pending(conn: psycopg.Connection, *, landed_from: datetime | None = None,
                      landed_to: datetime | None = None, article_ids: list[int] | None = None,
                      version: str = NORMALIZER_VERSION) -> dict[str, int]:
    """Normalize pending raw articles into ``core.articles``; return counts.

    Idempotent: a second run finds nothing pending, and re-doing a window rewrites nothing that
    would come out the same. One bad article is quarantined (``ops.quarantine``, stage
    ``normalize``) with its reason and the run goes on; its URL keeps its last good version.
    """
    ids = pending_raw_ids(conn, landed_from=landed_from, landed_to=landed_to, article_ids=article_ids,
                          version=version)
    counts = {"in": len(ids), "inserted": 0, "updated": 0, "unchanged": 0, "quarantined": 0}
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start:start + BATCH_SIZE]
        with conn.transaction():
            rows = conn.execute(_RAW_ROWS, (batch,)).fetchall()
            prepared = [_prepare_row(row, version) for row in rows]
            try:
                with conn.transaction():  # the whole batch in a few statements (a savepoint)
                    outcomes = _write_batch(conn, rows, prepared, version)
            except psycopg.DatabaseError as error:
                # Some row cannot be stored: redo the batch row by row, each in its own savepoint,
                # so that row's error stays its own (it is quarantined) and the others land.
                log.warning("batch of %d raw articles failed (%s); storing row by row", len(rows), error)
                outcomes = [_store_row_alone(conn, row, version) for row in rows]
            for outcome in outcomes:
                counts[outcome] += 1
    counts["out"] = counts["inserted"] + counts["updated"] + counts["unchanged"]
    log.info("normalize %s: %s", version, counts)
    return counts


def article_body(raw_text: str, metadata: Mapping[str, Any] | None) -> str:
    """The text to normalize: the crawler's extracted main text when it has one, else the raw text.

    Web pages land in ``raw.articles.text`` whole (HTML, as fetched); the news spider puts the
    article body it extracted in ``metadata.text``. Plain-text inputs (seed files) have none.
    """
    extracted = (metadata or {}).get("text")
    return extracted if isinstance(extracted, str) and extracted.strip() else raw_text


def _prepare_row(row: tuple, version: str) -> dict[str, Any] | tuple[str, str]:
    """The upsert parameters of one raw row, or (code, reason) when it is to be quarantined."""
    raw_id, fingerprint, url, source, fetched_at, text, metadata, _content_sha256 = row
    try:
        article = normalize_document(article_body(text, metadata), crawled_at=fetched_at, metadata=metadata)
    except BadArticle as bad:
        return bad.code, bad.reason
    except Exception as error:  # a normalizer bug must not stop the run: set the item aside
        log.exception("normalizer failed on raw article %s", raw_id)
        return "normalizer_error", f"{type(error).__name__}: {error}"
    return {
        "url_fingerprint": fingerprint, "raw_article_id": raw_id, "url": url, "source": source,
        "title": article.title, "title_method": article.title_method, "flags": article.flags,
        "published_at": article.published_at, "published_at_method": article.published_at_method,
        "published_precision": article.published_precision,
        "authors": article.authors, "attributed_sources": article.attributed_sources,
        "language": article.language, "text": article.text, "text_sha256": article.text_sha256,
        "word_count": article.word_count, "normalizer_version": version}


def _write_batch(conn: psycopg.Connection, rows: list[tuple], prepared: list, version: str) -> list[str]:
    """Store a batch: the upserts pipelined in one ``executemany``, the unchanged articles' ids in one
    lookup, the log rows in one more (was four round trips per row, a savepoint included)."""
    params = [p for p in prepared if isinstance(p, dict)]
    results: list[tuple | None] = []
    with conn.cursor() as cursor:
        cursor.executemany(_UPSERT_ARTICLE, params, returning=True)
        for _ in params:
            results.append(cursor.fetchone())
            cursor.nextset()
    unchanged = [p["url_fingerprint"] for p, r in zip(params, results, strict=True) if r is None]
    known = dict(conn.execute(_ARTICLE_IDS, (unchanged,)).fetchall()) if unchanged else {}
    outcome_of: dict[int, tuple[str, int]] = {}
    for p, result in zip(params, results, strict=True):
        if result is None:
            outcome_of[p["raw_article_id"]] = ("unchanged", known[p["url_fingerprint"]])
        else:
            outcome_of[p["raw_article_id"]] = ("inserted" if result[1] else "updated", result[0])
    outcomes: list[str] = []
    logs: list[tuple] = []
    for row, p in zip(rows, prepared, strict=True):
        if isinstance(p, dict):
            outcome, article_id = outcome_of[row[0]]
            logs.append((row[0], version, "article", article_id, None))
        else:
            outcome = _quarantine(conn, row[0], row[2], row[7], p[0], p[1], version)
        outcomes.append(outcome)
    with conn.cursor() as cursor:
        cursor.executemany(_LOG, logs)
    return outcomes


def _store_row_alone(conn: psycopg.Connection, row: tuple, version: str) -> str:
    try:
        with conn.transaction():  # a savepoint: one row's database error stays its own
            return _normalize_row(conn, row, version)
    except psycopg.DatabaseError as error:
        log.warning("could not store raw article %s: %s", row[0], error)
        return _quarantine(conn, row[0], row[2], row[7], "store_error", f"{type(error).__name__}: {error}", version)


def _normalize_row(conn: psycopg.Connection, row: tuple, version: str) -> str:
    raw_id, fingerprint, url, _source, _fetched_at, _text, _metadata, content_sha256 = row
    prepared = _prepare_row(row, version)
    if not isinstance(prepared, dict):
        return _quarantine(conn, raw_id, url, content_sha256, prepared[0], prepared[1], version)
    result = conn.execute(_UPSERT_ARTICLE, prepared).fetchone()
    if result is None:
        article_id, outcome = conn.execute(_ARTICLE_ID, (fingerprint,)).fetchone()[0], "unchanged"
    else:
        article_id, outcome = result[0], "inserted" if result[1] else "updated"
    conn.execute(_LOG, (raw_id, version, "article", article_id, None))
    return outcome


def _quarantine(conn: psycopg.Connection, raw_id: int, url: str, content_sha256: str, code: str,
                reason: str, version: str) -> str:
    quarantine(conn, [Rejection(
        stage="normalize", item_key=f"raw.articles:{raw_id}", code=code, reason=reason, sha256=content_sha256,
        details={"raw_article_id": raw_id, "url": url, "normalizer_version": version})])
    conn.execute(_LOG, (raw_id, version, "quarantined", None, code))
    return "quarantined"
