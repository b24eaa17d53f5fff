"""The project-local Airflow on the CeleryExecutor: a Redis broker, the api-server, scheduler and
dag-processor, and N ``airflow celery worker`` processes, all on this machine.

Why a module of its own: the LocalExecutor stack (``mediamon airflow up``) runs every task as a
child of the scheduler; with Celery the scheduler only queues task instances in Redis and each
worker takes them one at a time (``--concurrency``), so the mapped entity batches of one run are
spread over the workers. Adding a worker on another machine is the same ``airflow celery worker``
command pointed at the same broker, metadata database and api-server (see README).

Each local worker gets its own name (``MEDIAMON_WORKER_NAME``), which :func:`worker_hostname`
puts into the hostname Airflow records on every task instance (``[core] hostname_callable``): two
workers on one machine would otherwise record the same host, and nobody could tell which worker
ran what. Each also gets its own log-server port and pid file, which Airflow assumes one per host.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from mediamon import settings

EXECUTOR = "CeleryExecutor"


def worker_hostname() -> str:
    """The hostname Airflow records for a task instance: ``<worker name>@<fqdn>`` on a named worker.

    Set as ``AIRFLOW__CORE__HOSTNAME_CALLABLE=mediamon.celery_stack.worker_hostname`` for the local
    workers only; elsewhere Airflow's default (the fully qualified host name) is kept.
    """
    fqdn = socket.getfqdn()
    name = os.environ.get("MEDIAMON_WORKER_NAME", "").strip()
    return f"{name}@{fqdn}" if name else fqdn


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now (for the smoke run's components)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_server() -> str:
    """Path of Debian's ``redis-server``; a clear error when it is not installed."""
    path = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists()
                                            else None)
    if path is None:
        raise FileNotFoundError("redis-server is not installed: run `make redis` "
                                "(apt-get install redis-server) or set MEDIAMON_CELERY_BROKER_URL")
    return path


def celery_env(env: Mapping[str, str], *, broker_url: str) -> dict[str, str]:
    """``env`` (from :func:`mediamon.airflow_local.airflow_env`) switched to the CeleryExecutor.

    Task results go to the metadata database (``db+`` + its SQLAlchemy URL), so the only new
    service is the broker.
    """
    return {
        **env,
        "AIRFLOW__CORE__EXECUTOR": EXECUTOR,
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"],
    }


def worker_env(env: Mapping[str, str], name: str, log_port: int) -> dict[str, str]:
    """The environment of one local worker: its name in the hostname it records, its log port."""
    return {
        **env,
        "MEDIAMON_WORKER_NAME": name,
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "mediamon.celery_stack.worker_hostname",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_port),
    }


def worker_command(airflow: str, name: str, *, concurrency: int, pid_file: Path) -> list[str]:
    """``airflow celery worker`` with its own Celery node name and pid file."""
    return [airflow, "celery", "worker", "--concurrency", str(concurrency),
            "--celery-hostname", f"{name}@%h", "--pid", str(pid_file)]


@dataclass
class Stack:
    """Named processes started together, watched together and stopped together.

    Each runs in its own session (so stopping it stops its children: Airflow forks), with its
    output in ``<logs>/<name>.log``.
    """

    logs: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    _files: list[IO[bytes]] = field(default_factory=list)

    def start(self, name: str, command: list[str], env: Mapping[str, str]) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        log_file = (self.logs / f"{name}.log").open("ab")
        self._files.append(log_file)
        self.processes[name] = subprocess.Popen(command, env=dict(env), cwd=settings.REPO_ROOT, stdout=log_file,
                                                stderr=subprocess.STDOUT, start_new_session=True)

    def exited(self) -> dict[str, int]:
        """Components that have stopped, with their exit codes (a healthy stack has none)."""
        return {name: proc.returncode for name, proc in self.processes.items() if proc.poll() is not None}

    def stop(self, timeout_s: float = 30) -> None:
        for proc in reversed(list(self.processes.values())):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for proc in self.processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for log_file in self._files:
            log_file.close()


def start_celery_stack(env: Mapping[str, str], *, workers: int, concurrency: int, api_port: int,
                       redis_port: int | None, home: Path) -> tuple[Stack, dict[str, str]]:
    """Start Redis (unless ``MEDIAMON_CELERY_BROKER_URL`` names another broker), the api-server,
    scheduler, dag-processor and ``workers`` Celery workers. Returns the stack and the Celery env."""
    stack = Stack(home / "logs")
    broker_url = os.environ.get("MEDIAMON_CELERY_BROKER_URL", "").strip()
    try:
        if not broker_url:
            if redis_port is None:
                redis_port = free_port()
            redis_dir = home / "redis"
            redis_dir.mkdir(parents=True, exist_ok=True)
            stack.start("redis", [redis_server(), "--bind", "127.0.0.1", "--port", str(redis_port),
                                  "--dir", str(redis_dir), "--save", "", "--appendonly", "no"], env)
            broker_url = f"redis://127.0.0.1:{redis_port}/0"
            wait_for_port("127.0.0.1", redis_port, 30)
        cenv = celery_env(env, broker_url=broker_url)
        airflow = str(Path(sys.executable).with_name("airflow"))
        stack.start("api-server", [airflow, "api-server", "--port", str(api_port)], cenv)
        # Workers report every task's start and end to the api-server's Execution API: a task
        # picked up before it answers fails its first try (httpx timeout), so it comes first.
        wait_for_api_server(stack, api_port, 300)
        stack.start("scheduler", [airflow, "scheduler"], cenv)
        stack.start("dag-processor", [airflow, "dag-processor"], cenv)
        for number in range(1, workers + 1):
            name = f"worker{number}"
            stack.start(name, worker_command(airflow, name, concurrency=concurrency, pid_file=home / f"{name}.pid"),
                        worker_env(cenv, name, free_port()))
    except BaseException:
        stack.stop()
        raise
    return stack, cenv


def wait_for_api_server(stack: Stack, port: int, timeout_s: float) -> None:
    """Wait for the api-server's health endpoint; fail early when the api-server has exited."""
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if "api-server" in stack.exited():
            raise RuntimeError(f"the api-server exited; see {stack.logs}/api-server.log")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=3) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(2)
    raise TimeoutError(f"the api-server did not answer on port {port} within {timeout_s:.0f} s")


def wait_for_port(host: str, port: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout_s:.0f} s")
