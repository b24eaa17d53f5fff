"""Landing raw articles: decide whether input bytes are an article, decode them, and write
``raw.articles`` / ``ops.quarantine``.

Why here and not in the crawler: every spider (seed files, news sites, ad-hoc feeds) lands
articles the same way, and the decisions — what is too big, what is binary, which Cyrillic
encoding a file is in — are pure functions worth testing without Scrapy.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import psycopg

#: Single-byte encodings Russian text still arrives in, tried when the bytes are not UTF-8.
LEGACY_CYRILLIC_ENCODINGS: tuple[str, ...] = ("cp1251", "koi8-r")

# The ten most frequent Russian letters cover ~60% of running text; a wrong single-byte decoding
# scatters letters over rare ones and flips case (cp1251 and koi8-r swap upper/lower blocks).
_FREQUENT_RUSSIAN_LETTERS = frozenset("оеаинтсрвл")
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f")


class RejectedInput(ValueError):
    """Input that must not land as an article; ``code`` is the quarantine reason code."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


def url_fingerprint(url: str) -> str:
    """Stable identity of an article: SHA-1 of its URL with surrounding whitespace removed."""
    return hashlib.sha1(url.strip().encode("utf-8")).hexdigest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_size(size: int, max_bytes: int) -> None:
    """Refuse inputs larger than ``max_bytes`` before reading them."""
    if size > max_bytes:
        raise RejectedInput("too_large", f"{size} bytes is over the {max_bytes}-byte limit for one article")


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters mean this is not text, whatever its name says."""
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))  # C speed, not a Python loop
    return controls > max(4, len(sample) // 100)


def russian_plausibility(text: str) -> float:
    """Score in [0, 1]: how much ``text`` reads like Russian (case pattern and letter frequencies)."""
    cyrillic = [ch for ch in text if "\u0400" <= ch <= "\u04ff"]
    letters = sum(1 for ch in text if ch.isalpha())
    if not cyrillic or not letters:
        return 0.0
    share_cyrillic = len(cyrillic) / letters
    lowercase = sum(1 for ch in cyrillic if ch.islower()) / len(cyrillic)
    frequent = sum(1 for ch in cyrillic if ch.lower() in _FREQUENT_RUSSIAN_LETTERS) / len(cyrillic)
    return share_cyrillic * min(1.0, lowercase / 0.8) * min(1.0, frequent / 0.5)


def decode_article_bytes(data: bytes, declared_encoding: str | None = None) -> DecodedText:
    """Decode article bytes, or raise :class:`RejectedInput`.

    UTF-8 (with or without BOM) is taken as is. Anything else is decoded with each legacy
    Cyrillic encoding (and the declared one, when given) and kept only when the result reads as
    Russian; otherwise it is refused rather than stored as mojibake.
    """
    if not data.strip():
        raise RejectedInput("empty", "the input is empty or whitespace only")
    utf16 = _decode_utf16(data)
    if utf16 is not None:
        return utf16
    if looks_binary(data):
        raise RejectedInput("binary", "the input contains NUL or control bytes: binary, not text")
    try:
        return DecodedText(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError as error:
        utf8_error = error

    candidates = list(LEGACY_CYRILLIC_ENCODINGS)
    if declared_encoding and declared_encoding.lower() not in ("utf-8", "utf8", *candidates):
        candidates.insert(0, declared_encoding.lower())
    best: tuple[float, DecodedText] | None = None
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        score = russian_plausibility(text)
        if best is None or score > best[0]:
            best = (score, DecodedText(text, encoding))
    if best is not None and best[0] >= 0.5:
        return best[1]
    raise RejectedInput(
        "not_utf8",
        f"not valid UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) "
        f"and not Russian text in {', '.join(LEGACY_CYRILLIC_ENCODINGS)}",
    )


def _decode_utf16(data: bytes) -> DecodedText | None:
    """UTF-16 text (Windows "Unicode" files), told from binary before the NUL-byte test.

    With a byte-order mark the BOM decides. Without one, UTF-16 is taken only when one byte
    position of each pair is mostly NUL (ASCII spaces, digits, punctuation) or 0x04 (Cyrillic),
    the text decodes cleanly, and it reads as text: no control characters.
    """
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            try:
                return DecodedText(data[2:].decode(codec), codec)
            except UnicodeDecodeError:
                return None
    if len(data) % 2 or len(data) < 4:
        return None
    sample = data[:65536]
    for codec, high in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
        if high.count(0) + high.count(4) < 0.9 * len(high):  # C speed: this runs for every even-sized page
            continue
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text[:32768] if ord(ch) < 32 and ch not in "\t\n\r\f")
        if controls <= max(4, len(text[:32768]) // 100):
            return DecodedText(text, codec)
    return None


_TAG = re.compile(r"<!--.*?-->|<(script|style)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", re.I)
#: Fewer letters than this outside markup and the "article" is a template, not a text.
MIN_PLAIN_TEXT_LETTERS = 20


def check_plain_text(text: str) -> None:
    """Refuse a plain-text input (a seed file) that is only HTML markup: tags, comments, scripts,
    entities and no sentence of its own. A text quoting an occasional ``<b>`` passes."""
    if "<" not in text:
        return
    visible = _ENTITY.sub(" ", _TAG.sub(" ", text))
    letters = sum(ch.isalpha() for ch in visible)
    if letters < MIN_PLAIN_TEXT_LETTERS:
        raise RejectedInput("markup_only", f"the file is HTML markup with {letters} letters of text outside "
                                           "the tags (a seed must be the article's plain text)")


@dataclass
class RawArticle:
    """One article as landed: what the crawler saw, plus the decoded text."""

    url: str
    source: str
    spider: str
    fetched_at: datetime
    content: bytes
    text: str
    encoding: str
    http_status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, object] = field(default_factory=dict)
    #: The spider's ``ops.crawl_urls`` row for this article, landed in the same transaction.
    crawl_state: dict[str, object] | None = field(default=None, repr=False)

    @property
    def url_fingerprint(self) -> str:
        return url_fingerprint(self.url)

    @property
    def content_sha256(self) -> str:
        return sha256_hex(self.content)


_INSERT_ARTICLE = """
INSERT INTO raw.articles (url_fingerprint, url, source, spider, fetched_at, content_sha256, content,
                          text, encoding, http_status, headers, metadata, crawl_run_id)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (url_fingerprint, content_sha256) DO NOTHING
RETURNING raw_article_id
"""

def land_articles(conn: psycopg.Connection, articles: Sequence[RawArticle], crawl_run_id: int | None) -> int:
    """Insert a batch into ``raw.articles``; return how many were new (known bytes add nothing)."""
    if not articles:
        return 0
    rows = [
        (a.url_fingerprint, a.url, a.source, a.spider, a.fetched_at, a.content_sha256, a.content, a.text,
         a.encoding, a.http_status, json.dumps(a.headers), json.dumps(a.metadata, default=str), crawl_run_id)
        for a in articles
    ]
    new = 0
    with conn.cursor() as cur:
        cur.executemany(_INSERT_ARTICLE, rows, returning=True)
        while True:
            new += len(cur.fetchall())
            if not cur.nextset():
                break
    return new


def start_crawl_run(conn: psycopg.Connection, spider: str, source: str | None, args: dict[str, object]) -> int:
    """Open a crawl-run row held by ``conn``'s backend; first mark ``abandoned`` the rows of crawls
    whose process died (``transforms.run_log``). ``conn`` must stay open until the run finishes."""
    from transforms import run_log

    run_log.abandon_stale(conn, "ops.crawl_runs")
    row = conn.execute(
        f"INSERT INTO ops.crawl_runs (spider, source, args, {run_log.BACKEND_COLUMNS}) "
        f"VALUES (%s, %s, %s, {run_log.BACKEND_VALUES}) RETURNING crawl_run_id",
        (spider, source, json.dumps(args, default=str)),
    ).fetchone()
    return int(row[0])


def finish_crawl_run(
    conn: psycopg.Connection, crawl_run_id: int, *, status: str, items_seen: int, items_new: int,
    items_quarantined: int, errors: int, stats: dict[str, object],
) -> None:
    conn.execute(
        """
        UPDATE ops.crawl_runs
        SET finished_at = now(), status = %s, items_seen = %s, items_new = %s,
            items_quarantined = %s, errors = %s, stats = %s
        WHERE crawl_run_id = %s
        """,
        (status, items_seen, items_new, items_quarantined, errors, json.dumps(stats, default=str), crawl_run_id),
    )
