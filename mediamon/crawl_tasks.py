"""The DAG's crawls: the crawl plan, one crawl run in a subprocess, and the verdict on its record.

Shared by the Airflow crawl task and ``mediamon crawl`` (one error threshold for both).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mediamon import settings

log = logging.getLogger(__name__)

CRAWL_POOL = "mediamon_crawl"
CRAWL_POOL_SLOTS = 2


class CrawlFailed(RuntimeError):
    """The crawl's exit code or its own stats in ops.crawl_runs say it failed."""


@dataclass(frozen=True)
class CrawlSpec:
    """One crawl the DAG maps over: a spider, optionally limited to one source, with its arguments."""

    spider: str
    source: str | None = None
    args: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"spider": self.spider, "source": self.source, "args": dict(self.args)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CrawlSpec:
        return cls(data["spider"], data.get("source"), tuple(sorted((data.get("args") or {}).items())))


def crawl_plan() -> list[dict[str, Any]]:
    """The crawls one DAG run maps over, one mapped task instance each.

    - the seed fixtures (``seed_files`` over ``MEDIAMON_SEEDS_DIR``) unless ``MEDIAMON_CRAWL_SEEDS=0``;
    - with ``MEDIAMON_CRAWL_NEWS=1``, the ``news`` spider once per enabled source of the registry
      (``seeds/sources.yaml``), so one slow or dead outlet neither blocks nor fails the others'
      crawls; ``MEDIAMON_NEWS_SOURCES`` (comma-separated names) narrows the list and
      ``MEDIAMON_NEWS_BASE_URL`` points them at a mirror or the fixture site.
    Off by default locally (``make run`` works offline on the seeds); docker-compose turns it on.
    """
    plan: list[CrawlSpec] = []
    if os.environ.get("MEDIAMON_CRAWL_SEEDS", "1") != "0":
        plan.append(CrawlSpec("seed_files", "seeds", (("directory", str(settings.seeds_dir())),)))
    if os.environ.get("MEDIAMON_CRAWL_NEWS", "0") == "1":
        from transforms import sources

        base_url = os.environ.get("MEDIAMON_NEWS_BASE_URL", "").strip()
        names = [n.strip() for n in os.environ.get("MEDIAMON_NEWS_SOURCES", "").split(",") if n.strip()]
        for source in sources.select(sources.load_registry(), names or None):
            args = [("source", source.name)] + ([("base_url", base_url)] if base_url else [])
            plan.append(CrawlSpec("news", source.name, tuple(sorted(args))))
    return [spec.to_dict() for spec in plan]


def max_crawl_error_rate() -> float:
    """Share of a crawl's items that may fail before the crawl task fails (default 0.2)."""
    return float(os.environ.get("MEDIAMON_CRAWL_MAX_ERROR_RATE", "0.2"))


def crawl_verdict(run: Mapping[str, Any], max_error_rate: float) -> str | None:
    """Why a finished crawl counts as failed, or None when it is acceptable.

    Judged on the crawl's own record, not only the exit code: Scrapy exits 0 after a crawl in
    which every download failed. Errors are weighed against what the spider attempted
    (items seen + errors), so one failing page in a big crawl passes and a dead site does not.
    """
    if run["status"] != "finished":
        return f"crawl run {run['crawl_run_id']} ended with status {run['status']!r}"
    errors = int(run["errors"])
    attempted = int(run["items_seen"]) + errors
    if errors and errors / attempted > max_error_rate:
        return (f"crawl run {run['crawl_run_id']}: {errors} errors out of {attempted} attempts "
                f"({errors / attempted:.0%}) is above the threshold of {max_error_rate:.0%}")
    return None


def run_crawl(conninfo: str, spec: CrawlSpec, *, max_error_rate: float | None = None,
              scrapy_settings: Mapping[str, str] | None = None, airflow_run_id: str | None = None,
              on_line: Callable[[int, str], None] | None = None) -> dict[str, Any]:
    """Run the spider in a subprocess (``mediamon.crawling.run_spider``) and judge its record.

    The crawl fails on a non-zero exit, on a missing ``ops.crawl_runs`` row, and when the row's own
    stats are bad (:func:`crawl_verdict`); otherwise it returns the row's counts. A failed crawl
    stays visible in ``ops.crawl_runs``: its row gets the reason in ``failure`` (a spider that died
    before opening its row gets a ``failed`` row written here), so "which outlet failed today, and
    why" is one query, whatever later stages did. ``airflow_run_id`` is passed to the spider as an
    argument (kept in ``args``) so the DAG finds the crawls of its run.
    """
    from mediamon.crawling import run_spider

    max_error_rate = max_crawl_error_rate() if max_error_rate is None else max_error_rate
    spider_args = dict(spec.args) | ({"airflow_run_id": airflow_run_id} if airflow_run_id else {})
    result = run_spider(conninfo, spec.spider, spider_args,
                        scrapy_settings={"LOG_LEVEL": os.environ.get("MEDIAMON_CRAWL_LOG_LEVEL", "INFO"),
                                         **(scrapy_settings or {})}, on_line=on_line)
    log.info("%s", result.summary)
    if result.run is None:
        problem = f"scrapy crawl {spec.spider} exited with {result.exit_code} and left no row in ops.crawl_runs"
        if result.last_error:
            problem += f" (last error: {result.last_error})"
        record_failure(conninfo, spec, problem, spider_args)
        raise CrawlFailed(problem)
    problem = crawl_verdict(result.run, max_error_rate)
    if problem is None and result.exit_code != 0:
        problem = f"scrapy crawl {spec.spider} exited with {result.exit_code}"
    if problem:
        record_failure(conninfo, spec, problem, spider_args, crawl_run_id=int(result.run["crawl_run_id"]))
        raise CrawlFailed(problem)
    counts: dict[str, Any] = {"spider": spec.spider, "source": spec.source,
                              "crawl_run_id": result.run["crawl_run_id"]}
    for key in ("items_seen", "items_new", "items_quarantined", "errors"):
        counts[key] = int(result.run[key])  # type: ignore[call-overload]
    return counts


def record_failure(conninfo: str, spec: CrawlSpec, problem: str, spider_args: Mapping[str, str], *,
                   crawl_run_id: int | None = None) -> int:
    """Write why a crawl failed on its ``ops.crawl_runs`` row (a new ``failed`` row when it has none)."""
    import json

    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        if crawl_run_id is not None:
            conn.execute("UPDATE ops.crawl_runs SET failure = %s WHERE crawl_run_id = %s", (problem, crawl_run_id))
            return crawl_run_id
        row = conn.execute(
            "INSERT INTO ops.crawl_runs (spider, source, args, status, finished_at, failure)"
            " VALUES (%s, %s, %s, 'failed', now(), %s) RETURNING crawl_run_id",
            (spec.spider, spec.source, json.dumps(dict(spider_args)), problem)).fetchone()
        return int(row[0])


def crawls_of_run(conninfo: str, airflow_run_id: str) -> list[dict[str, Any]]:
    """The ``ops.crawl_runs`` rows one DAG run made (every attempt), oldest first."""
    import psycopg
    from psycopg.rows import dict_row

    with psycopg.connect(conninfo, row_factory=dict_row) as conn:
        return conn.execute(
            "SELECT crawl_run_id, spider, source, status, items_seen, items_new, items_quarantined, errors,"
            " failure FROM ops.crawl_runs WHERE args->>'airflow_run_id' = %s ORDER BY crawl_run_id",
            (airflow_run_id,)).fetchall()


def crawl_outcome(planned: list[Mapping[str, Any]], rows: list[Mapping[str, Any]]) -> dict[str, Any]:
    """What the crawls of one run amount to: per planned crawl its last attempt, and the totals.

    A planned crawl with no row at all (its task never started, or was killed) counts as failed:
    nothing it should have landed is silently missing from the report.
    """
    last: dict[tuple[str, str | None], Mapping[str, Any]] = {}
    for row in rows:
        last[(row["spider"], row["source"])] = row
    crawls, failed = [], []
    for spec in planned:
        row = last.get((spec["spider"], spec.get("source")))
        label = crawl_label(spec)
        if row is None:
            entry = {"crawl": label, "ok": False, "failure": "no crawl run recorded (task did not run?)"}
        else:
            entry = {"crawl": label, "ok": row["failure"] is None and row["status"] == "finished",
                     "crawl_run_id": row["crawl_run_id"], "items_new": row["items_new"],
                     "errors": row["errors"], "failure": row["failure"]}
        crawls.append(entry)
        if not entry["ok"]:
            failed.append(entry)
    return {"planned": len(planned), "succeeded": len(planned) - len(failed),
            "failed": [f"{e['crawl']}: {e['failure'] or 'failed'}" for e in failed],
            "items_new": sum(int(e.get("items_new") or 0) for e in crawls if e["ok"]), "crawls": crawls}


def crawl_label(spec: Mapping[str, Any]) -> str:
    """How a crawl is named in the UI (``map_index_template``) and in reports: its outlet, else its spider."""
    return str(spec.get("source") or spec["spider"])
