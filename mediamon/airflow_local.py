"""The project-local Airflow (``.local/airflow``): its home, environment, metadata database, login,
and the logical date ``make run`` gives its ``dag.test()`` runs.

Nothing here imports Airflow at module level: the environment must be set before Airflow is first
imported (it reads its configuration then).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from mediamon import settings
from mediamon.airflow_connection import CONN_ENV, connection_json, sqlalchemy_url

AIRFLOW_DB_NAME = "airflow"
DAG_TIMEZONE = "Asia/Almaty"


def airflow_home() -> Path:
    return Path(os.environ.get("MEDIAMON_AIRFLOW_HOME", settings.local_dir() / "airflow")).resolve()


def admin_credentials() -> tuple[str, str]:
    """Login of the local UI (simple auth manager): ``admin`` / ``MEDIAMON_AIRFLOW_ADMIN_PASSWORD``."""
    return "admin", os.environ.get("MEDIAMON_AIRFLOW_ADMIN_PASSWORD", "admin")


def _jwt_secret(home: Path) -> str:
    """One JWT secret shared by every local Airflow process, kept in AIRFLOW_HOME (git-ignored)."""
    path = home / "jwt_secret"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def airflow_env(news_url: str, *, metadata_url: str | None = None, home: Path | None = None,
                port: int = 8080) -> dict[str, str]:
    """Environment for the project-local Airflow: where it lives, its metadata DB, auth, the DAGs.

    ``metadata_url`` is a SQLAlchemy URL; by default the database ``airflow`` on the same server as
    the news database (created by :func:`ensure_metadata_database`).
    """
    from mediamon import database

    home = home or airflow_home()
    if metadata_url is None:
        metadata_url = sqlalchemy_url(database.with_database(news_url, AIRFLOW_DB_NAME))
    user, _ = admin_credentials()
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(settings.REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(parallelism()),
        "AIRFLOW__CORE__AUTH_MANAGER":
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{user}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "simple_auth_manager_passwords.json"),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://localhost:{port}/execution/",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API_AUTH__JWT_SECRET": _jwt_secret(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "MEDIAMON_DATABASE_URL": news_url,
        CONN_ENV: connection_json(news_url),
    }


def parallelism(cpus: int | None = None) -> int:
    """Task processes the local LocalExecutor runs at once: ``MEDIAMON_AIRFLOW_PARALLELISM``, else
    two per core, between 2 and 8.

    Airflow's default (32) starts 32 LocalExecutor workers, ~145 MB each (4.6 GB on a 2-core
    machine) for a DAG that never has more than a handful of tasks ready; the crawls wait on the
    network (hence two per core), NER is CPU-bound (more than the cores only queue).
    """
    configured = os.environ.get("MEDIAMON_AIRFLOW_PARALLELISM", "").strip()
    if configured:
        return max(1, int(configured))
    return min(8, max(2, 2 * (cpus or os.cpu_count() or 1)))


def write_passwords_file(env: Mapping[str, str]) -> None:
    """Pin the admin password the simple auth manager checks (it generates one otherwise)."""
    path = Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    user, password = admin_credentials()
    path.write_text(json.dumps({user: password}))
    path.chmod(0o600)


def ensure_metadata_database(news_url: str) -> None:
    """Create the ``airflow`` database beside the news database when it is missing."""
    from mediamon import database

    database.create_database(database.with_database(news_url, "postgres"), AIRFLOW_DB_NAME)


def manual_run_moment(day: str) -> datetime:
    """The logical date ``make run`` gives ``dag.test()`` so that the run covers the Almaty day ``day``:
    **D+1 00:00:01 Almaty**, one second after the interval closed.

    A manual run of a ``CronDataIntervalTimetable`` DAG at moment *T* gets the last *complete*
    interval before *T* (``infer_manual_data_interval``), so any *T* in (D+1 00:00, D+2 00:00]
    processes the day D. The tasks key their work on ``data_interval_start``, the same for manual
    and scheduled runs.

    Why the extra second: the scheduler's run for the day D+1 has logical date D+1 00:00 exactly
    (the interval start), and a DAG has one run per logical date. A manual run holding that moment
    made the scheduler skip the day for good ("run already exists; skipping dagrun creation"), and
    ``dag.test()`` deletes an existing run of its logical date, so it could also replace a
    scheduled run's record. The scheduler's logical dates are all on the cron grid (midnight);
    this one never is, so the two kinds of run cannot collide (``tests/test_dag_scheduler.py``).
    """
    import pendulum

    parsed = pendulum.parse(day, tz=DAG_TIMEZONE)
    if not isinstance(parsed, pendulum.DateTime) or parsed != parsed.start_of("day"):
        raise ValueError(f"expected a day as YYYY-MM-DD, got {day!r}")
    return parsed.add(days=1, seconds=1)
