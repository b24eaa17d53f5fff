"""Helpers for the search, watchlist, alert and delivery tests: plant articles with known words,
entities, stories and days straight into core (standing in for the NLP stages), so each
expectation can be checked by hand; and real local SMTP (aiosmtpd) and webhook (http.server)
endpoints on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
from helpers_quality import land_raw


def article(conn: psycopg.Connection, *, source: str, slug: str, title: str | None, text: str,
            published: datetime | None, fetched_at: datetime | None = None,
            entities: tuple[int, ...] = (), story: int | None = None, crawl_time: datetime | None = None) -> int:
    """One core.articles row (with its raw version), its mentions of ``entities`` and its story.

    ``published=None`` plants an undated article: published_at is ``crawl_time`` (default: the
    fetch), method crawl_time, as the normalizer does today for a later version of the page."""
    fetched = fetched_at or (published + timedelta(hours=1) if published else datetime.now().astimezone())
    raw_id = land_raw(conn, url=f"https://{source}.kz/{slug}", source=source, text=text, fetched_at=fetched)
    article_id = conn.execute(
        """
        INSERT INTO core.articles (url_fingerprint, raw_article_id, url, source, title, title_method,
            published_at, published_at_method, language, text, text_sha256, word_count, normalizer_version)
        SELECT url_fingerprint, raw_article_id, url, source, %s, CASE WHEN %s::text IS NULL THEN NULL ELSE 'header' END,
               %s, %s, 'ru', text, content_sha256, %s, 'test'
        FROM raw.articles WHERE raw_article_id = %s RETURNING article_id
        """, (title, title, published or crawl_time or fetched, "header" if published else "crawl_time",
              len(text.split()), raw_id)).fetchone()[0]
    for position, entity_id in enumerate(entities):
        conn.execute(
            "INSERT INTO core.mentions (article_id, start, stop, surface, normal, type, ner_type, entity_id, "
            "extractor_version) SELECT %s, %s, %s, canonical_name, canonical_name, type, type, entity_id, 'test' "
            "FROM core.entities WHERE entity_id = %s", (article_id, position * 10, position * 10 + 5, entity_id))
    if story is not None:
        when = published or fetched
        conn.execute(
            "INSERT INTO core.stories (story_id, title, first_published_at, last_published_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (story_id) DO UPDATE SET last_published_at = greatest(core.stories.last_published_at, "
            "EXCLUDED.last_published_at), first_published_at = least(core.stories.first_published_at, "
            "EXCLUDED.first_published_at)", (story, title, when, when))
        conn.execute("INSERT INTO core.story_articles (article_id, story_id) VALUES (%s, %s)", (article_id, story))
    return article_id


def entity(conn: psycopg.Connection, name: str, type_: str = "PER", aliases: tuple[str, ...] = ()) -> int:
    entity_id = conn.execute(
        "INSERT INTO core.entities (entity_key, canonical_name, type, origin) VALUES (%s, %s, %s, 'seed') "
        "RETURNING entity_id", (f"{type_}:{name}", name, type_)).fetchone()[0]
    for alias in (name, *aliases):
        conn.execute("INSERT INTO core.entity_aliases (alias, entity_id, type, origin) VALUES (%s, %s, %s, 'seed')",
                     (alias, entity_id, type_))
    return entity_id


def refresh_marts(conn: psycopg.Connection) -> None:
    from transforms import marts

    marts.refresh(conn, allow_unchecked=True)


# --- real local delivery endpoints ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[int, SmtpSink]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; yields its port and the received messages."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, sink
    finally:
        controller.stop()


@contextlib.contextmanager
def webhook_server(fail_first: int = 0) -> Iterator[tuple[str, list[dict]]]:
    """An HTTP server on 127.0.0.1 that answers 500 to the first ``fail_first`` POSTs and 204 after;
    yields its URL and the JSON bodies it accepted."""
    received: list[dict] = []
    calls = {"n": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            calls["n"] += 1
            if calls["n"] <= fail_first:
                self.send_response(500)
                self.end_headers()
                return
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()
