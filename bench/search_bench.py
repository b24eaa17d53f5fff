"""How fast is ``mart.search()`` over 100,000 articles?

    .venv/bin/python bench/search_bench.py [--articles 100000] [--repeat 7] [--keep DATABASE]

Builds a throwaway database with ``--articles`` articles of real Russian news prose: each one
strings together 12–30 sentences drawn from the seed articles and the factRuEval-2016 devset
(../shared/data/ner/, MIT), so the vocabulary, word lengths and term frequencies are a news
corpus's, not random letters; every fourth article also names «Токаев» in some case form. 12
outlets, 365 days, 50 canonical entities with 3 mentions per article, stories of 3 articles.
Then times each query below ``--repeat`` times (after one warm-up run) and prints the median and
the slowest, next to the bare GIN query (``WHERE search_vector @@ q ORDER BY ts_rank LIMIT 20``,
no joins, filters or snippets) in the same process as the plain-PostgreSQL reference.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import re
import statistics
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg

from mediamon import migrations, settings

# ../shared from a clone in /work, ../../shared from a worktree in /work/wt.
FACTRU = next((root / "shared" / "data" / "ner" / "factru_dev.jsonl" for root in
               (settings.REPO_ROOT.parent, settings.REPO_ROOT.parent.parent)
               if (root / "shared" / "data" / "ner" / "factru_dev.jsonl").exists()),
              settings.REPO_ROOT.parent / "shared" / "data" / "ner" / "factru_dev.jsonl")
OUTLETS = ("tengrinews", "zakon_kz", "nur_kz", "kazinform", "vz_ru", "tass", "ria", "interfax", "sputnik_kz",
           "kursiv", "inbusiness", "forbes_kz")
TOKAYEV_FORMS = ("Токаев", "Токаева", "Токаеву", "Токаевым", "Токаеве")

QUERIES: list[tuple[str, dict]] = [
    ("Токаев", {}),
    ("Токаева", {}),
    ("Токаев Китай", {}),
    ('"Си Цзиньпин"', {}),
    ("президент OR правительство", {}),
    ("сотрудничество -нефть", {}),
    ("газопровод", {}),
    ("Токаев", {"from_day": "2025-06-01", "to_day": "2025-06-30"}),
    ("Токаев", {"outlet": "tass"}),
    ("Токаев", {"entity": "Сущность 07"}),
    ("встреча", {"story": 30001}),
]


def sentences() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((settings.REPO_ROOT / "seeds").glob("*.txt"))]
    if FACTRU.exists():
        texts += [json.loads(line)["text"] for line in FACTRU.read_text(encoding="utf-8").splitlines()]
    found = [s.strip() for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if 30 <= len(s.strip()) <= 400]
    return sorted(set(found))


# Secondary indexes of the tables the bench fills: dropped before the load and rebuilt after it
# (same definitions, read from the catalog), because building a GIN index once over 100,000
# vectors is far cheaper than inserting 100,000 vectors into it one by one. Constraint indexes
# (primary keys, UNIQUE) stay.
BULK_TABLES = ("core.articles", "core.mentions", "core.story_articles", "core.stories")


def drop_secondary_indexes(conn: psycopg.Connection) -> list[str]:
    """Drop the non-constraint indexes of ``BULK_TABLES``; return their CREATE INDEX statements."""
    rows = conn.execute("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index AS i
        WHERE i.indrelid = ANY (%s::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)""",
                        (list(BULK_TABLES),)).fetchall()
    for name, _ in rows:
        conn.execute(f"DROP INDEX {name}")
    return [definition for _, definition in rows]


def fill(conn: psycopg.Connection, n: int, seed: int = 1, *, log=print) -> None:
    """Load ``n`` articles set-based: COPY into raw, one INSERT … SELECT per core table, indexes after.

    The generated search vectors are still computed by PostgreSQL for every row (that is the cost
    the pipeline pays too); what the load avoids is row-at-a-time index maintenance and
    REFRESH … CONCURRENTLY diffing full views against empty ones.
    """
    rng = random.Random(seed)
    pool = sentences()
    start = datetime(2024, 9, 1, 9, tzinfo=ZoneInfo("Asia/Almaty"))
    step = time.perf_counter()

    def done(what: str) -> None:
        nonlocal step
        log(f"  load: {what} {time.perf_counter() - step:.1f} s")
        step = time.perf_counter()

    conn.execute("SET maintenance_work_mem = '1GB'")
    indexes = drop_secondary_indexes(conn)
    crawl = conn.execute("INSERT INTO ops.crawl_runs (spider, status) VALUES ('bench', 'finished') "
                         "RETURNING crawl_run_id").fetchone()[0]
    with conn.cursor() as cur:
        with cur.copy("COPY raw.articles (url_fingerprint, url, source, spider, fetched_at, content_sha256, content,"
                      " text, encoding, crawl_run_id) FROM STDIN") as copy:
            for i in range(n):
                body = rng.sample(pool, rng.randint(12, 30))
                if i % 4 == 0:
                    body.insert(rng.randrange(len(body)), f"{rng.choice(TOKAYEV_FORMS)} провёл встречу.")
                text = " ".join(body)
                source = OUTLETS[i % len(OUTLETS)]
                url = f"https://{source}.kz/{i}"
                fetched = start + timedelta(days=i % 365, minutes=i % 600)
                copy.write_row((hashlib.sha1(url.encode()).hexdigest(), url, source, "bench", fetched,
                                hashlib.sha256(text.encode()).hexdigest(), text.encode(), text, "utf-8", crawl))
        done(f"COPY raw.articles ({n})")
        # first_seen_at given, so the honest-dates trigger does not look raw up row by row.
        cur.execute("""
            INSERT INTO core.articles (url_fingerprint, raw_article_id, url, source, title, title_method, published_at,
                                       published_at_method, first_seen_at, language, text, text_sha256, word_count,
                                       normalizer_version)
            SELECT url_fingerprint, raw_article_id, url, source, left(split_part(text, '.', 1), 120), 'header',
                   fetched_at, 'header', fetched_at, 'ru', text, content_sha256, 300, 'bench'
            FROM raw.articles ORDER BY raw_article_id""")
        done("INSERT core.articles (search vectors generated)")
        cur.execute("INSERT INTO core.entities (entity_key, canonical_name, type, origin) "
                    "SELECT 'bench:' || e, 'Сущность ' || lpad(e::text, 2, '0'), 'ORG', 'seed' "
                    "FROM generate_series(0, 49) AS e")
        cur.execute("""
            INSERT INTO core.mentions (article_id, start, stop, surface, normal, type, ner_type, entity_id,
                                       extractor_version)
            SELECT a.article_id, k * 10, k * 10 + 5, 'x', 'x', 'ORG', 'ORG',
                   (SELECT min(entity_id) FROM core.entities) + ((a.article_id * 7 + k * 13) % 50), 'bench'
            FROM core.articles AS a, generate_series(1, 3) AS k""")
        cur.execute("""
            INSERT INTO core.stories (story_id, title, first_published_at, last_published_at)
            SELECT 30000 + (article_id / 3), 'История', min(published_at), max(published_at)
            FROM core.articles GROUP BY article_id / 3""")
        cur.execute("INSERT INTO core.story_articles (article_id, story_id) "
                    "SELECT article_id, 30000 + (article_id / 3) FROM core.articles")
        done("INSERT entities, mentions, stories")
        for definition in indexes:
            cur.execute(definition)
        done(f"CREATE {len(indexes)} secondary indexes")
    # mart.search() reads mart.articles only (the other views would cost minutes and are not
    # queried); it is empty, so a plain REFRESH builds it once where CONCURRENTLY would diff it.
    conn.execute("REFRESH MATERIALIZED VIEW mart.articles")
    done("REFRESH mart.articles")
    conn.execute("VACUUM ANALYZE")
    done("VACUUM ANALYZE")


def timed(conn: psycopg.Connection, statement: str, params: tuple, repeat: int) -> tuple[list[float], int]:
    conn.execute(statement, params).fetchall()  # warm-up
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = len(conn.execute(statement, params).fetchall())
        times.append((time.perf_counter() - started) * 1000)
    return times, rows


@contextlib.contextmanager
def corpus(n: int, keep: str | None) -> Iterator[str]:
    """A database holding the bench corpus: a scratch one (dropped afterwards), or with ``keep``
    a named one, loaded and migrated the first time and reused as it is afterwards, so the
    queries can be timed again (e.g. when the shared machine is quieter) without reloading."""
    if keep is None:
        with migrations.scratch_database("mediamon_bench_search") as url:
            yield url
        return
    from mediamon import database

    server = database.with_database(database.database_url(), "postgres")
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (keep,)).fetchone()
    if exists:
        url = database.with_database(server, keep)
        with psycopg.connect(url) as conn:
            complete = conn.execute("SELECT to_regclass('public.bench_corpus') IS NOT NULL").fetchone()[0]
        if not complete:  # a load that was interrupted (its indexes may be dropped): start again
            database.drop_database(server, keep)
            exists = None
    url = database.with_database(server, keep) if exists else database.create_database(server, keep)
    migrations.apply_all(url)
    yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", metavar="DATABASE",
                        help="load into this database and keep it; if it holds articles already, only time the queries")
    args = parser.parse_args()
    with corpus(args.articles, args.keep) as url, psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        loaded = conn.execute("SELECT count(*) FROM core.articles").fetchone()[0]
        if loaded == 0:
            fill(conn, args.articles)
            conn.execute("CREATE TABLE public.bench_corpus AS SELECT now() AS loaded_at")  # the load finished
        else:
            print(f"reusing {args.keep}: {loaded} articles already loaded")
        size = conn.execute("SELECT pg_size_pretty(pg_relation_size('core.core_articles_search_idx'))").fetchone()[0]
        print(f"{loaded or args.articles} articles ready (tsvector generated, GIN {size}, mart.articles refreshed) in "
              f"{time.perf_counter() - started:.0f} s")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; {args.repeat} runs per query")
        print("| query | filters | matching | hits | mart.search median ms | slowest ms | bare GIN median ms |")
        print("|---|---|---|---|---|---|---|")
        worst = 0.0
        for query, filters in QUERIES:
            named = ", ".join(f"{k} => %s" for k in filters)
            statement = "SELECT * FROM mart.search(%s" + (", " + named if named else "") + ")"
            times, hits = timed(conn, statement, (query, *filters.values()), args.repeat)
            matching = conn.execute("SELECT count(*) FROM core.articles WHERE search_vector @@ mart.search_query(%s)",
                                    (query,)).fetchone()[0]
            bare, _ = timed(conn, "SELECT article_id FROM core.articles WHERE search_vector @@ mart.search_query(%s) "
                                  "ORDER BY ts_rank(search_vector, mart.search_query(%s), 1) DESC LIMIT 20",
                            (query, query), args.repeat)
            worst = max(worst, max(times))
            print(f"| `{query}` | {json.dumps(filters, ensure_ascii=False) if filters else '—'} | {matching} | "
                  f"{hits} | {statistics.median(times):.0f} | {max(times):.0f} | {statistics.median(bare):.0f} |")
        print(f"slowest single mart.search call: {worst:.0f} ms")


if __name__ == "__main__":
    main()
