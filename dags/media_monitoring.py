"""
# media_monitoring

The daily mediamon pipeline: news articles about Kazakhstan–China relations go from the crawlers
into PostgreSQL and through the stages below, one **Almaty calendar day** per run.

`check_schema` → `plan_crawls` → `crawl` (one per spider/outlet) → `normalize` → `deduplicate` →
`plan_entity_batches` → `extract_entities` (one per batch) → `check_quality` → `refresh_marts`

## What a run processes

The schedule is a `CronDataIntervalTimetable("0 0 * * *", timezone="Asia/Almaty")`: the run with
logical date *D* covers the data interval **[D 00:00, D+1 00:00) Almaty time** and starts when that
interval has ended. (Airflow 3's default for a cron string is `CronTriggerTimetable`, whose runs
have no interval: start = end = the trigger time. A daily pipeline that names "the day it
processed" wants the interval, so the timetable is explicit.)

- **crawl** fetches what the sources publish *now* (the web has no history to replay); landing is
  keyed by URL fingerprint + content hash, so a re-crawl lands only new or changed pages.
- **normalize, deduplicate, entities** work on what is *pending* for their current transform
  version (rows no run has handled yet); with the run parameter `reprocess_interval`, normalize
  also re-does the raw rows *landed* in the run's data interval. Each stage upserts by key, so
  re-running a day or backfilling a range duplicates nothing.
- **quality** checks the whole core layer and records the result under the run's day;
  **marts** are rebuilt from the core layer when quality allows. Both give the same result when
  repeated.

`max_active_runs=1`: the stages pick up pending rows, so two runs at once would race for the same
rows; backfills (`airflow backfill create --dag-id media_monitoring --from-date … --to-date …`) run
day after day.

## Where to look

Each task logs its counts and returns them (XCom tab): rows in, out, quarantined, duplicates,
mentions. Every stage also writes a row to `ops.stage_runs`; crawls write `ops.crawl_runs`,
quality runs `ops.dq_runs` (with a Data Docs link). Bad input is never dropped:
it is in `ops.quarantine` with its reason.

Database: the Airflow connection `mediamon_db` (`AIRFLOW_CONN_MEDIAMON_DB`).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, get_current_context, task

TIMEZONE = "Asia/Almaty"

# One Asset per table a stage produces, so downstream DAGs can be scheduled on data.
SCHEMA = Asset(name="mediamon.schema", uri="mediamon://db/ops/schema_migrations", group="mediamon")
RAW_ARTICLES = Asset(name="mediamon.raw.articles", uri="mediamon://db/raw/articles", group="mediamon")
CORE_ARTICLES = Asset(name="mediamon.core.articles", uri="mediamon://db/core/articles", group="mediamon")
CORE_DUPLICATES = Asset(name="mediamon.core.duplicates", uri="mediamon://db/core/duplicates", group="mediamon")
CORE_STORIES = Asset(name="mediamon.core.stories", uri="mediamon://db/core/stories", group="mediamon")
CORE_ENTITIES = Asset(name="mediamon.core.entities", uri="mediamon://db/core/entities", group="mediamon")
CORE_MENTIONS = Asset(name="mediamon.core.mentions", uri="mediamon://db/core/mentions", group="mediamon")
CORE_FACTS = Asset(name="mediamon.core.facts", uri="mediamon://db/core/facts", group="mediamon")
CORE_QUOTES = Asset(name="mediamon.core.quotes", uri="mediamon://db/core/quotes", group="mediamon")
DQ_RESULTS = Asset(name="mediamon.ops.dq_results", uri="mediamon://db/ops/dq_results", group="mediamon")
MARTS = Asset(name="mediamon.mart", uri="mediamon://db/mart", group="mediamon")
CRAWL_POOL = "mediamon_crawl"  # created by `mediamon airflow init` / the compose init service

default_args = {
    "owner": "mediamon",
    # Transient database and network errors: retry with exponential backoff (1, 2, 4 min...).
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=20),
    "execution_timeout": timedelta(hours=2),
}


def _mapped(decorated):
    """Mapped tasks do not copy the function's docstring into ``doc_md``; do it explicitly."""
    return decorated.override(doc_md=decorated.function.__doc__)


def _logical_day():
    """The Almaty calendar day the current run covers: the start of its data interval.

    A run triggered without a logical date (the UI's default) has no interval; it covers the last
    complete day before it was triggered, as a scheduled run at that moment would.
    """
    context = get_current_context()
    start = context.get("data_interval_start")
    if start is None:
        start = pendulum.instance(context["dag_run"].run_after).in_timezone(TIMEZONE).subtract(days=1)
    return pendulum.instance(start).in_timezone(TIMEZONE).date()


@dag(
    dag_id="media_monitoring",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone=TIMEZONE),
    start_date=pendulum.datetime(2025, 8, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["mediamon", "news", "daily"],
    params={"reprocess_interval": Param(False, type="boolean",
                                        description="Also re-do the rows landed in this run's data interval.")},
    doc_md=__doc__,
)
def media_monitoring():
    @task(outlets=[SCHEMA])
    def check_schema() -> dict:
        """
        ### Check schema
        Applies any `sql/migrations` file the database has not seen yet (each once, in its own
        transaction, under an advisory lock), so the tasks below always run against the schema
        of the code they run. Returns how many migrations it applied (0 on a current database).
        """
        from mediamon import airflow_support, migrations

        conninfo = airflow_support.mediamon_database_url()
        applied = migrations.apply_all(conninfo)
        counts = {"applied": len(applied), "latest": migrations.discover()[-1].version}
        print(f"schema counts: {counts}")
        return counts

    @task
    def plan_crawls() -> list[dict]:
        """
        ### Plan crawls
        Lists the crawls of this run: the seed fixtures (`seed_files`) unless
        `MEDIAMON_CRAWL_SEEDS=0`, and with `MEDIAMON_CRAWL_NEWS=1` the `news` spider once per
        enabled outlet of `seeds/sources.yaml` (`MEDIAMON_NEWS_SOURCES` narrows the list,
        `MEDIAMON_NEWS_BASE_URL` points at a mirror). The next task is mapped over this list, so
        one dead outlet fails only its own crawl.
        """
        from mediamon import airflow_support

        plan = airflow_support.crawl_plan()
        print(f"crawl plan: {plan}")
        return plan

    @task(pool=CRAWL_POOL, outlets=[RAW_ARTICLES], retries=2)
    def crawl(spec: dict) -> dict:
        """
        ### Crawl
        Runs one spider in a subprocess (`scrapy crawl <spider>`; a Twisted reactor cannot restart
        inside the worker) against the `mediamon_db` connection. Lands new or changed pages in
        `raw.articles` (keyed by URL fingerprint + content hash, so a re-run lands nothing twice)
        and bad input in `ops.quarantine`. Fails when the exit code is non-zero **or** the crawl's
        own record in `ops.crawl_runs` shows errors above `MEDIAMON_CRAWL_MAX_ERROR_RATE`
        (default 20% of attempts). Runs in the `mediamon_crawl` pool, which limits concurrent crawls.
        Returns: items seen, new, quarantined, errors.
        """
        from mediamon import airflow_support

        counts = airflow_support.run_crawl(airflow_support.mediamon_database_url(),
                                           airflow_support.CrawlSpec.from_dict(spec))
        print(f"crawl counts: {counts}")
        return counts

    @task(outlets=[CORE_ARTICLES])
    def normalize(crawls: list[dict], params: dict | None = None) -> dict:
        """
        ### Normalize
        `transforms.normalize.normalize_pending`: every raw article version the current normalizer
        version has not handled becomes a `core.articles` row (title, publication date and how it
        was found, authors, attributed sources, language, clean text). With the run parameter
        `reprocess_interval` it also re-does the raw rows *landed* in this run's data interval
        (for a backfill after a normalizer fix). Unusable articles go to `ops.quarantine`
        (stage `normalize`). Idempotent: upserts by article, a re-run finds nothing pending.
        Returns: in, inserted, updated, unchanged, quarantined, out.
        """
        from mediamon import airflow_support
        from transforms import normalize as stage

        context = get_current_context()
        new_raw = sum(c.get("items_new", 0) for c in crawls)
        redo = bool((params or {}).get("reprocess_interval"))
        start, end = context.get("data_interval_start"), context.get("data_interval_end")

        def work(conn) -> dict:
            counts = {"crawled_new": new_raw, **stage.normalize_pending(conn)}
            if redo and start is not None:
                window = stage.normalize_pending(conn, landed_from=start, landed_to=end)
                counts.update({f"interval_{key}": value for key, value in window.items()})
            return counts

        counts = airflow_support.run_stage(airflow_support.mediamon_database_url(), "normalize", _logical_day(),
                                           work, transform_version=stage.NORMALIZER_VERSION, autocommit=True)
        print(f"normalize counts: {counts}")
        return counts

    @task(outlets=[CORE_DUPLICATES, CORE_STORIES])
    def deduplicate(articles: dict) -> dict:
        """
        ### Deduplicate
        `transforms.dedup.deduplicate_pending`: articles this dedup version has not seen are
        compared with everything before them — exact copies by text hash, near duplicates by
        MinHash/LSH — into `core.duplicates`, and grouped into `core.stories` /
        `core.story_articles`. Incremental (persisted LSH buckets and story index) and
        idempotent: a re-run finds nothing pending. Returns: in, exact, near, originals,
        new_stories, joined_stories.
        """
        from mediamon import airflow_support
        from transforms import dedup as stage

        counts = airflow_support.run_stage(airflow_support.mediamon_database_url(), "deduplicate", _logical_day(),
                                           stage.deduplicate_pending, transform_version=stage.DEDUP_VERSION,
                                           autocommit=True)
        print(f"deduplicate counts: {counts}")
        return counts

    @task
    def plan_entity_batches(stories: dict) -> list[list[int]]:
        """
        ### Plan entity batches
        `transforms.entities.pending_article_ids`: the articles the current extractor version has
        not processed, split into batches of `MEDIAMON_ENTITY_BATCH_SIZE` (default 200). The next
        task is mapped over the batches, so NER spreads over workers; no batch when nothing is
        pending (the mapped task is then skipped).
        """
        from mediamon import airflow_support, database
        from transforms import entities

        with database.connect(airflow_support.mediamon_database_url()) as conn:
            ids = entities.pending_article_ids(conn)
        plan = airflow_support.batches(ids, airflow_support.entity_batch_size())
        print(f"entity batches: {len(ids)} pending articles in {len(plan)} batches")
        return plan

    # About 210 MB of natasha models per running batch: at most 4 batches of a run at once.
    @task(outlets=[CORE_ENTITIES, CORE_MENTIONS, CORE_FACTS, CORE_QUOTES], max_active_tis_per_dagrun=4)
    def extract_entities(article_ids: list[int]) -> dict:
        """
        ### Extract entities
        `transforms.entities.extract_pending` on one batch of articles: natasha NER with the
        project's correction rules, normal forms, linking to canonical entities through the alias
        table (`core.entities`, `core.entity_aliases`, `core.mentions`), money/date facts
        (`core.facts`) and attributed quotes (`core.quotes`). Articles that cannot be analysed are
        recorded with the reason (quarantined when the input is bad). Records its own row in
        `ops.stage_runs`. Idempotent: an article is redone only for a new extractor version.
        NER runs on `MEDIAMON_ENTITY_WORKERS` forked processes (default: every core; 1 under the
        CeleryExecutor, where the workers are the parallelism); results do not depend on it.
        Returns: in, out, skipped, quarantined, mentions, facts, quotes.
        """
        from mediamon import airflow_support, database
        from transforms import entities

        with database.connect(airflow_support.mediamon_database_url(), autocommit=True) as conn:
            counts = entities.extract_pending(conn, article_ids=article_ids,
                                              workers=airflow_support.entity_workers())
        print(f"entities counts: {counts}")
        return counts

    @task(outlets=[DQ_RESULTS], trigger_rule="none_failed", retries=1)
    def check_quality(entities: list[dict] | None = None) -> dict:
        """
        ### Check quality
        `transforms.quality.run_suites`: the great-expectations suites declared in
        `transforms/quality/suites/*.yml` (unique, not null, accepted values, ranges, references)
        for every core table, results in `ops.dq_runs` / `ops.dq_results`, failing rows set aside
        in `ops.quarantine`. Runs after the entity batches even when there were none (nothing
        pending). A **critical** failure fails this task without retries (a retry cannot fix data)
        and keeps the marts at their last good state. Returns: status and counts per suite.
        """
        from airflow.sdk.exceptions import AirflowFailException

        from mediamon import airflow_support
        from transforms import quality

        conninfo = airflow_support.mediamon_database_url()
        run_id = get_current_context()["run_id"]

        def work(conn) -> dict:
            return quality.run_suites(conninfo, logical_date=_logical_day(), run_id=run_id)

        try:
            counts = airflow_support.run_stage(conninfo, "quality", _logical_day(), work)
        except quality.QualityGateFailed as failure:
            raise AirflowFailException(f"quality gate failed: {failure}") from failure
        print(f"quality counts: {counts}")
        return counts

    @task(outlets=[MARTS])
    def refresh_marts(quality_result: dict) -> dict:
        """
        ### Refresh marts
        `transforms.marts.refresh`: refreshes every `mart.*` view analysts query, in one
        transaction, only when the latest quality run passed or warned. Returns rows per view.
        """
        from mediamon import airflow_support
        from transforms import marts

        counts = airflow_support.run_stage(airflow_support.mediamon_database_url(), "marts", _logical_day(),
                                           marts.refresh)
        print(f"marts counts: {counts}")
        return counts

    crawls = _mapped(crawl).expand(spec=plan_crawls())
    check_schema() >> crawls
    stories = deduplicate(normalize(crawls))
    entities = _mapped(extract_entities).expand(article_ids=plan_entity_batches(stories))
    refresh_marts(check_quality(entities))


media_monitoring()
