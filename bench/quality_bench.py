"""How long the quality suites and the mart refresh take on a synthetic corpus.

    .venv/bin/python bench/quality_bench.py [--articles 20000] [--mentions-per-article 8]

Creates a throwaway database on the server mediamon uses, fills raw.articles, core.articles,
core.entities and core.mentions with generated rows (SQL generate_series, 10 sources over 30 days),
then times one full quality run (every suite, GX included) and one mart refresh. Prints figures
and the machine (cores, load average) because other work may share it.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

import psycopg

from mediamon import migrations

FILL = """
INSERT INTO ops.crawl_runs (spider, status) VALUES ('bench', 'finished');
INSERT INTO raw.articles (url_fingerprint, url, source, spider, fetched_at, content_sha256, content, text, encoding,
                          http_status, crawl_run_id, landed_at)
SELECT encode(sha256(('u' || i)::bytea), 'hex')::char(40), 'https://s' || (i %% 10) || '.kz/' || i,
       's' || (i %% 10), 'bench', TIMESTAMPTZ '2025-08-31 12:00+00' - ((i %% 30) || ' days')::interval,
       encode(sha256(('c' || i)::bytea), 'hex'), convert_to('text ' || i, 'UTF8'),
       repeat('Токаев и Си Цзиньпин обсудили сотрудничество. ', 40), 'utf-8', 200, 1,
       TIMESTAMPTZ '2025-08-31 13:00+00' - ((i %% 30) || ' days')::interval
FROM generate_series(1, %(n)s) AS i;
INSERT INTO core.articles (url_fingerprint, raw_article_id, url, source, title, title_method, published_at,
                           published_at_method, language, text, text_sha256, word_count, normalizer_version)
SELECT url_fingerprint, raw_article_id, url, source, 'Заголовок ' || raw_article_id, 'header',
       fetched_at - interval '2 hours', 'header', 'ru', text, content_sha256, 240, 'bench'
FROM raw.articles;
INSERT INTO core.entities (entity_key, canonical_name, type, origin)
SELECT 'PER:e' || e, 'Entity ' || e, 'PER', 'auto' FROM generate_series(1, 500) AS e;
INSERT INTO core.mentions (article_id, start, stop, surface, normal, type, ner_type, entity_id, extractor_version)
SELECT a.article_id, k * 10, k * 10 + 6, 'x', 'x', 'PER', 'PER',
       (SELECT min(entity_id) FROM core.entities) + ((a.article_id * 7 + k * 13) %% 500), 'bench'
FROM core.articles AS a, generate_series(1, %(m)s) AS k;
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20000)
    parser.add_argument("--mentions-per-article", type=int, default=8)
    args = parser.parse_args()

    from transforms import marts
    from transforms.quality import QualityGateFailed, run_suites

    with migrations.scratch_database("mediamon_bench") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            started = time.perf_counter()
            for statement in filter(str.strip, FILL.split(";\n")):
                conn.execute(statement, {"n": args.articles, "m": args.mentions_per_article})
            conn.execute("ANALYZE")
            fill = time.perf_counter() - started
            mentions = conn.execute("SELECT count(*) FROM core.mentions").fetchone()[0]
            started = time.perf_counter()
            try:
                summary = run_suites(url, logical_date=date(2025, 8, 31), run_id="bench",
                                     docs_root=Path(tempfile.mkdtemp()))
            except QualityGateFailed as failure:
                summary = failure.summary
            quality = time.perf_counter() - started
            started = time.perf_counter()
            refresh = marts.refresh(conn, allow_unchecked=True)
            mart = time.perf_counter() - started
        print(f"articles {args.articles}, mentions {mentions}; fill {fill:.1f} s")
        print(f"quality: {summary['suites']} suites, {summary['expectations']} expectations, status "
              f"{summary['status']} ({summary['failed_critical']} critical, {summary['failed_warning']} warnings) "
              f"in {quality:.1f} s (GX context and Data Docs included; GX imported before timing)")
        print(f"warnings: {summary['warnings']}")
        print(f"mart refresh: {refresh['views']} views in {mart:.1f} s; rows {refresh['rows']}")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
