"""
# media_monitoring

The daily mediamon pipeline: news articles about Kazakhstan–China relations go from the crawlers
into PostgreSQL and through the stages below, one **Almaty calendar day** per run.

`check_schema` → `plan_crawls` → `crawl` (one per spider/outlet) → `collect_crawls` → `normalize` →
`deduplicate` → `plan_entity_batches` → `extract_entities` (one per batch) → `check_quality` →
`refresh_marts` → `report`; `refresh_marts` → `detect_alerts` → `notify`

## When an outlet is down

Some outlet is down every day, so a failed crawl does not stop the day: `collect_crawls` runs once
every crawl has finished, failed or not (trigger rule `all_done`), and the stages go on with
whatever landed. The failed crawl stays visible: its task is red, its `ops.crawl_runs` row says why
(`failure`), and `report` (also `all_done`) lists it and marks the run **failed** — after the
marts were refreshed for the healthy outlets. A crawl retries once, after
`MEDIAMON_TASK_RETRY_DELAY_S` (default 60 s): a dead outlet costs about a minute.
A run whose crawl plan is empty (`MEDIAMON_CRAWL_SEEDS=0`, no news) still processes every pending row.

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
  **marts** are brought up to date from the core layer when quality allows (incrementally: only
  the rows of what changed since the last refresh, docs/quality.md). Both give the same result
  when repeated.

`max_active_runs=1`: the stages pick up pending rows, so two runs at once would race for the same
rows; backfills (`airflow backfill create --dag-id media_monitoring --from-date … --to-date …`) run
day after day.

## Where to look

Each task logs its counts as its last line and returns them (XCom tab): rows in, out,
quarantined, duplicates, mentions. Mapped crawls are labelled by outlet. The `report` task's log
(and `ops.run_reports`) is the run in a few lines: what failed, what each stage did. Every
stage also writes a row to `ops.stage_runs`; crawls write `ops.crawl_runs`, quality runs
`ops.dq_runs` (with a Data Docs link). Bad input is never dropped: it is in `ops.quarantine`
with its reason (`mediamon quality quarantine` lists every open row with its stage).

Database: the Airflow connection `mediamon_db` (`AIRFLOW_CONN_MEDIAMON_DB`).

## Following the news: `refresh_marts` → `detect_alerts` → `notify`

After the marts, `detect_alerts` records the day's new matches of every analyst watchlist
(`analyst.watchlists` → `mart.watch_matches`) and the spikes per canonical entity, entity pair and
story plus breaking stories (`mart.alerts`; method in `docs/alerts.md`). `notify` sends what was
not delivered yet by e-mail and webhook (`MEDIAMON_SMTP_HOST`, `MEDIAMON_ALERT_MAIL_TO`,
`MEDIAMON_WEBHOOK_URL`); a failed delivery is recorded in `ops.deliveries` and retried by the next
run, and never fails the run. Re-running a day sends nothing twice.
"""

from __future__ import annotations

import inspect
import os
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
ALERTS = Asset(name="mediamon.mart.alerts", uri="mediamon://db/mart/alerts", group="mediamon")
WATCH_MATCHES = Asset(name="mediamon.mart.watch_matches", uri="mediamon://db/mart/watch_matches", group="mediamon")
CRAWL_POOL = "mediamon_crawl"  # created by `mediamon airflow init` / the compose init service

# The first retry waits this long, later ones twice as long each (tests shrink it to a second).
RETRY_DELAY = timedelta(seconds=float(os.environ.get("MEDIAMON_TASK_RETRY_DELAY_S", "60")))

default_args = {
    "owner": "mediamon",
    # Transient database and network errors: retry with exponential backoff (1, 2 min); a real bug
    # fails after about 3 minutes.
    "retries": 2,
    "retry_delay": RETRY_DELAY,
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=2),
}


def _markdown(function):
    """Task docs are Markdown: dedent the docstring, or its indentation makes it one code block."""
    function.__doc__ = inspect.cleandoc(function.__doc__ or "")
    return function


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
    @_markdown
    def check_schema() -> dict:
        """
        ### Check schema
        Applies any `sql/migrations` file the database has not seen yet (each once, in its own
        transaction, under an advisory lock), so the tasks below always run against the schema
        of the code they run. Returns how many migrations it applied (0 on a current database).
        """
        from mediamon import airflow_connection, migrations

        conninfo = airflow_connection.mediamon_database_url()
        applied = migrations.apply_all(conninfo)
        counts = {"applied": len(applied), "latest": migrations.discover()[-1].version}
        print(f"schema counts: {counts}")
        return counts

    @task
    @_markdown
    def plan_crawls() -> list[dict]:
        """
        ### Plan crawls
        Lists the crawls of this run: the seed fixtures (`seed_files`) unless
        `MEDIAMON_CRAWL_SEEDS=0`, and with `MEDIAMON_CRAWL_NEWS=1` the `news` spider once per
        enabled outlet of `seeds/sources.yaml` (`MEDIAMON_NEWS_SOURCES` narrows the list,
        `MEDIAMON_NEWS_BASE_URL` points at a mirror). The next task is mapped over this list, so
        one dead outlet fails only its own crawl. An empty plan is fine: the stages still run
        on whatever is pending.
        """
        from mediamon import crawl_tasks

        plan = crawl_tasks.crawl_plan()
        print(f"crawl plan: {len(plan)} crawls: {', '.join(map(crawl_tasks.crawl_label, plan)) or 'none'}")
        return plan

    @task(pool=CRAWL_POOL, outlets=[RAW_ARTICLES], retries=1, map_index_template="{{ crawl_label }}")
    @_markdown
    def crawl(spec: dict) -> dict:
        """
        ### Crawl
        Runs one spider in a subprocess (`scrapy crawl <spider>`; a Twisted reactor cannot restart
        inside the worker) against the `mediamon_db` connection, and logs Scrapy's lines at their
        own level with a progress line every few seconds. Lands new or changed pages in
        `raw.articles` (keyed by URL fingerprint + content hash, so a re-run lands nothing twice)
        and bad input in `ops.quarantine`. Fails when the exit code is non-zero **or** the crawl's
        own record in `ops.crawl_runs` shows errors above `MEDIAMON_CRAWL_MAX_ERROR_RATE`
        (default 20% of attempts); the reason is kept in `ops.crawl_runs.failure`. A failed crawl
        does not stop the day: the stages run on what the other crawls landed. Retries once.
        Runs in the `mediamon_crawl` pool, which limits concurrent crawls; labelled by outlet.

        Returns: items seen, new, quarantined, errors.
        """
        from mediamon import airflow_connection, crawl_tasks

        context = get_current_context()
        context["crawl_label"] = crawl_tasks.crawl_label(spec)
        counts = crawl_tasks.run_crawl(airflow_connection.mediamon_database_url(),
                                       crawl_tasks.CrawlSpec.from_dict(spec), airflow_run_id=context["run_id"])
        print(f"crawl counts: {counts}")
        return counts

    @task(trigger_rule="all_done")
    @_markdown
    def collect_crawls(plan: list[dict] | None = None) -> dict:
        """
        ### Collect crawls
        Runs when every crawl has finished, **failed ones included** (trigger rule `all_done`),
        and when there was nothing to crawl. Reads this run's rows of `ops.crawl_runs`: which
        crawls succeeded, which failed and why, how many new raw rows landed. Never fails on a
        failed crawl, so the stages below run on whatever landed; `report` fails the run for it.

        Returns: planned, succeeded, failed (outlet: reason), items_new, crawls.
        """
        from mediamon import airflow_connection, crawl_tasks

        run_id = get_current_context()["run_id"]
        rows = crawl_tasks.crawls_of_run(airflow_connection.mediamon_database_url(), run_id)
        outcome = crawl_tasks.crawl_outcome(plan or [], rows)
        for failure in outcome["failed"]:
            print(f"crawl failed: {failure}")
        print(f"crawls counts: planned {outcome['planned']}, succeeded {outcome['succeeded']}, "
              f"failed {len(outcome['failed'])}, new raw rows {outcome['items_new']}")
        return outcome

    @task(outlets=[CORE_ARTICLES])
    @_markdown
    def normalize(crawls: dict, params: dict | None = None) -> dict:
        """
        ### Normalize
        `transforms.normalize.normalize_pending`: every raw article version the current normalizer
        version has not handled becomes a `core.articles` row (title, publication date and how it
        was found, authors, attributed sources, language, clean text). With the run parameter
        `reprocess_interval` it also re-does the raw rows *landed* in this run's data interval
        (for a backfill after a normalizer fix). Unusable articles go to `ops.quarantine`
        (stage `normalize`). Idempotent: upserts by article, a re-run finds nothing pending.
        Runs after failed crawls too (see `collect_crawls`), and with an empty crawl plan.

        Returns: in, inserted, updated, unchanged, quarantined, out.
        """
        from mediamon import airflow_connection, stage_runs
        from transforms import normalize as stage

        context = get_current_context()
        new_raw = int((crawls or {}).get("items_new", 0))
        redo = bool((params or {}).get("reprocess_interval"))
        start, end = context.get("data_interval_start"), context.get("data_interval_end")

        def work(conn) -> dict:
            counts = {"crawled_new": new_raw, **stage.normalize_pending(conn)}
            if redo and start is not None:
                window = stage.normalize_pending(conn, landed_from=start, landed_to=end)
                counts.update({f"interval_{key}": value for key, value in window.items()})
            return counts

        counts = stage_runs.run_stage(airflow_connection.mediamon_database_url(), "normalize", _logical_day(),
                                      work, transform_version=stage.NORMALIZER_VERSION, autocommit=True)
        print(f"normalize counts: {counts}")
        return counts

    @task(outlets=[CORE_DUPLICATES, CORE_STORIES])
    @_markdown
    def deduplicate(articles: dict) -> dict:
        """
        ### Deduplicate
        `transforms.dedup.deduplicate_pending`: articles this dedup version has not seen are
        compared with everything before them — exact copies by text hash, near duplicates by
        MinHash/LSH against group roots only (flood-safe) — into `core.duplicates`; originals are
        embedded (multilingual-e5-small, pgvector `core.article_embeddings`) and join the story
        of their closest members in the ±3-day window or found one (`core.stories`,
        `core.story_articles`). Incremental (persisted LSH buckets and vectors, history never
        re-embedded) and idempotent: a re-run finds nothing pending.

        Returns: in, exact, near, originals, repointed, new_stories, joined_stories, undated,
        not_embedded.
        """
        from mediamon import airflow_connection, stage_runs
        from transforms import dedup as stage

        counts = stage_runs.run_stage(airflow_connection.mediamon_database_url(), "deduplicate", _logical_day(),
                                      stage.deduplicate_pending, transform_version=stage.DEDUP_VERSION,
                                      autocommit=True)
        print(f"deduplicate counts: {counts}")
        return counts

    @task
    @_markdown
    def plan_entity_batches(stories: dict) -> list[list[int]]:
        """
        ### Plan entity batches
        `transforms.entities.pending_article_ids`: the articles the current extractor version has
        not processed, split into batches of `MEDIAMON_ENTITY_BATCH_SIZE` (default 200). The next
        task is mapped over the batches, so NER spreads over workers; no batch when nothing is
        pending (the mapped task is then skipped).
        """
        from mediamon import airflow_connection, database, stage_runs
        from transforms import entities

        with database.connect(airflow_connection.mediamon_database_url()) as conn:
            ids = entities.pending_article_ids(conn)
        plan = stage_runs.batches(ids, stage_runs.entity_batch_size())
        print(f"entity batches: {len(ids)} pending articles in {len(plan)} batches")
        return plan

    # About 210 MB of natasha models per running batch: at most 4 batches of a run at once.
    @task(outlets=[CORE_ENTITIES, CORE_MENTIONS, CORE_FACTS, CORE_QUOTES], max_active_tis_per_dagrun=4,
          map_index_template="{{ batch_label }}")
    @_markdown
    def extract_entities(article_ids: list[int]) -> dict:
        """
        ### Extract entities
        `transforms.entities.extract_pending` on one batch of articles: natasha NER with the
        project's correction rules, normal forms, linking to canonical entities through the alias
        table (`core.entities`, `core.entity_aliases`, `core.mentions`), money/date facts
        (`core.facts`) and attributed quotes (`core.quotes`). Articles that cannot be analysed are
        recorded with the reason (quarantined when the input is bad). Records its own row in
        `ops.stage_runs`; logs a progress line every few seconds. Idempotent: an article is
        redone only for a new extractor version. Labelled by its article id range.
        NER runs on `MEDIAMON_ENTITY_WORKERS` forked processes (default: every core under dag.test(),
        which runs the batches one by one; 1 under a scheduler, LocalExecutor or CeleryExecutor,
        where the batches run side by side); results do not depend on it.

        Returns: in, out, skipped, quarantined, mentions, facts, quotes.
        """
        from mediamon import airflow_connection, database, stage_runs
        from transforms import entities

        context = get_current_context()
        context["batch_label"] = (f"articles {min(article_ids)}–{max(article_ids)} ({len(article_ids)})"
                                  if article_ids else "empty")
        with database.connect(airflow_connection.mediamon_database_url(), autocommit=True) as conn:
            counts = entities.extract_pending(conn, article_ids=article_ids,
                                              workers=stage_runs.entity_workers())
        print(f"entities counts: {counts}")
        return counts

    @task(outlets=[DQ_RESULTS], trigger_rule="none_failed", retries=1)
    @_markdown
    def check_quality(entities: list[dict] | None = None) -> dict:
        """
        ### Check quality
        `transforms.quality.run_suites`: the great-expectations suites declared in
        `transforms/quality/suites/*.yml` (unique, not null, accepted values, ranges, references)
        for every core table, results in `ops.dq_runs` / `ops.dq_results`, failing rows set aside
        in `ops.quarantine`. Runs after the entity batches even when there were none (nothing
        pending). A **critical** failure fails this task without retries (a retry cannot fix data)
        and keeps the marts at their last good state.

        Returns: status and counts per suite.
        """
        from airflow.sdk.exceptions import AirflowFailException

        from mediamon import airflow_connection, stage_runs
        from transforms import quality

        conninfo = airflow_connection.mediamon_database_url()
        run_id = get_current_context()["run_id"]

        def work(conn) -> dict:
            return quality.run_suites(conninfo, logical_date=_logical_day(), run_id=run_id)

        try:
            counts = stage_runs.run_stage(conninfo, "quality", _logical_day(), work)
        except quality.QualityGateFailed as failure:
            raise AirflowFailException(f"quality gate failed: {failure}") from failure
        print(f"quality counts: {counts}")
        return counts

    @task(outlets=[MARTS])
    @_markdown
    def refresh_marts(quality_result: dict) -> dict:
        """
        ### Refresh marts
        `transforms.marts.refresh`: brings every `mart.*` table analysts query up to date, in one
        transaction, only when the latest quality run passed or warned; re-derives only the rows
        of the articles, stories, entities and days that changed (`ops.mart_changes`).

        Returns: rows per view.
        """
        from mediamon import airflow_connection, stage_runs
        from transforms import marts

        counts = stage_runs.run_stage(airflow_connection.mediamon_database_url(), "marts", _logical_day(),
                                      marts.refresh)
        print(f"marts counts: {counts}")
        return counts

    @task(outlets=[ALERTS, WATCH_MATCHES])
    @_markdown
    def detect_alerts(marts_result: dict) -> dict:
        """
        ### Detect alerts
        `transforms.follow.daily.detect` (also run by `mediamon run`):
        `transforms.follow.watchlists.evaluate`: every enabled watchlist of `analyst.watchlists`
        (a query and/or canonical entities, an entity pair, outlets) against the articles of the
        run's day and the two days before (late crawls) → new rows in `mart.watch_matches`.
        Then `transforms.follow.alerts.detect`: articles per canonical entity, entity pair and
        story on the day against a winsorized 28-day baseline (Poisson, or negative binomial
        when the history is overdispersed), and stories many outlets took up that day
        (breaking) → `mart.alerts`, with the top articles as evidence. Undated articles count
        on the day they were first seen. Thresholds: `MEDIAMON_ALERT_*` (docs/alerts.md).
        Idempotent: a re-run adds no match and no alert. Returns: new matches, alerts per kind.
        """
        from mediamon import airflow_connection, stage_runs
        from transforms.follow import daily

        day = _logical_day()
        counts = stage_runs.run_stage(airflow_connection.mediamon_database_url(), "alerts", day,
                                      lambda conn: daily.detect(conn, day), autocommit=True)
        print(f"alerts counts: {counts}")
        return counts

    @task(retries=1)
    @_markdown
    def notify(found: dict) -> dict:
        """
        ### Notify
        `transforms.follow.daily.deliver` → `transforms.follow.notify.notify`: one e-mail
        (SMTP: `MEDIAMON_SMTP_HOST`, `_PORT`,
        `_USER`, `_PASSWORD`, `_STARTTLS`; to `MEDIAMON_ALERT_MAIL_TO`) and one JSON POST
        (`MEDIAMON_WEBHOOK_URL`) carrying every alert and watchlist match not yet delivered on
        that channel. A channel without its address is off. Each send is tried
        `MEDIAMON_NOTIFY_ATTEMPTS` times (default 3) with a doubling wait; the outcome per item
        and channel is in `ops.deliveries` (sent items never go out again; failed ones are retried
        by the next run). A delivery failure never fails this task. Returns: sent/failed per channel.
        """
        from mediamon import airflow_connection, stage_runs
        from transforms.follow import daily

        day = _logical_day()
        report = stage_runs.run_stage(airflow_connection.mediamon_database_url(), "notify", day,
                                      lambda conn: daily.deliver(conn, day), autocommit=True)
        print(f"notify report: {report}")
        return report

    @task(trigger_rule="all_done")
    @_markdown
    def report() -> dict:
        """
        ### Report
        The run in a few lines, once everything else has finished (trigger rule `all_done`):
        each task's outcome (failed crawls by outlet, with the reason), the counts every stage
        returned, and whether the marts were refreshed. Written to this log, to XCom and to
        `ops.run_reports`. **Fails the run** when a crawl or a stage failed, so a partial day is
        never reported green — the marts were still refreshed for the healthy outlets.

        Returns: status (succeeded, partial, failed), failed tasks, counts.
        """
        from airflow.sdk.exceptions import AirflowFailException

        from mediamon import airflow_connection, run_report

        context = get_current_context()
        ti, run_id = context["ti"], context["run_id"]
        states = list(ti.get_task_breadcrumbs(dag_id=ti.dag_id, run_id=run_id))
        # A list of task ids always pulls a list (one value per map index, None where missing).
        returns = {task_id: ti.xcom_pull(task_ids=[task_id])
                   for task_id in ("collect_crawls", *run_report.STAGES)}
        result = run_report.build(states, returns)
        run_report.store(airflow_connection.mediamon_database_url(), ti.dag_id, run_id, _logical_day(), result)
        print(result["summary"])
        print(f"report counts: {result['status']}, {len(result['failed_tasks'])} failed tasks")
        if result["status"] != "succeeded":
            raise AirflowFailException(result["headline"])
        return result

    plan = plan_crawls()
    crawls = _mapped(crawl).expand(spec=plan)
    schema = check_schema()
    schema >> crawls
    landed = collect_crawls(plan)
    crawls >> landed
    articles = normalize(landed)
    schema >> articles
    stories = deduplicate(articles)
    entities = _mapped(extract_entities).expand(article_ids=plan_entity_batches(stories))
    marts = refresh_marts(check_quality(entities))
    notify(detect_alerts(marts))
    [crawls, landed, marts] >> report()


media_monitoring()
