"""``mediamon airflow env|init|run|up``: the project-local Airflow in ``.local/airflow``.

- ``env``  prints the ``export`` lines that point the ``airflow`` command at this project
  (``eval "$(.venv/bin/mediamon airflow env)"``, then ``airflow dags list`` etc.).
- ``init`` creates the metadata database ``airflow`` on the mediamon server, migrates it and
  creates the crawl pool; every other action runs it first, and it is a no-op when current.
- ``run``  runs the DAG for one day's data interval end to end with ``dag.test()`` (no scheduler needed)
  and prints what changed, table by table (``make run``).
- ``up``   starts api-server, scheduler and dag-processor (LocalExecutor) and prints the UI
  address and login (``make airflow``); Ctrl-C stops them.
- ``celery`` the same on the CeleryExecutor with Redis and local workers (``make airflow-celery``;
  ``--smoke``: one scheduled run on scratch databases, ``make celery-smoke``), see
  :mod:`mediamon.commands.celery`.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from mediamon import airflow_support, database, run_summary, settings, summary


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("airflow", help="project-local Airflow: env, init, run a day, UI")
    commands = parser.add_subparsers(dest="airflow_command", required=True, metavar="ACTION")
    commands.add_parser("env", help="print export lines for the airflow command").set_defaults(handler=_env)
    commands.add_parser("init", help="create and migrate the metadata database, create the crawl pool"
                        ).set_defaults(handler=_init)
    run = commands.add_parser("run", help="run the DAG for one day (dag.test) and print a summary")
    run.add_argument("--day", help="Almaty day to process, YYYY-MM-DD (default: yesterday)")
    run.set_defaults(handler=_run)
    up = commands.add_parser("up", help="start api-server, scheduler and dag-processor; print the UI address")
    up.add_argument("--port", type=int, default=int(os.environ.get("MEDIAMON_AIRFLOW_PORT", "8080")))
    up.set_defaults(handler=_up)
    from mediamon.commands import celery

    celery.register(commands, _environment, _init_with)


def _environment(port: int = 8080) -> dict[str, str]:
    news_url = database.database_url()
    metadata_url = os.environ.get("MEDIAMON_AIRFLOW_METADATA_URL") or None
    if metadata_url is None:
        airflow_support.ensure_metadata_database(news_url)
    env = airflow_support.airflow_env(news_url, metadata_url=metadata_url, port=port)
    airflow_support.write_passwords_file(env)
    return {**os.environ, **env}


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _init_with(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "mediamon.airflow_tool", "init"], env=env, check=True,
                   cwd=settings.REPO_ROOT, stdout=subprocess.DEVNULL)


def _env(args: argparse.Namespace) -> int:
    env = _environment()
    for key in sorted(k for k in env if k.startswith(("AIRFLOW", "MEDIAMON"))):
        print(f"export {key}={shlex.quote(env[key])}")
    return 0


def _init(args: argparse.Namespace) -> int:
    env = _environment()
    _init_with(env)
    print(f"Airflow metadata database is current; AIRFLOW_HOME={env['AIRFLOW_HOME']}")
    return 0


def _default_day() -> str:
    import pendulum

    return (pendulum.now("Asia/Almaty").start_of("day") - timedelta(days=1)).date().isoformat()


def _run(args: argparse.Namespace) -> int:
    env = _environment()
    day = args.day or _default_day()
    news_url = env["MEDIAMON_DATABASE_URL"]
    with database.connect(news_url) as conn:
        before = summary.table_counts(conn)
    print(f"Airflow: running DAG media_monitoring for the day {day} "
          f"(AIRFLOW_HOME={env['AIRFLOW_HOME']}) ...", flush=True)
    _init_with(env)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        proc = subprocess.run([sys.executable, "-m", "mediamon.airflow_tool", "test", day,
                               "--out", str(out)], env=env, cwd=settings.REPO_ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        report = json.loads(out.read_text()) if out.exists() else None
    if report is None:
        print(proc.stdout[-5000:])
        print("mediamon: the DAG run did not produce a report (see the log above)", file=sys.stderr)
        return 1
    with database.connect(news_url) as conn:
        after = summary.table_counts(conn)
    print(f"DagRun {report['run_id']}: {report['state']} "
          f"(data interval {' → '.join(report['data_interval'] or ['none'])})")
    for ti in report["tasks"]:
        index = f"[{ti['map_index']}]" if ti["map_index"] >= 0 else ""
        print(f"  {ti['task_id']}{index}: {ti['state']}")
    print("\nTask results:")
    for task_id, values in report["returns"].items():
        for value in values:
            print(f"  {task_id}: {json.dumps(value, ensure_ascii=False, default=str)}")
    print()
    print(summary.format_counts(before, after))
    with database.connect(news_url) as conn:
        print("\n" + run_summary.render(conn))
    for quality in report["returns"].get("check_quality", []):
        from transforms.quality import format_summary

        print("\n" + format_summary(quality))
    for marts in report["returns"].get("refresh_marts", []):
        rows = ", ".join(f"{view.removeprefix('mart.')} {count}" for view, count in marts["rows"].items())
        print(f"marts: refreshed {marts['views']} views ({rows})")
    if not report["succeeded"]:
        print(proc.stdout[-8000:])
        print("mediamon: the DAG run failed (task log above)", file=sys.stderr)
        return 1
    return 0


def _wait_for_ui(url: str, timeout_s: float = 120) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/monitor/health", timeout=3) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(2)
    return False


def _up(args: argparse.Namespace) -> int:
    env = _environment(args.port)
    _init_with(env)
    # `kill` (SIGTERM) stops the components as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    logs = Path(env["AIRFLOW_HOME"]) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    airflow = _bin("airflow")
    components = {
        "api-server": [airflow, "api-server", "--port", str(args.port)],
        "scheduler": [airflow, "scheduler"],
        "dag-processor": [airflow, "dag-processor"],
    }
    processes: dict[str, subprocess.Popen] = {}
    for name, command in components.items():
        log_file = (logs / f"{name}.log").open("ab")
        processes[name] = subprocess.Popen(command, env=env, cwd=settings.REPO_ROOT, stdout=log_file,
                                           stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://localhost:{args.port}"
    user, password = airflow_support.admin_credentials()
    try:
        if not _wait_for_ui(url):
            print(f"mediamon: the api-server did not answer on {url}; see {logs}/api-server.log",
                  file=sys.stderr)
            return 1
        print(f"\nAirflow UI: {url}   login: {user} / {password}   (simple auth manager)\n"
              f"DAG: media_monitoring   logs: {logs}/<component>.log   stop: Ctrl-C\n", flush=True)
        while True:
            for name, proc in processes.items():
                if proc.poll() is not None:
                    print(f"mediamon: {name} exited with {proc.returncode}; see {logs}/{name}.log",
                          file=sys.stderr)
                    return 1
            time.sleep(2)
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in processes.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in processes.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
