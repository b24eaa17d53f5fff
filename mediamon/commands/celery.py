"""``mediamon airflow celery [--smoke]``: Airflow on the CeleryExecutor with local workers.

- without ``--smoke`` (``make airflow-celery``): Redis, api-server, scheduler, dag-processor and
  ``--workers`` (2) Celery workers on the project's databases; prints the UI address; Ctrl-C stops.
- ``--smoke`` (``make celery-smoke``): the same stack on a scratch news database and a scratch
  metadata database (both dropped afterwards) and free ports. The DAG is unpaused at creation, so
  the scheduler starts the run of the last complete day by itself, as in production; the seeds
  are crawled, and each entity batch holds one article, so the run has several mapped entity
  task instances for the workers to share. Exits 0 only when the run succeeded **and** its entity
  batches ran on every worker; prints which worker ran which task instance.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from mediamon import airflow_connection, airflow_local, celery_stack, database, migrations

DAG_ID = "media_monitoring"


def register(commands: argparse._SubParsersAction, environment: Callable[[int], dict[str, str]],
             init_with: Callable[[dict[str, str]], None]) -> None:
    parser = commands.add_parser("celery", help="Airflow on the CeleryExecutor: Redis + N local workers")
    parser.add_argument("--workers", type=int, default=2, help="Celery workers to start here (default 2)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="task instances each worker runs at once (default 1: NER uses a core each)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("MEDIAMON_AIRFLOW_PORT", "8080")))
    parser.add_argument("--redis-port", type=int, default=int(os.environ.get("MEDIAMON_REDIS_PORT", "6379")))
    parser.add_argument("--smoke", action="store_true",
                        help="scratch databases, free ports: run one day, check the workers shared it, stop")
    parser.add_argument("--timeout", type=float, default=900, help="--smoke: seconds to wait for the run")
    parser.set_defaults(handler=lambda args: _smoke(args, init_with) if args.smoke
                        else _up(args, environment, init_with))


def _check(args: argparse.Namespace) -> None:
    from mediamon.cli import UserError

    if args.workers < 1 or args.concurrency < 1:
        raise UserError("--workers and --concurrency must be at least 1")
    try:
        celery_stack.redis_server()
    except FileNotFoundError as error:
        if not os.environ.get("MEDIAMON_CELERY_BROKER_URL"):
            raise UserError(str(error)) from error


def _up(args: argparse.Namespace, environment: Callable[[int], dict[str, str]],
        init_with: Callable[[dict[str, str]], None]) -> int:
    from mediamon.commands.airflow import _wait_for_ui

    _check(args)
    env = environment(args.port)
    init_with(env)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    home = Path(env["AIRFLOW_HOME"])
    stack, _ = celery_stack.start_celery_stack(env, workers=args.workers, concurrency=args.concurrency,
                                               api_port=args.port, redis_port=args.redis_port, home=home)
    url = f"http://localhost:{args.port}"
    login = airflow_local.write_passwords_file(env)
    user = login.user
    password = login.password if os.environ.get("MEDIAMON_AIRFLOW_ADMIN_PASSWORD") else f"(password in {login.path})"
    try:
        if not _wait_for_ui(url):
            print(f"mediamon: the api-server did not answer on {url}; see {stack.logs}/api-server.log",
                  file=sys.stderr)
            return 1
        print(f"\nAirflow (CeleryExecutor, {args.workers} workers x {args.concurrency}): {url}   "
              f"login: {user} / {password}\nlogs: {stack.logs}/<component>.log   stop: Ctrl-C\n", flush=True)
        while True:
            if exited := stack.exited():
                print(f"mediamon: {exited} exited; see {stack.logs}", file=sys.stderr)
                return 1
            time.sleep(2)
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


def _smoke(args: argparse.Namespace, init_with: Callable[[dict[str, str]], None]) -> int:
    _check(args)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` cleans up like Ctrl-C
    server = database.with_database(database.database_url(), "postgres")
    meta_name = f"airflow_celery_smoke_{os.getpid()}"
    with migrations.scratch_database("mediamon_celery_smoke") as news_url, \
            tempfile.TemporaryDirectory(prefix="mediamon-celery-") as tmp:
        meta_url = database.create_database(server, meta_name)
        try:
            return _smoke_run(args, init_with, news_url, meta_url, Path(tmp))
        finally:
            database.drop_database(server, meta_name)


def _smoke_run(args: argparse.Namespace, init_with: Callable[[dict[str, str]], None], news_url: str,
               meta_url: str, tmp: Path) -> int:
    port = celery_stack.free_port()
    home = tmp / "airflow"
    env = {**os.environ, **airflow_local.airflow_env(
        news_url, metadata_url=airflow_connection.sqlalchemy_url(meta_url), home=home, port=port),
        "MEDIAMON_LOCAL_DIR": str(tmp / "local"),
        "MEDIAMON_ENTITY_BATCH_SIZE": "1",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5"}
    airflow_local.write_passwords_file(env)
    print(f"celery smoke: news db {database.database_name(news_url)}, metadata db "
          f"{database.database_name(meta_url)}, api-server :{port}, {args.workers} workers", flush=True)
    init_with(env)
    started = time.monotonic()
    stack, _ = celery_stack.start_celery_stack(env, workers=args.workers, concurrency=args.concurrency,
                                               api_port=port, redis_port=None, home=home)
    try:
        state = _wait_for_run(meta_url, stack, started, args.timeout)
        tis = _task_instances(meta_url)
    finally:
        stack.stop()
    elapsed = time.monotonic() - started
    print(f"\nDagRun state: {state} after {elapsed:.0f} s")
    for task_id, map_index, ti_state, hostname in tis:
        index = f"[{map_index}]" if map_index >= 0 else ""
        print(f"  {task_id}{index}: {ti_state} on {hostname}")
    batches = [(hostname or "") for task_id, _, ti_state, hostname in tis
               if task_id == "extract_entities" and ti_state == "success"]
    workers = sorted({h.split("@", 1)[0] for h in batches if h})
    print(f"entity batches: {len(batches)} succeeded, on workers {workers}")
    if state != "success":
        print(f"mediamon: the Celery run did not succeed (logs: {stack.logs}, removed on exit)", file=sys.stderr)
        _tail_logs(stack.logs)
        return 1
    if len(workers) < args.workers:
        print(f"mediamon: the entity batches ran on {len(workers)} of {args.workers} workers", file=sys.stderr)
        return 1
    return 0


def _wait_for_run(meta_url: str, stack: celery_stack.Stack, started: float, timeout_s: float) -> str:
    """Poll the metadata database until the scheduler's run of the DAG ends; print progress."""
    last_report = 0.0
    state = "none"
    while time.monotonic() - started < timeout_s:
        if exited := stack.exited():
            print(f"mediamon: components exited: {exited}", file=sys.stderr)
            _tail_logs(stack.logs)
            return "stack-failed"
        try:
            with psycopg.connect(meta_url) as conn:
                row = conn.execute("SELECT state FROM dag_run WHERE dag_id = %s ORDER BY id DESC LIMIT 1",
                                   (DAG_ID,)).fetchone()
                counts = conn.execute(
                    "SELECT coalesce(state, 'none'), count(*) FROM task_instance WHERE dag_id = %s GROUP BY 1",
                    (DAG_ID,)).fetchall()
        except psycopg.errors.UndefinedTable:
            row, counts = None, []
        state = row[0] if row else "none"
        if state in ("success", "failed"):
            return state
        if time.monotonic() - last_report > 15:
            last_report = time.monotonic()
            print(f"  {time.monotonic() - started:4.0f} s: run {state}, tasks "
                  + (", ".join(f"{s} {n}" for s, n in sorted(counts)) or "none yet"), flush=True)
        time.sleep(2)
    return f"timeout ({state})"


def _task_instances(meta_url: str) -> list[tuple[str, int, str, str | None]]:
    with psycopg.connect(meta_url) as conn:
        return [tuple(row) for row in conn.execute(  # type: ignore[misc]
            "SELECT task_id, map_index, coalesce(state, 'none'), hostname FROM task_instance"
            " WHERE dag_id = %s ORDER BY task_id, map_index", (DAG_ID,))]


def _tail_logs(logs: Path, lines: int = 15) -> None:
    for path in sorted(logs.glob("*.log")):
        text = path.read_text(errors="replace").splitlines()[-lines:]
        print(f"--- {path.name}\n" + "\n".join(text), file=sys.stderr)
