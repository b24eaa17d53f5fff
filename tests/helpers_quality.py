"""Helpers for the quality, marts and report tests: land rows in raw.articles as a crawler would.

Kept apart from conftest.py (shared by every engineer) so the quality tests can plant defects
without touching the shared fixtures.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import psycopg


def land_raw(conn: psycopg.Connection, *, url: str, source: str, text: str, fetched_at: datetime,
             landed_at: datetime | None = None, http_status: int | None = 200) -> int:
    """Insert one raw.articles row (with its crawl run) and return its raw_article_id."""
    content = text.encode("utf-8")
    crawl_run_id = conn.execute(
        "INSERT INTO ops.crawl_runs (spider, source, status) VALUES ('test', %s, 'finished') "
        "RETURNING crawl_run_id", (source,)).fetchone()[0]
    return conn.execute(
        """
        INSERT INTO raw.articles (url_fingerprint, url, source, spider, fetched_at, content_sha256, content,
                                  text, encoding, http_status, crawl_run_id, landed_at)
        VALUES (%s, %s, %s, 'test', %s, %s, %s, %s, 'utf-8', %s, %s, coalesce(%s, now()))
        RETURNING raw_article_id
        """,
        (hashlib.sha1(url.encode()).hexdigest(), url, source, fetched_at, hashlib.sha256(content).hexdigest(),
         content, text, http_status, crawl_run_id, landed_at),
    ).fetchone()[0]


TOKAYEV, XI, TIANJIN, SCO = "Касым-Жомарт Токаев", "Си Цзиньпин", "Тяньцзинь", "ШОС"


def _article(conn: psycopg.Connection, *, source: str, slug: str, title: str | None, published: str,
             text: str, fetched_at: datetime | None = None) -> int:
    published_at = datetime.fromisoformat(published)
    raw_id = land_raw(conn, url=f"https://{source}.kz/{slug}", source=source, text=text,
                      fetched_at=fetched_at or published_at + timedelta(hours=1))
    return conn.execute(
        """
        INSERT INTO core.articles (url_fingerprint, raw_article_id, url, source, title, title_method,
            published_at, published_at_method, language, text, text_sha256, word_count, normalizer_version)
        SELECT url_fingerprint, raw_article_id, url, source, %s,
               CASE WHEN %s::text IS NULL THEN NULL ELSE 'header' END,
               %s, 'header', 'ru', text, content_sha256, %s, 'test'
        FROM raw.articles WHERE raw_article_id = %s
        RETURNING article_id
        """, (title, title, published_at, len(text.split()), raw_id)).fetchone()[0]


def plant_world(conn: psycopg.Connection) -> dict[str, int]:
    """A small, known core layer: 5 articles from 4 outlets, 2 stories, 4 entities, facts and quotes.

    Stands in for the normalize/dedup/entities stages in tests that need exact, hand-checkable rows.
    """
    ids: dict[str, int] = {}
    body = "Президент Казахстана Касым-Жомарт Токаев встретился с Си Цзиньпином. " * 5
    ids["a1"] = _article(conn, source="tengri", slug="xi-tokayev", title="Си Цзиньпин встретился с Токаевым",
                         published="2025-08-30T09:00:00+05:00",
                         text=body + "Подписаны соглашения на 1,5 млрд долларов.")
    ids["a2"] = _article(conn, source="zakon", slug="xi-tokayev", title="Токаев и Си Цзиньпин провели переговоры",
                         published="2025-08-30T11:30:00+05:00", text=body)
    ids["a3"] = _article(conn, source="nur", slug="tianjin", title="Токаев прибыл в Тяньцзинь на саммит ШОС",
                         published="2025-08-31T10:00:00+05:00", text=body + "Объём инвестиций — 200 млн тенге.")
    ids["a4"] = _article(conn, source="tengri", slug="beijing-2023", title="Переговоры в Пекине",
                         published="2023-10-17T12:00:00+05:00", text=body)
    ids["a5"] = _article(conn, source="kursiv", slug="interview", title="Интервью президента",
                         published="2024-02-01T08:00:00+05:00", text=body + "Товарооборот достиг 3 млрд юаней.")
    for name, type_ in ((TOKAYEV, "PER"), (XI, "PER"), (TIANJIN, "LOC"), (SCO, "ORG")):
        ids[name] = conn.execute(
            "INSERT INTO core.entities (entity_key, canonical_name, type, origin) VALUES (%s, %s, %s, 'seed') "
            "RETURNING entity_id", (f"{type_}:{name}", name, type_)).fetchone()[0]
        conn.execute("INSERT INTO core.entity_aliases (alias, entity_id, type, origin) VALUES (%s, %s, %s, 'seed')",
                     (name, ids[name], type_))
    s1 = conn.execute("INSERT INTO core.stories (story_id, title, first_published_at, last_published_at, "
                      "article_count) "
                      "VALUES (1, 'Встреча Си Цзиньпина и Токаева', %s, %s, 2) RETURNING story_id",
                      (datetime.fromisoformat("2025-08-30T09:00:00+05:00"),
                       datetime.fromisoformat("2025-08-30T11:30:00+05:00"))).fetchone()[0]
    s2 = conn.execute("INSERT INTO core.stories (story_id, title, first_published_at, last_published_at, "
                      "article_count) "
                      "VALUES (2, 'Саммит ШОС в Тяньцзине', %s, %s, 1) RETURNING story_id",
                      (datetime.fromisoformat("2025-08-31T10:00:00+05:00"),
                       datetime.fromisoformat("2025-08-31T10:00:00+05:00"))).fetchone()[0]
    ids["s1"], ids["s2"] = s1, s2
    for story, article in ((s1, ids["a1"]), (s1, ids["a2"]), (s2, ids["a3"])):
        conn.execute("INSERT INTO core.story_articles (story_id, article_id) VALUES (%s, %s)", (story, article))
    conn.execute("INSERT INTO core.duplicates (article_id, duplicate_of, similarity, method) "
                 "VALUES (%s, %s, 0.91, 'minhash')", (ids["a2"], ids["a1"]))
    mentions = {
        "a1": [TOKAYEV, TOKAYEV, XI], "a2": [TOKAYEV, XI], "a3": [TOKAYEV, TIANJIN, SCO],
        "a4": [TOKAYEV, XI], "a5": [TOKAYEV],
    }
    for article, names in mentions.items():
        for position, name in enumerate(names):
            ids[f"m_{article}_{position}"] = conn.execute(
                "INSERT INTO core.mentions (article_id, start, stop, surface, normal, type, ner_type, entity_id, "
                "sentence, extractor_version) SELECT %s, %s, %s, %s, %s, type, type, entity_id, %s, 'test' "
                "FROM core.entities WHERE entity_id = %s RETURNING mention_id",
                (ids[article], position * 10, position * 10 + 6, name, name,
                 f"... {name} ...", ids[name])).fetchone()[0]
    for key, article, amount, currency, text in (
            ("f1", "a1", 1_500_000_000, "USD", "1,5 млрд долларов"),
            ("f2", "a3", 200_000_000, "KZT", "200 млн тенге"),
            ("f3", "a5", 3_000_000_000, "CNY", "3 млрд юаней")):
        ids[key] = conn.execute(
            "INSERT INTO core.facts (article_id, kind, start, stop, text, amount, currency, extractor_version) "
            "VALUES (%s, 'money', 360, 380, %s, %s, %s, 'test') RETURNING fact_id",
            (ids[article], text, amount, currency)).fetchone()[0]
    conn.execute("INSERT INTO core.facts (article_id, kind, start, stop, text, date_value, extractor_version) "
                 "VALUES (%s, 'date', 0, 10, '17 октября', '2023-10-17', 'test')", (ids["a4"],))
    for key, article, speaker in (("q1", "a1", XI), ("q2", "a2", XI), ("q3", "a5", TOKAYEV)):
        ids[key] = conn.execute(
            "INSERT INTO core.quotes (article_id, start, stop, text, speaker_text, speaker_entity_id, "
            "extractor_version) VALUES (%s, 0, 40, %s, %s, %s, 'test') RETURNING quote_id",
            (ids[article], f"Слова {speaker}: Китай и Казахстан — вечные стратегические партнёры",
             speaker, ids[speaker])).fetchone()[0]
    return ids
