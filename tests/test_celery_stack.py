"""The CeleryExecutor glue (``mediamon.celery_stack``): environment, worker identity, and a real
Redis started and stopped by the stack. The whole Celery run (scheduler + 2 workers) is
``make celery-smoke`` (a few minutes), not part of the suite."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mediamon import airflow_local, celery_stack, stage_runs


def _env(tmp_path: Path) -> dict[str, str]:
    return airflow_local.airflow_env("postgresql://postgres:@/mediamon?host=/tmp/pg",
                                       metadata_url="postgresql+psycopg://postgres@/airflow?host=/tmp/pg",
                                       home=tmp_path / "airflow")


def test_celery_env_switches_the_executor_and_keeps_results_in_the_metadata_database(tmp_path):
    env = celery_stack.celery_env(_env(tmp_path), broker_url="redis://127.0.0.1:6390/0")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6390/0"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+postgresql+psycopg://postgres@/airflow?host=/tmp/pg"
    assert env["AIRFLOW_CONN_MEDIAMON_DB"] == _env(tmp_path)["AIRFLOW_CONN_MEDIAMON_DB"]


def test_two_local_workers_differ_in_name_log_port_and_pid_file(tmp_path):
    env = celery_stack.celery_env(_env(tmp_path), broker_url="redis://127.0.0.1:6390/0")
    one, two = celery_stack.worker_env(env, "worker1", 40001), celery_stack.worker_env(env, "worker2", 40002)
    assert one["AIRFLOW__CORE__HOSTNAME_CALLABLE"] == "mediamon.celery_stack.worker_hostname"
    assert one["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] != two["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"]
    commands = [celery_stack.worker_command("airflow", n, concurrency=1, pid_file=tmp_path / f"{n}.pid")
                for n in ("worker1", "worker2")]
    assert commands[0][:3] == ["airflow", "celery", "worker"]
    assert commands[0][commands[0].index("--celery-hostname") + 1] == "worker1@%h"
    assert commands[0][commands[0].index("--pid") + 1] != commands[1][commands[1].index("--pid") + 1]


def test_worker_hostname_names_the_worker_only_when_it_has_a_name(monkeypatch):
    monkeypatch.delenv("MEDIAMON_WORKER_NAME", raising=False)
    plain = celery_stack.worker_hostname()
    assert "@" not in plain
    monkeypatch.setenv("MEDIAMON_WORKER_NAME", "worker2")
    assert celery_stack.worker_hostname() == f"worker2@{plain}"


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed (make redis)")
def test_the_stack_starts_a_real_redis_and_stops_it(tmp_path):
    import redis

    port = celery_stack.free_port()
    stack = celery_stack.Stack(tmp_path / "logs")
    stack.start("redis", [celery_stack.redis_server(), "--bind", "127.0.0.1", "--port", str(port),
                          "--dir", str(tmp_path), "--save", ""], {})
    try:
        celery_stack.wait_for_port("127.0.0.1", port, 20)
        client = redis.Redis(host="127.0.0.1", port=port)
        assert client.ping() is True
        assert stack.exited() == {}
    finally:
        stack.stop()
    assert stack.exited() == {"redis": 0}
    assert (tmp_path / "logs" / "redis.log").read_text()


def test_entity_tasks_fork_one_ner_process_per_core_only_when_batches_run_one_by_one(monkeypatch):
    monkeypatch.delenv("MEDIAMON_ENTITY_WORKERS", raising=False)
    monkeypatch.delenv(stage_runs.SERIAL_TASKS_ENV, raising=False)
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")
    assert stage_runs.entity_workers() == 1  # the scheduler runs up to 4 batches side by side
    monkeypatch.setenv(stage_runs.SERIAL_TASKS_ENV, "1")  # dag.test(): one batch at a time
    assert stage_runs.entity_workers() == len(os.sched_getaffinity(0))
    monkeypatch.delenv(stage_runs.SERIAL_TASKS_ENV)
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    assert stage_runs.entity_workers() == 1
    monkeypatch.setenv("MEDIAMON_ENTITY_WORKERS", "3")
    assert stage_runs.entity_workers() == 3
