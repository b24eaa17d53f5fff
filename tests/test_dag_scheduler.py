"""``make run`` and then ``make airflow``: the real scheduler still creates the day's scheduled run.

``make run DAY=D`` runs ``dag.test()`` for the day D. Its logical date used to be D+1 00:00 Almaty
— exactly the logical date of the scheduler's run for the day D+1 — and a DAG has one run per
logical date: the scheduler logged "run already exists; skipping dagrun creation" forever and
never ran D+1. Now ``make run`` uses D+1 00:00:01, off the cron grid. The test does what the
operator did: ``make run`` for the day before yesterday (the code ``make run`` uses, an empty crawl
plan to keep it short), then starts a real ``airflow scheduler`` and ``airflow dag-processor`` on a
PostgreSQL metadata database and waits for the scheduled run of yesterday (the latest complete
interval, ``catchup=False``) to be created. No api-server is started: the run's tasks need not run
for the point to be made, and the two processes are stopped as soon as it exists.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pendulum
import psycopg
import pytest
from helpers_dag import airflow, run_day

from mediamon import airflow_connection, airflow_local, database, settings

TIMEOUT_S = 240  # the scheduler creates the run within seconds of the DAG's first parse when idle


@pytest.fixture()
def metadata_url(server_url: str):
    name = f"airflow_sched_{uuid.uuid4().hex[:8]}"
    url = database.create_database(server_url, name)
    yield url
    database.drop_database(server_url, name)


def _runs(metadata_libpq_url: str) -> list[tuple[str, str, object]]:
    with psycopg.connect(metadata_libpq_url) as conn:
        return conn.execute("SELECT run_type, run_id, logical_date FROM dag_run WHERE dag_id = 'media_monitoring'"
                            " ORDER BY logical_date").fetchall()


@pytest.mark.slow
@pytest.mark.extended
def test_the_scheduler_runs_the_next_day_after_make_run_of_the_day_before(db_url, metadata_url, tmp_path):
    yesterday = pendulum.now(airflow_local.DAG_TIMEZONE).start_of("day").subtract(days=1)
    day_before = yesterday.subtract(days=1).date().isoformat()
    env = {**os.environ, **airflow_local.airflow_env(
        db_url, metadata_url=airflow_connection.sqlalchemy_url(metadata_url), home=tmp_path / "airflow",
        port=9),  # nothing listens on port 9: the scheduler's task processes never reach another api-server
        "MEDIAMON_LOCAL_DIR": str(tmp_path / "local"), "MEDIAMON_CRAWL_SEEDS": "0",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2", "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5"}
    assert airflow(env, "init").returncode == 0
    result, [manual] = run_day(env, day_before, tmp_path / "run.json")
    assert manual["state"] == "success", result.stdout[-3000:]
    # make run's run covers the day before yesterday and sits one second past yesterday's midnight.
    assert pendulum.parse(manual["logical_date"]) == yesterday.add(seconds=1)
    assert pendulum.parse(manual["data_interval"][1]) == yesterday
    # ...and really started now (the UI's duration), not at its logical date.
    assert pendulum.parse(manual["start_date"]) > pendulum.now("UTC").subtract(minutes=30)

    logs = tmp_path / "logs"
    logs.mkdir()
    processes = []
    airflow_bin = str(Path(sys.executable).with_name("airflow"))
    for component in ("dag-processor", "scheduler"):
        with (logs / f"{component}.log").open("wb") as out:
            processes.append(subprocess.Popen([airflow_bin, component], env=env, cwd=settings.REPO_ROOT,
                                              stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
    try:
        deadline = time.monotonic() + TIMEOUT_S
        scheduled = []
        while time.monotonic() < deadline and not scheduled:
            time.sleep(3)
            scheduled = [r for r in _runs(metadata_url) if r[0] == "scheduled"]
            assert all(p.poll() is None for p in processes), (logs / "scheduler.log").read_text()[-3000:]
    finally:
        for proc in processes:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in processes:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    scheduler_log = (logs / "scheduler.log").read_text()
    assert scheduled, scheduler_log[-4000:]
    [(_, run_id, logical_date)] = scheduled
    assert pendulum.instance(logical_date) == yesterday, run_id
    assert "skipping dagrun creation" not in scheduler_log
    # Both runs are there: make run's manual one and the scheduler's for the next day.
    assert {r[0] for r in _runs(metadata_url)} == {"manual", "scheduled"}
