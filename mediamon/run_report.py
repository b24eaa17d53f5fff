"""The short report of one DAG run: what failed (crawls by outlet, with the reason), what each stage
did, and whether the marts were refreshed — a few lines an operator reads first.

:func:`build` is pure (task states and returned counts in, report out) so it is tested without
Airflow; the DAG's ``report`` task feeds it and :func:`store` keeps it in ``ops.run_reports``.
``mediamon airflow run`` (``make run``) prints the same summary.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

FAILED_STATES = frozenset({"failed", "upstream_failed"})
STAGES = ("normalize", "deduplicate", "extract_entities", "check_quality", "refresh_marts")


def _scalars(counts: Mapping[str, Any], limit: int = 8) -> str:
    """Numbers and short words of a task's counts (paths and run ids are in XCom, not in the summary)."""
    items = [f"{k} {v}" for k, v in counts.items()
             if (isinstance(v, int | float) and not isinstance(v, bool)) or (isinstance(v, str) and len(v) <= 20)]
    return ", ".join(items[:limit]) or "-"


def _merge(values: list[Any]) -> dict[str, Any]:
    """Counts of a mapped task's instances summed key by key (numbers only)."""
    total: dict[str, Any] = {"batches": len(values)}
    for value in values:
        for key, number in (value or {}).items():
            if isinstance(number, int | float) and not isinstance(number, bool):
                total[key] = total.get(key, 0) + number
    return total


def build(states: Iterable[Mapping[str, Any]], returns: Mapping[str, list[Any]]) -> dict[str, Any]:
    """The report from the run's task instances (``task_id``, ``map_index``, ``state``) and what each
    task returned (``returns[task_id]`` = the list of its XCom values, ``None`` for a missing one).

    Status: ``failed`` when a stage failed, ``partial`` when only crawls failed (the stages ran on
    the rest), ``succeeded`` otherwise.
    """
    crawls = next(iter(returns.get("collect_crawls") or []), None) or {}
    crawl_entries = crawls.get("crawls", [])
    failed_tasks = []
    for ti in sorted(states, key=lambda t: (t["task_id"], t.get("map_index", -1))):
        if str(ti["state"]) not in FAILED_STATES:
            continue
        entry = {"task_id": ti["task_id"], "map_index": ti.get("map_index", -1), "state": str(ti["state"])}
        if ti["task_id"] == "crawl" and 0 <= entry["map_index"] < len(crawl_entries):
            entry["label"] = crawl_entries[entry["map_index"]]["crawl"]
        failed_tasks.append(entry)
    stage_failures = [t for t in failed_tasks if t["task_id"] not in ("crawl", "report")]
    crawl_failures = list(crawls.get("failed", []))
    if stage_failures:
        status = "failed"
    elif crawl_failures or any(t["task_id"] == "crawl" for t in failed_tasks):
        status = "partial"
    else:
        status = "succeeded"
    counts: dict[str, Any] = {}
    for task_id, values in returns.items():
        present = [v for v in (values or []) if v is not None]
        if present:
            counts[task_id] = present[0] if task_id != "extract_entities" else _merge(present)
    marts = counts.get("refresh_marts")
    marts_text = f"marts refreshed ({marts.get('views', '?')} views)" if marts else "marts NOT refreshed"
    if status == "failed":
        failed_names = sorted({t["task_id"] for t in stage_failures})
        headline = f"failed: {', '.join(failed_names)}; {marts_text}"
    elif status == "partial":
        headline = (f"partial: {len(crawl_failures)} of {crawls.get('planned', '?')} crawls failed "
                    f"({', '.join(f.split(':', 1)[0] for f in crawl_failures)}); {marts_text} for the rest")
    else:
        headline = f"succeeded; {marts_text}"
    lines = [headline]
    if crawls:
        lines.append(f"  crawls: {crawls.get('succeeded', 0)}/{crawls.get('planned', 0)} ok, "
                     f"{crawls.get('items_new', 0)} new raw rows")
        lines += [f"    failed {failure}" for failure in crawl_failures]
    for task_id in STAGES:
        if task_id in counts:
            lines.append(f"  {task_id}: {_scalars(counts[task_id])}")
    lines += [f"  {t['task_id']}: {t['state']}" for t in stage_failures]
    return {"status": status, "headline": headline, "failed_tasks": failed_tasks,
            "failed_crawls": crawl_failures, "counts": counts, "summary": "\n".join(lines)}


def store(conninfo: str, dag_id: str, airflow_run_id: str, logical_date: date | None,
          report: Mapping[str, Any]) -> int:
    """One ``ops.run_reports`` row for ``report``; returns its id."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO ops.run_reports (dag_id, airflow_run_id, logical_date, status, failed_tasks, counts,"
            " summary) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING run_report_id",
            (dag_id, airflow_run_id, logical_date, report["status"],
             json.dumps(report["failed_tasks"]), json.dumps(report["counts"], ensure_ascii=False, default=str),
             report["summary"])).fetchone()
        return int(row[0])
