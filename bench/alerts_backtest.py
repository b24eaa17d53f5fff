"""Backtest of the spike detector on a generated 60-day corpus with planted bursts.

    .venv/bin/python bench/alerts_backtest.py [--days 60] [--entities 40] [--seed 1]

Generates a corpus whose background volume is realistic in the ways that break naive detectors
— entities from rare (0.3 articles/day) to frequent (12/day), weekends at 60 %, day-to-day
overdispersion (a gamma shock per entity and day), regular co-mentions (each entity has three
usual partners), stories of geometric size from random outlets — then plants known events:

- entity bursts: an entity gets 1.5–3× its usual daily volume (co-mentions included) plus 3
  extra articles on one day, i.e. 2.5–4× its usual day plus 3;
- dyad bursts: two entities that are rarely named together appear together in 4–8 articles;
- breaking stories: one story is taken up by 5–9 outlets on its first day;
- story resurgences: a story from days before comes back with 5–8 articles from its own outlets.

The corpus goes into core.* of a throwaway database (standing in for the NLP stages, which the
detector does not depend on), the marts are refreshed, and ``transforms.follow.alerts.detect``
runs for every day after the 28-day warm-up, exactly as the daily DAG calls it. Precision and
recall per kind are printed (docs/alerts.md has the figures). An entity (dyad) alert counts as
correct when a planted event of that day involves the entity (both entities): its own burst, a
dyad burst, a breaking or resurging story about it.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

ALMATY = ZoneInfo("Asia/Almaty")
OUTLETS = ("tengrinews", "zakon_kz", "nur_kz", "kazinform", "vz_ru", "tass", "ria", "interfax", "sputnik_kz",
           "kursiv", "inbusiness", "forbes_kz")


@dataclass
class Corpus:
    first_day: date
    days: int
    entities: list[str]
    articles: list[dict[str, Any]] = field(default_factory=list)  # day, source, entities, story
    planted: dict[str, set[tuple]] = field(default_factory=lambda: {k: set() for k in
                                                                     ("entity", "dyad", "breaking", "story")})

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method (means here are small)."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def generate(*, days: int = 60, n_entities: int = 40, seed: int = 1, warmup: int = 28,
             entity_bursts: int = 12, dyad_bursts: int = 6, breaking: int = 6, resurgences: int = 4,
             last_day: date = date(2025, 8, 31)) -> Corpus:
    rng = random.Random(seed)
    corpus = Corpus(first_day=last_day - timedelta(days=days - 1), days=days,
                    entities=[f"Сущность {i:02d}" for i in range(n_entities)])
    rates = [math.exp(rng.uniform(math.log(0.3), math.log(12))) for _ in range(n_entities)]
    partners = [rng.sample([j for j in range(n_entities) if j != i], 3) for i in range(n_entities)]
    story_ids = iter(range(1, 10**9))
    stories_by_day: dict[int, list[tuple[int, set[str]]]] = {}

    def add(day: int, source: str, entities: tuple[int, ...], story: int) -> None:
        corpus.articles.append({"day": corpus.first_day + timedelta(days=day), "source": source,
                                "entities": tuple(sorted(set(entities))), "story": story})

    for day in range(days):
        weekday = (corpus.first_day + timedelta(days=day)).weekday()
        dow = 0.6 if weekday >= 5 else 1.0
        for i in range(n_entities):
            n = _poisson(rng, rates[i] * dow * rng.gammavariate(6, 1 / 6))
            while n > 0:  # a background story of geometric size from random outlets
                size = min(n, 1 + int(rng.expovariate(1.2)))
                story = next(story_ids)
                outlets: set[str] = set()
                for _ in range(size):
                    source = rng.choice(OUTLETS)
                    outlets.add(source)
                    extra = (rng.choice(partners[i]),) if rng.random() < 0.4 else ()
                    add(day, source, (i, *extra), story)
                stories_by_day.setdefault(day, []).append((story, outlets))
                n -= size

    days_to_plant = list(range(warmup + 1, days))
    # The usual daily volume of each entity, co-mentions included (what the detector sees).
    usual = [sum(1 for a in corpus.articles if i in a["entities"]) / days for i in range(n_entities)]
    for _ in range(entity_bursts):
        i, day = rng.randrange(n_entities), rng.choice(days_to_plant)
        for _ in range(round(usual[i] * rng.uniform(1.5, 3)) + 3):
            add(day, rng.choice(OUTLETS), (i,), next(story_ids))
        corpus.planted["entity"].add((i, day))
    for _ in range(dyad_bursts):
        i = rng.randrange(n_entities)
        j = rng.choice([j for j in range(n_entities) if j != i and j not in partners[i] and i not in partners[j]])
        day = rng.choice(days_to_plant)
        for _ in range(rng.randint(4, 8)):
            add(day, rng.choice(OUTLETS), (i, j), next(story_ids))
        corpus.planted["dyad"].add((min(i, j), max(i, j), day))
    for _ in range(breaking):
        i, day, story = rng.randrange(n_entities), rng.choice(days_to_plant), next(story_ids)
        for source in rng.sample(OUTLETS, rng.randint(5, 9)):
            add(day, source, (i,), story)
        corpus.planted["breaking"].add((story, day))
        corpus.planted["entity_context"] = corpus.planted.get("entity_context", set()) | {(i, day)}
    for _ in range(resurgences):
        day = rng.choice(days_to_plant)
        earlier = [s for d in range(max(0, day - 10), day - 2) for s in stories_by_day.get(d, [])]
        story, outlets = rng.choice(earlier)
        first = next(a for a in corpus.articles if a["story"] == story)
        for _ in range(rng.randint(5, 8)):
            add(day, rng.choice(sorted(outlets)), first["entities"], story)
        corpus.planted["story"].add((story, day))
        corpus.planted["entity_context"] = corpus.planted.get("entity_context", set()) | {
            (e, day) for e in first["entities"]}
        if len(first["entities"]) == 2:
            corpus.planted["dyad_context"] = corpus.planted.get("dyad_context", set()) | {(*first["entities"], day)}
    return corpus


def load(conn: psycopg.Connection, corpus: Corpus) -> dict[int, int]:
    """Write the corpus into raw/core (one raw version per article) and refresh the marts.
    Returns corpus entity index → entity_id."""
    from transforms import marts

    crawl_run = conn.execute("INSERT INTO ops.crawl_runs (spider, status) VALUES ('backtest', 'finished') "
                             "RETURNING crawl_run_id").fetchone()[0]
    entity_ids = {}
    for n, name in enumerate(corpus.entities):
        entity_ids[n] = conn.execute(
            "INSERT INTO core.entities (entity_key, canonical_name, type, origin) VALUES (%s, %s, 'ORG', 'seed') "
            "RETURNING entity_id", (f"backtest:{n}", name)).fetchone()[0]
    with conn.cursor() as cur:
        with cur.copy("COPY raw.articles (url_fingerprint, url, source, spider, fetched_at, content_sha256, content, "
                      "text, encoding, crawl_run_id) FROM STDIN") as copy:
            for n, a in enumerate(corpus.articles):
                url = f"https://{a['source']}.kz/{n}"
                text = f"Статья {n}: " + ", ".join(corpus.entities[e] for e in a["entities"]) + "."
                when = datetime.combine(a["day"], clock(12), ALMATY)
                a.update(url=url, text=text, when=when)
                copy.write_row((hashlib.sha1(url.encode()).hexdigest(), url, a["source"], "backtest",
                                when + timedelta(hours=1), hashlib.sha256(text.encode()).hexdigest(),
                                text.encode(), text, "utf-8", crawl_run))
        cur.execute("""
            INSERT INTO core.articles (url_fingerprint, raw_article_id, url, source, title, title_method,
                published_at, published_at_method, language, text, text_sha256, word_count, normalizer_version)
            SELECT url_fingerprint, raw_article_id, url, source, NULL, NULL, fetched_at - interval '1 hour',
                   'header', 'ru', text, content_sha256, 3, 'backtest'
            FROM raw.articles WHERE crawl_run_id = %s ORDER BY raw_article_id""", (crawl_run,))
        ids = [r[0] for r in cur.execute("SELECT article_id FROM core.articles ORDER BY article_id").fetchall()]
        stories: dict[int, datetime] = {}
        for a in corpus.articles:
            stories[a["story"]] = min(stories.get(a["story"], a["when"]), a["when"])
        with cur.copy("COPY core.stories (story_id, title, first_published_at, last_published_at) FROM STDIN") as copy:
            for story, first in stories.items():
                copy.write_row((story, f"История {story}", first, first))
        with cur.copy("COPY core.story_articles (article_id, story_id) FROM STDIN") as copy:
            for article_id, a in zip(ids, corpus.articles, strict=True):
                copy.write_row((article_id, a["story"]))
        with cur.copy("COPY core.mentions (article_id, start, stop, surface, normal, type, ner_type, entity_id, "
                      "extractor_version) FROM STDIN") as copy:
            for article_id, a in zip(ids, corpus.articles, strict=True):
                for position, e in enumerate(a["entities"]):
                    name = corpus.entities[e]
                    copy.write_row((article_id, position * 20, position * 20 + 12, name, name, "ORG", "ORG",
                                    entity_ids[e], "backtest"))
    marts.refresh(conn, allow_unchecked=True)
    return entity_ids


def evaluate(conn: psycopg.Connection, corpus: Corpus, entity_ids: dict[int, int], *, warmup: int = 28,
             settings=None) -> dict[str, dict[str, float]]:
    """Run the detector for every day after the warm-up; precision and recall per kind."""
    from transforms.follow import alerts
    from transforms.follow.settings import AlertSettings

    settings = settings or AlertSettings()
    index = {v: k for k, v in entity_ids.items()}
    for offset in range(warmup + 1, corpus.days):
        alerts.detect(conn, corpus.first_day + timedelta(days=offset), settings)
    found = conn.execute("SELECT kind, entity_ids, story_id, day FROM mart.alerts").fetchall()
    day_no = {corpus.first_day + timedelta(days=d): d for d in range(corpus.days)}
    involved = corpus.planted["entity"] | corpus.planted.get("entity_context", set()) | {
        (i, d) for i, j, d in corpus.planted["dyad"]} | {(j, d) for i, j, d in corpus.planted["dyad"]}
    detected: dict[str, set[tuple]] = {k: set() for k in ("entity", "dyad", "breaking", "story")}
    correct = {k: 0 for k in detected}
    total = {k: 0 for k in detected}
    for kind, ents, story, day in found:
        d = day_no[day]
        total[kind] += 1
        if kind == "entity":
            key = (index[ents[0]], d)
            hit = key in involved
        elif kind == "dyad":
            a, b = sorted(index[e] for e in ents)
            key = (a, b, d)
            hit = key in corpus.planted["dyad"] or key in corpus.planted.get("dyad_context", set())
        else:
            key = (story, d)
            hit = key in corpus.planted[kind]
        correct[kind] += hit
        detected[kind].add(key)
    report = {}
    for kind in detected:
        planted = corpus.planted[kind]
        found_planted = len(planted & detected[kind])
        report[kind] = {"planted": len(planted), "found": found_planted, "alerts": total[kind],
                        "correct": correct[kind],
                        "precision": correct[kind] / total[kind] if total[kind] else 1.0,
                        "recall": found_planted / len(planted) if planted else 1.0}
    all_alerts = sum(total.values())
    report["all"] = {"planted": sum(r["planted"] for r in report.values()),
                     "found": sum(r["found"] for r in report.values()), "alerts": all_alerts,
                     "correct": sum(correct.values()),
                     "precision": sum(correct.values()) / all_alerts if all_alerts else 1.0,
                     "recall": sum(r["found"] for r in report.values())
                     / max(1, sum(r["planted"] for r in report.values()))}
    return report


def main() -> None:
    from mediamon import migrations

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--entities", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=3, help="corpora to generate (seeds 1..N), figures summed")
    parser.add_argument("--min-score", type=float, default=None, help="override MEDIAMON_ALERT_MIN_SCORE")
    parser.add_argument("--breaking-outlets", type=int, default=None, help="override MEDIAMON_ALERT_BREAKING_OUTLETS")
    args = parser.parse_args()
    from dataclasses import replace

    from transforms.follow.settings import AlertSettings

    settings = AlertSettings.from_env()
    if args.min_score is not None:
        settings = replace(settings, min_score=args.min_score)
    if args.breaking_outlets is not None:
        settings = replace(settings, breaking_outlets=args.breaking_outlets)
    totals: dict[str, dict[str, float]] = {}
    started = time.perf_counter()
    articles = 0
    for seed in range(1, args.seeds + 1):
        corpus = generate(days=args.days, n_entities=args.entities, seed=seed)
        articles += len(corpus.articles)
        with migrations.scratch_database("mediamon_backtest") as url, psycopg.connect(url, autocommit=True) as conn:
            report = evaluate(conn, corpus, load(conn, corpus), settings=settings)
        for kind, row in report.items():
            agg = totals.setdefault(kind, {"planted": 0, "found": 0, "alerts": 0, "correct": 0})
            for key in agg:
                agg[key] += row[key]
    elapsed = time.perf_counter() - started
    print(f"backtest: {args.seeds} corpora × {args.days} days, {args.entities} entities, {articles} articles in all;"
          f" detector run for every day after the 28-day warm-up; {elapsed:.1f} s")
    print(f"settings: {settings.describe()}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print("| kind | planted | found | alerts | correct | precision | recall |")
    print("|---|---|---|---|---|---|---|")
    for kind, row in totals.items():
        precision = row["correct"] / row["alerts"] if row["alerts"] else float("nan")
        recall = row["found"] / row["planted"] if row["planted"] else float("nan")
        print(f"| {kind} | {row['planted']} | {row['found']} | {row['alerts']} | {row['correct']} | "
              f"{precision:.2f} | {recall:.2f} |")


if __name__ == "__main__":
    main()
