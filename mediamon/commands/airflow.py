"""``mediamon airflow env|init|run|up``: the project-local Airflow in ``.local/airflow``.

- ``env``  prints the ``export`` lines that point the ``airflow`` command at this project
  (``eval "$(.venv/bin/mediamon airflow env)"``, then ``airflow dags list`` etc.).
- ``init`` creates the metadata database ``airflow`` on the mediamon server, migrates it and
  creates the crawl pool; every other action runs it first, and it is a no-op when current.
- ``run``  runs the DAG for one day's data interval end to end with ``dag.test()`` (no scheduler needed)
  and prints what changed, table by table (``make run``).
- ``up``   starts api-server, scheduler and dag-processor (LocalExecutor) and prints the UI
  address and login (``make airflow``); Ctrl-C stops them. The UI listens on 127.0.0.1 unless
  ``MEDIAMON_AIRFLOW_HOST`` says otherwise; the admin password is generated on first start and
  printed that once (``mediamon.airflow_auth``).
- ``celery`` the same on the CeleryExecutor with Redis and local workers (``make airflow-celery``;
  ``--smoke``: one scheduled run on scratch databases, ``make celery-smoke``), see
  :mod:`mediamon.commands.celery`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from mediamon import airflow_auth, airflow_local, database, run_summary, settings, summary
from mediamon.commands import iso_date


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("airflow", help="project-local Airflow: env, init, run a day, UI")
    commands = parser.add_subparsers(dest="airflow_command", required=True, metavar="ACTION")
    commands.add_parser("env", help="print export lines for the airflow command").set_defaults(handler=_env)
    commands.add_parser("init", help="create and migrate the metadata database, create the crawl pool"
                        ).set_defaults(handler=_init)
    run = commands.add_parser("run", help="run the DAG for one day (dag.test) and print a summary")
    run.add_argument("--day", type=iso_date, help="Almaty day to process, YYYY-MM-DD (default: yesterday)")
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
        airflow_local.ensure_metadata_database(news_url)
    env = airflow_local.airflow_env(news_url, metadata_url=metadata_url, port=port)
    login = airflow_local.write_passwords_file(env)
    if login.generated:
        print(f"mediamon: generated a password for the Airflow UI user {login.user}: {login.password}\n"
              f"mediamon: it is shown only this once; it is kept in {login.path} (mode 0600). "
              "Set MEDIAMON_AIRFLOW_ADMIN_PASSWORD to choose one.", file=sys.stderr, flush=True)
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


# What `make run` shows while the DAG runs: task starts, our own count and progress lines. The
# rest of dag.test()'s log (hundreds of lines) is kept and printed only when the run fails.
_STRUCTLOG = re.compile(r"^\S+ \[(?P<level>\w+)\s*\] (?P<message>.*?)(?:\s+\[[A-Za-z_][\w.]*\](?: \w+=.*)?)?$")
_SHOWN = re.compile(r"(^[a-z_]+ counts: |^crawl plan: |^crawl failed: |^entity batches: |progress: "
                    r"|^entities: \d+/\d+ |^partial: |^failed: |^succeeded; |^\s+(crawls|failed|normalize|"
                    r"deduplicate|extract_entities|check_quality|refresh_marts)\b)")
# The last line of a task's traceback: "mediamon.crawl_tasks.CrawlFailed: crawl run 6: …".
_EXCEPTION = re.compile(r"^(?:[a-z_]+\.)+(?:[A-Z]\w*(?:Failed|Error|Exception))(?:: (?P<message>.*))?$")
SHOWN_WIDTH = 160  # a line longer than this is cut: the full counts are in the run report and XCom
_START = re.compile(r"\[DAG TEST\] starting task_id=(?P<task>\w+) map_index=(?P<index>-?\d+)")


def progress_line(raw: str, crawl_labels: list[str] | None = None) -> str | None:
    """The line ``make run`` shows for one line of the DAG run's log, or None to keep it quiet.

    ``crawl_labels`` (filled from the ``crawl plan:`` line as it passes) names mapped crawls by outlet.
    """
    text = raw.rstrip()
    match = _STRUCTLOG.match(text)
    message = match["message"] if match else text
    start = _START.search(message)
    if start:
        task, index = start["task"], int(start["index"])
        if task == "crawl" and crawl_labels and 0 <= index < len(crawl_labels):
            return f"crawl[{crawl_labels[index]}]: started"
        return f"{task}{f'[{index}]' if index >= 0 else ''}: started"
    plan = re.match(r"crawl plan: \d+ crawls: (.*)$", message)
    if plan is not None and crawl_labels is not None and plan[1] != "none":
        crawl_labels[:] = plan[1].split(", ")
    if match and match["level"] in ("error", "critical") and "Task failed" in message:
        return None  # the exception's own line (below) says why
    failure = _EXCEPTION.match(text)
    if failure is not None:
        return f"  failed: {failure['message']}"[:SHOWN_WIDTH]
    message = re.sub(r"^\[[\w.]+\] ", "", message)  # a crawl line relayed with its Scrapy logger name
    if not _SHOWN.search(message):
        return None
    return f"  {message[:SHOWN_WIDTH - 1]}…" if len(message) > SHOWN_WIDTH else f"  {message}"


def _run(args: argparse.Namespace) -> int:
    env = _environment()
    day = args.day.isoformat() if args.day else _default_day()
    news_url = env["MEDIAMON_DATABASE_URL"]
    with database.connect(news_url) as conn:
        before = summary.table_counts(conn)
    started = time.monotonic()
    print(f"Airflow: running DAG media_monitoring for the day {day} "
          f"(AIRFLOW_HOME={env['AIRFLOW_HOME']}) ...", flush=True)
    print(f"[{time.monotonic() - started:5.0f} s] checking the Airflow metadata database (migrated on first use)",
          flush=True)
    _init_with(env)
    print(f"[{time.monotonic() - started:5.0f} s] starting the DAG run (Airflow loads the DAG, then each task "
          "starts below)", flush=True)
    log_lines: list[str] = []
    crawl_labels: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        with subprocess.Popen([sys.executable, "-m", "mediamon.airflow_tool", "test", day, "--out", str(out)],
                              env={**env, "PYTHONUNBUFFERED": "1"}, cwd=settings.REPO_ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace") as proc:
            assert proc.stdout is not None
            for raw in proc.stdout:
                log_lines.append(raw)
                shown = progress_line(raw, crawl_labels)
                if shown is not None:
                    print(f"[{time.monotonic() - started:5.0f} s] {shown}", flush=True)
        report = json.loads(out.read_text()) if out.exists() else None
    tail = "".join(log_lines[-200:])
    if report is None:
        print(tail)
        print("mediamon: error: the DAG run did not produce a report (its log is above)", file=sys.stderr)
        return 1
    with database.connect(news_url) as conn:
        after = summary.table_counts(conn)
    print(f"DagRun {report['run_id']}: {report['state']} "
          f"(data interval {' → '.join(report['data_interval'] or ['none'])})")
    for ti in report["tasks"]:
        index = f"[{ti.get('label') or ti['map_index']}]" if ti["map_index"] >= 0 else ""
        duration = f" ({ti['duration_s']} s)" if ti.get("duration_s") is not None else ""
        print(f"  {ti['task_id']}{index}: {ti['state']}{duration}")
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
    with database.connect(news_url) as conn:
        stored = conn.execute("SELECT summary FROM ops.run_reports WHERE airflow_run_id = %s"
                              " ORDER BY run_report_id DESC LIMIT 1", (report["run_id"],)).fetchone()
    if stored:
        print("\nRun report:\n" + stored[0])
    if not report["succeeded"]:
        failed = [f"{t['task_id']}[{t.get('label') or t['map_index']}]" if t["map_index"] >= 0 else t["task_id"]
                  for t in report["tasks"] if t["state"] == "failed"]
        log_path = Path(env["AIRFLOW_HOME"]) / "logs" / f"make-run-{day}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text("".join(log_lines))
        print(f"mediamon: error: the DAG run for {day} failed ({', '.join(failed) or 'see the log'}); "
              f"its full log: {log_path}", file=sys.stderr)
        return 1
    return 0


def local_components(airflow: str, host: str, port: int) -> dict[str, list[str]]:
    """The commands ``up`` starts. The api-server binds ``host``; on a loopback host the scheduler
    does not start Airflow's log server, which would listen on every interface (the api-server
    reads LocalExecutor task logs from disk, so nothing needs it)."""
    scheduler = [airflow, "scheduler"] + (["--skip-serve-logs"] if airflow_auth.is_loopback(host) else [])
    return {
        "api-server": [airflow, "api-server", "--host", host, "--port", str(port)],
        "scheduler": scheduler,
        "dag-processor": [airflow, "dag-processor"],
    }


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
    components = local_components(_bin("airflow"), env["AIRFLOW__API__HOST"], args.port)
    processes: dict[str, subprocess.Popen] = {}
    for name, command in components.items():
        log_file = (logs / f"{name}.log").open("ab")
        processes[name] = subprocess.Popen(command, env=env, cwd=settings.REPO_ROOT, stdout=log_file,
                                           stderr=subprocess.STDOUT, start_new_session=True)
    host = env["AIRFLOW__API__HOST"]
    url = f"http://{airflow_auth.client_host(host)}:{args.port}"
    login = airflow_local.write_passwords_file(env)
    shown = login.password if os.environ.get("MEDIAMON_AIRFLOW_ADMIN_PASSWORD") else f"(password in {login.path})"
    try:
        if not _wait_for_ui(url):
            print(f"mediamon: the api-server did not answer on {url}; see {logs}/api-server.log",
                  file=sys.stderr)
            return 1
        listening = "this machine only" if airflow_auth.is_loopback(host) else f"{host}: reachable from the network"
        print(f"\nAirflow UI: {url}   login: {login.user} / {shown}   (simple auth manager; {listening})\n"
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
