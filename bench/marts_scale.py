"""How the marts, quality and alerts stages scale with history, without running the whole DAG.

    nice -n 10 .venv/bin/python bench/marts_scale.py [--per-day 10000] [--days 5] [--measure 1,3,5]

Issue 17 asks that no stage's time per article grow by more than 20 % from day 1 (no history) to
day 5 (40,000 articles of history). This fills a throwaway database day by day with the rows the
three stages read — raw and core articles (10 sources), ~15 % duplicates, stories (a tenth of a
day's articles join a story of the day before), 8 mentions per article over 3,000 entities with a
heavy head (a few entities are in most articles, as Токаев and Китай are), a money fact and a
quote every other article — by SQL, not by the crawl/NER stages (seconds instead of hours). After
each measured day it times what the DAG's ``check_quality``, ``refresh_marts`` and
``detect_alerts`` tasks call (GX imported before timing), and prints ms per new article and the
marts' seconds per view. Every day is refreshed (measured or not), as the daily DAG does.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg

from mediamon import migrations

FIRST_DAY = date(2025, 9, 1)
ENTITIES = 3000

SETUP = """
INSERT INTO ops.crawl_runs (spider, status) VALUES ('bench', 'finished');
INSERT INTO core.entities (entity_key, canonical_name, type, origin)
SELECT 'auto:PER:e' || e, 'Entity ' || e, (ARRAY['PER', 'LOC', 'ORG'])[1 + e %% 3], 'auto'
FROM generate_series(1, %(entities)s) AS e
"""

# One day: articles lo..hi (generate_series index i), published on %(day)s (Asia/Almaty).
DAY = """
INSERT INTO raw.articles (url_fingerprint, url, source, spider, fetched_at, content_sha256, content, text, encoding,
                          http_status, crawl_run_id, landed_at)
SELECT encode(sha256(('u' || i)::bytea), 'hex')::char(40), 'https://s' || (i %% 10) || '.kz/' || i,
       's' || (i %% 10), 'bench', (%(day)s::date + time '20:00') AT TIME ZONE 'Asia/Almaty',
       encode(sha256(('c' || i)::bytea), 'hex'), convert_to('text ' || i, 'UTF8'),
       'Токаев и Си Цзиньпин обсудили сотрудничество ' || i || '. ' || repeat('Слово ', 200), 'utf-8', 200, 1,
       (%(day)s::date + time '20:30') AT TIME ZONE 'Asia/Almaty'
FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i;
INSERT INTO core.articles (url_fingerprint, raw_article_id, url, source, title, title_method, published_at,
                           published_at_method, language, text, text_sha256, word_count, normalizer_version,
                           first_seen_at)
SELECT url_fingerprint, raw_article_id, url, source, 'Заголовок ' || raw_article_id, 'header',
       fetched_at - ((raw_article_id %% 600) || ' minutes')::interval, 'header', 'ru', text,
       content_sha256, 240, 'bench', fetched_at
FROM raw.articles WHERE raw_article_id BETWEEN %(lo)s::bigint AND %(hi)s::bigint;
INSERT INTO core.duplicates (article_id, duplicate_of, similarity, method)
SELECT a.article_id, a.article_id - 3, 1, 'exact'
FROM core.articles AS a WHERE a.article_id BETWEEN %(lo)s::bigint + 3 AND %(hi)s::bigint AND a.article_id %% 7 = 0;
INSERT INTO core.stories (story_id, title, first_published_at, last_published_at, article_count)
SELECT a.article_id, a.title, a.published_at, a.published_at, 0
FROM core.articles AS a WHERE a.article_id BETWEEN %(lo)s::bigint AND %(hi)s::bigint AND a.article_id %% 4 = 0;
INSERT INTO core.story_articles (article_id, story_id, similarity, how)
SELECT a.article_id,
       CASE WHEN a.article_id %% 10 = 1 AND a.article_id - %(per_day)s::bigint >= 8
            THEN a.article_id - (a.article_id %% 4) - %(per_day)s::bigint
            ELSE a.article_id - (a.article_id %% 4) END,
       CASE WHEN a.article_id %% 4 = 0 THEN NULL ELSE 0.8 END,
       CASE WHEN a.article_id %% 4 = 0 THEN 'founded' ELSE 'joined' END
FROM core.articles AS a WHERE a.article_id BETWEEN greatest(%(lo)s::bigint, 4) AND %(hi)s::bigint;
UPDATE core.stories AS s SET article_count = m.n, last_published_at = greatest(s.last_published_at, m.last)
FROM (SELECT sa.story_id, count(*) AS n, max(a.published_at) AS last FROM core.story_articles AS sa
      JOIN core.articles AS a ON a.article_id = sa.article_id
      WHERE sa.story_id IN (SELECT story_id FROM core.story_articles
                            WHERE article_id BETWEEN %(lo)s::bigint AND %(hi)s::bigint)
      GROUP BY sa.story_id) AS m
WHERE s.story_id = m.story_id;
INSERT INTO core.mentions (article_id, start, stop, surface, normal, type, ner_type, entity_id, sentence,
                           extractor_version)
SELECT a.article_id, k * 10, k * 10 + 6, 'x', 'x', e.type, e.type, e.entity_id, 'Предложение ' || k, 'bench'
FROM core.articles AS a
CROSS JOIN generate_series(1, 8) AS k
JOIN core.entities AS e ON e.entity_key = 'auto:PER:e' || (1 + floor(%(entities)s::int * power(
        ((hashint8(a.article_id * 16 + k) & 2147483647)::float8 / 2147483647), 3))::int)
WHERE a.article_id BETWEEN %(lo)s::bigint AND %(hi)s::bigint;
INSERT INTO core.facts (article_id, kind, start, stop, text, amount, currency, extractor_version)
SELECT a.article_id, 'money', 5, 20, '1 млрд долларов', 1e9, 'USD', 'bench'
FROM core.articles AS a WHERE a.article_id BETWEEN %(lo)s::bigint AND %(hi)s::bigint AND a.article_id %% 2 = 0;
INSERT INTO core.quotes (article_id, start, stop, text, speaker_text, speaker_entity_id, extractor_version)
SELECT a.article_id, 30, 60, 'Сотрудничество важно', 'Токаев',
       (SELECT entity_id FROM core.entities WHERE entity_key = 'auto:PER:e1'), 'bench'
FROM core.articles AS a WHERE a.article_id BETWEEN %(lo)s::bigint AND %(hi)s::bigint AND a.article_id %% 2 = 1;
INSERT INTO core.entity_runs (article_id, text_sha256, extractor_version, status, mentions)
SELECT article_id, text_sha256, 'bench', 'done', 8 FROM core.articles
WHERE article_id BETWEEN %(lo)s::bigint AND %(hi)s::bigint
"""


def _fill_day(conn: psycopg.Connection, index: int, per_day: int) -> date:
    day = FIRST_DAY + timedelta(days=index)
    params = {"day": day, "lo": index * per_day + 1, "hi": (index + 1) * per_day, "per_day": per_day,
              "entities": ENTITIES}
    for statement in filter(str.strip, DAY.split(";\n")):
        conn.execute(statement, params)
    conn.execute("ANALYZE")
    return day


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-day", type=int, default=10000)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--measure", default="1,3,5", help="days to time (1-based), comma-separated")
    parser.add_argument("--no-quality", action="store_true", help="skip the quality suites (GX)")
    args = parser.parse_args()
    measured = {int(d) for d in args.measure.split(",")}

    from transforms import marts
    from transforms.follow import daily

    if not args.no_quality:
        import great_expectations  # noqa: F401  (its import is not the suites' work)

        from transforms.quality import QualityGateFailed, run_suites

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()}; "
          f"{args.per_day} articles a day, {args.days} days")
    rows = []
    with migrations.scratch_database("mediamon_martscale") as url, psycopg.connect(url, autocommit=True) as conn:
        for statement in filter(str.strip, SETUP.split(";\n")):
            conn.execute(statement, {"entities": ENTITIES})
        marts.refresh(conn, allow_unchecked=True)  # the empty marts a fresh install starts from
        for index in range(args.days):
            started = time.perf_counter()
            day = _fill_day(conn, index, args.per_day)
            fill = time.perf_counter() - started
            quality = None
            if index + 1 in measured and not args.no_quality:
                started = time.perf_counter()
                try:
                    run_suites(url, logical_date=day, run_id=f"bench-{day}", docs_root=Path(tempfile.mkdtemp()))
                except QualityGateFailed:
                    pass
                quality = time.perf_counter() - started
            started = time.perf_counter()
            refreshed = marts.refresh(conn, allow_unchecked=True)
            refresh = time.perf_counter() - started
            if index + 1 not in measured:
                daily.detect(conn, day)
                print(f"day {index + 1} filled ({fill:.1f} s), not measured", flush=True)
                continue
            started = time.perf_counter()
            daily.detect(conn, day)
            alerts = time.perf_counter() - started
            history = index * args.per_day
            per = 1000.0 / args.per_day
            rows.append((index + 1, history, quality, refresh, alerts))
            slow = sorted(refreshed["seconds"].items(), key=lambda kv: -kv[1])
            print(f"day {index + 1} (history {history}): fill {fill:.1f} s; "
                  + (f"quality {quality:.2f} s ({quality * per:.3f} ms/article); " if quality is not None else "")
                  + f"marts {refresh:.2f} s ({refresh * per:.3f} ms/article); alerts {alerts:.2f} s "
                  f"({alerts * per:.3f} ms/article); load {os.getloadavg()[0]:.2f}", flush=True)
            print("  marts per view (s): " + ", ".join(f"{v.removeprefix('mart.')} {s:.2f}" for v, s in slow),
                  flush=True)
    print()
    print("| day | history | quality ms/article | marts ms/article | alerts ms/article |")
    print("|---:|---:|---:|---:|---:|")
    for day_no, history, quality, refresh, alerts in rows:
        q = f"{quality * 1000 / args.per_day:.3f}" if quality is not None else "–"
        print(f"| {day_no} | {history:,} | {q} | {refresh * 1000 / args.per_day:.3f} | "
              f"{alerts * 1000 / args.per_day:.3f} |")
    print(f"load average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
