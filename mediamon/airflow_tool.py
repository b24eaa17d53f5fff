"""Airflow-side helpers that must run in a process whose Airflow environment is already set.

``python -m mediamon.airflow_tool init``: migrate Airflow's metadata database and create the
crawl pool (what ``airflow db migrate`` + ``airflow pools set`` do, in one interpreter start).

``python -m mediamon.airflow_tool test 2025-08-30 [--out result.json] [--runs N] [--checksums]``:
run the ``media_monitoring`` DAG once (or N times), for the data interval of that Almaty day, with
``dag.test()``, and report it as JSON (with ``--checksums``, also an md5 of every raw and core
table, so a re-run can be shown to change no row).

``mediamon airflow run`` sets the environment and calls these: Airflow reads its configuration
when it is first imported, so they cannot run inside a process that imported Airflow already.

``dag.test()`` runs every task in this process without a scheduler or executor and does *not*
raise when a task fails, so the report carries the DagRun state and each task instance's state;
the exit code is 1 unless the run succeeded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

DAG_ID = "media_monitoring"


def init() -> None:
    from airflow.models.pool import Pool
    from airflow.utils import db

    from mediamon import crawl_tasks

    db.upgradedb()
    Pool.create_or_update_pool(
        crawl_tasks.CRAWL_POOL, crawl_tasks.CRAWL_POOL_SLOTS,
        "Limits how many spiders crawl at once (politeness, bandwidth).", include_deferred=False)


def run(day: str, *, checksums: bool = False) -> dict[str, Any]:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.xcom import XComModel
    from airflow.settings import Session
    from airflow.utils.state import DagRunState
    from sqlalchemy import select

    from mediamon import airflow_local, settings, stage_runs, summary

    os.environ[stage_runs.SERIAL_TASKS_ENV] = "1"  # dag.test() runs the mapped batches one by one
    bag = DagBag(settings.REPO_ROOT / "dags")
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")
    dag = bag.get_dag(DAG_ID)
    dagrun = _test_started_now(dag, airflow_local.manual_run_moment(day))
    session = Session()
    tasks = []
    for ti in sorted(dagrun.get_task_instances(session=session), key=lambda t: (t.task_id, t.map_index)):
        tasks.append({"task_id": ti.task_id, "map_index": ti.map_index, "state": str(ti.state),
                      "try_number": ti.try_number, "label": ti.rendered_map_index,
                      "duration_s": round(ti.duration, 1) if ti.duration is not None else None})
    returns: dict[str, list[Any]] = {}
    for xcom in session.scalars(select(XComModel).where(
            XComModel.dag_id == DAG_ID, XComModel.run_id == dagrun.run_id,
            XComModel.key == "return_value").order_by(XComModel.task_id, XComModel.map_index)):
        returns.setdefault(xcom.task_id, []).append(XComModel.deserialize_value(xcom))
    with psycopg.connect(os.environ["MEDIAMON_DATABASE_URL"]) as conn:
        counts = summary.table_counts(conn)
        sums = summary.table_checksums(conn) if checksums else None
    return {
        "dag_id": DAG_ID,
        "run_id": dagrun.run_id,
        "state": str(dagrun.state),
        "succeeded": dagrun.state == DagRunState.SUCCESS,
        "logical_date": dagrun.logical_date.isoformat() if dagrun.logical_date else None,
        "start_date": dagrun.start_date.isoformat() if dagrun.start_date else None,
        "end_date": dagrun.end_date.isoformat() if dagrun.end_date else None,
        "data_interval": [dagrun.data_interval_start.isoformat(), dagrun.data_interval_end.isoformat()]
        if dagrun.data_interval_start else None,
        "tasks": tasks,
        "returns": returns,
        "table_counts": counts,
        **({"table_checksums": sums} if checksums else {}),
    }


def _test_started_now(dag: Any, logical_date: Any) -> Any:
    """``dag.test(logical_date=…)`` with the DagRun's start date set to now.

    ``dag.test()`` creates its run with ``start_date = logical_date``; for a past day the UI then
    shows a run of a day that "took" 23 h 57 min. The run really starts now, so that is what its
    record says: the helper ``dag.test()`` creates the run with is wrapped for this one call.
    """
    from unittest import mock

    from airflow.models import dagrun as dagrun_module
    from airflow.utils import timezone

    create = dagrun_module.get_or_create_dagrun

    def started_now(**kwargs: Any) -> Any:
        return create(**{**kwargs, "start_date": timezone.utcnow()})

    with mock.patch.object(dagrun_module, "get_or_create_dagrun", started_now):
        return dag.test(logical_date=logical_date)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mediamon.airflow_tool", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init", help="migrate the metadata database, create the crawl pool")
    test = commands.add_parser("test", help="dag.test() for the run covering one day, JSON report")
    test.add_argument("day", help="YYYY-MM-DD: the Almaty day whose data interval the run covers")
    test.add_argument("--out", type=Path, help="write the JSON report here instead of stdout")
    test.add_argument("--runs", type=int, default=1,
                      help="run the same day N times in this process; the report is then {'runs': [...]}")
    test.add_argument("--checksums", action="store_true",
                      help="add an md5 of every raw and core table to the report (reads them whole)")
    args = parser.parse_args(argv)
    if args.command == "init":
        init()
        return 0
    reports = [run(args.day, checksums=args.checksums) for _ in range(args.runs)]
    report = reports[0] if args.runs == 1 else {"runs": reports}
    text = json.dumps(report, ensure_ascii=False, indent=2, default=str)
    if args.out:
        args.out.write_text(text)
    else:
        print(text)
    return 0 if all(r["succeeded"] for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
