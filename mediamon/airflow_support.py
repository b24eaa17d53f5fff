"""Glue between Airflow and mediamon: the database connection, stage-run records, the crawl runner,
and the environment of the project-local Airflow (``.local/airflow``).

The DAG file (``dags/media_monitoring.py``) stays thin and imports this module *inside* its tasks,
so parsing the DAG needs neither psycopg nor a database. Nothing here imports Airflow at module
level either: the CLI uses the environment helpers before Airflow is configured.

Why a JSON connection: the embedded PostgreSQL listens on a Unix socket only, so its URL is
``postgresql://postgres:@/dbname?host=/path/to/socketdir``. Airflow's URI form puts the host in
the authority part, where a socket path does not fit, and drops the ``host=`` query parameter into
``extra``. The JSON form (``{"conn_type": "postgres", "host": "/path/to/socketdir", ...}``) keeps
every libpq field where it belongs, and libpq accepts a directory as ``host``.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from mediamon import settings

log = logging.getLogger(__name__)

CONN_ID = "mediamon_db"
CONN_ENV = "AIRFLOW_CONN_MEDIAMON_DB"
CRAWL_POOL = "mediamon_crawl"
CRAWL_POOL_SLOTS = 2
AIRFLOW_DB_NAME = "airflow"
DAG_TIMEZONE = "Asia/Almaty"

# libpq keys that may travel in a connection's ``extra`` (sslmode and friends); anything else in
# extra (Airflow's own options) is not passed to psycopg.
_LIBPQ_EXTRA_KEYS = frozenset({
    "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name",
    "options", "target_session_attrs", "gssencmode", "channel_binding", "keepalives",
})


# --- the database connection -------------------------------------------------------------------

def connection_json(url: str) -> str:
    """The value of ``AIRFLOW_CONN_MEDIAMON_DB`` for a libpq URL (TCP or Unix socket)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    conn: dict[str, Any] = {"conn_type": "postgres"}
    if info.get("host"):
        conn["host"] = info["host"]
    if info.get("port"):
        conn["port"] = int(info["port"])
    if info.get("user"):
        conn["login"] = info["user"]
    if info.get("password"):
        conn["password"] = info["password"]
    conn["schema"] = info.get("dbname") or "postgres"
    extra = {k: v for k, v in info.items() if k in _LIBPQ_EXTRA_KEYS}
    if extra:
        conn["extra"] = extra
    return json.dumps(conn)


def url_from_fields(*, host: str | None, port: int | None, login: str | None,
                    password: str | None, schema: str | None,
                    extra: Mapping[str, Any] | None = None) -> str:
    """A libpq URL from the fields of an Airflow connection (a Unix-socket host goes in ``?host=``).

    A URL rather than a ``key=value`` string because every consumer takes one: psycopg, the
    spiders' ``MEDIAMON_DATABASE_URL``, and great-expectations (through SQLAlchemy).
    """
    from urllib.parse import quote, urlencode

    auth = quote(login or "postgres", safe="")
    if password:
        auth += ":" + quote(password, safe="")
    query: dict[str, str] = {}
    netloc = auth + "@"
    if host and host.startswith("/"):
        query["host"] = host
        if port:
            query["port"] = str(port)
    elif host:
        netloc += host + (f":{port}" if port else "")
    query.update({k: str(v) for k, v in (extra or {}).items() if k in _LIBPQ_EXTRA_KEYS})
    dbname = quote(schema or "postgres", safe="")
    return f"postgresql://{netloc}/{dbname}" + (f"?{urlencode(query)}" if query else "")


def mediamon_database_url() -> str:
    """The news database, as the Airflow connection ``mediamon_db`` describes it (inside a task)."""
    from airflow.sdk import Connection

    conn = Connection.get(CONN_ID)
    return url_from_fields(host=conn.host, port=conn.port, login=conn.login,
                                password=conn.password, schema=conn.schema, extra=conn.extra_dejson)


# --- stage-run records -------------------------------------------------------------------------

def run_stage(conninfo: str, stage: str, logical_date: date | None,
              work: Callable[[psycopg.Connection], dict[str, Any]],
              *, transform_version: str | None = None, autocommit: bool = False) -> dict[str, Any]:
    """Run one stage function on its own connection and record it in ``ops.stage_runs``.

    The record is written on a separate autocommit connection, so a stage that fails still leaves
    a ``failed`` row with its error. With ``autocommit=False`` the stage runs in one transaction,
    rolled back on failure; ``autocommit=True`` is for stages that commit their own batches
    (``with conn.transaction()``), so a failure keeps the finished batches and a retry goes on
    from there. ``ops.stage_runs`` is a run log: every attempt adds a row.
    """
    with psycopg.connect(conninfo, autocommit=True) as log_conn:
        stage_run_id = log_conn.execute(
            "INSERT INTO ops.stage_runs (stage, logical_date, transform_version) VALUES (%s, %s, %s)"
            " RETURNING stage_run_id", (stage, logical_date, transform_version)).fetchone()[0]
        try:
            with psycopg.connect(conninfo, autocommit=autocommit) as conn:
                counts = work(conn)
                if not autocommit:
                    conn.commit()
        except BaseException as error:
            log_conn.execute(
                "UPDATE ops.stage_runs SET status = 'failed', finished_at = now(), error = %s"
                " WHERE stage_run_id = %s", (f"{type(error).__name__}: {error}"[:4000], stage_run_id))
            raise
        counts = dict(counts)
        log_conn.execute(
            "UPDATE ops.stage_runs SET status = 'succeeded', finished_at = now(), counts = %s"
            " WHERE stage_run_id = %s", (Jsonb(counts, dumps=_json_dumps), stage_run_id))
    log.info("%s counts: %s", stage, json.dumps(counts, ensure_ascii=False, default=str))
    return counts


def _json_dumps(value: Any) -> str:
    """Counts may carry dates or paths (a quality summary does): store them as text."""
    return json.dumps(value, ensure_ascii=False, default=str)


def batches(ids: list[int], size: int) -> list[list[int]]:
    """Split ``ids`` into lists of at most ``size`` (the unit a mapped task works on)."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def entity_batch_size() -> int:
    """Articles per mapped entity task (``MEDIAMON_ENTITY_BATCH_SIZE``, default 200: ~10 s of NER)."""
    return int(os.environ.get("MEDIAMON_ENTITY_BATCH_SIZE", "200"))


def entity_workers() -> int:
    """Processes one entity task forks for NER (``MEDIAMON_ENTITY_WORKERS``).

    Default: every core of the machine, because ``dag.test()`` (``make run``) runs the mapped
    batches one after another and one NER process uses one core; under the CeleryExecutor 1,
    because there the workers are the parallelism (one task per core) and forking more would only
    oversubscribe the cores and multiply the ~210 MB of models per process.
    """
    value = os.environ.get("MEDIAMON_ENTITY_WORKERS", "").strip()
    if value:
        return max(1, int(value))
    if os.environ.get("AIRFLOW__CORE__EXECUTOR", "") == "CeleryExecutor":
        return 1
    return max(1, len(os.sched_getaffinity(0)))


# --- crawling ----------------------------------------------------------------------------------

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
              scrapy_settings: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run the spider in a subprocess (``mediamon.crawling.run_spider``) and judge its record.

    The task fails on a non-zero exit, on a missing ``ops.crawl_runs`` row, and when the row's own
    stats are bad (:func:`crawl_verdict`); otherwise it returns the row's counts.
    """
    from mediamon.crawling import run_spider

    max_error_rate = max_crawl_error_rate() if max_error_rate is None else max_error_rate
    result = run_spider(conninfo, spec.spider, dict(spec.args),
                        scrapy_settings={"LOG_LEVEL": os.environ.get("MEDIAMON_CRAWL_LOG_LEVEL", "INFO"),
                                         **(scrapy_settings or {})})
    log.info("%s", result.summary)
    if result.run is None:
        raise CrawlFailed(f"scrapy crawl {spec.spider} exited with {result.exit_code} "
                          "and left no row in ops.crawl_runs")
    problem = crawl_verdict(result.run, max_error_rate)
    if problem is None and result.exit_code != 0:
        problem = f"scrapy crawl {spec.spider} exited with {result.exit_code}"
    if problem:
        raise CrawlFailed(problem)
    counts: dict[str, Any] = {"spider": spec.spider, "source": spec.source,
                              "crawl_run_id": result.run["crawl_run_id"]}
    for key in ("items_seen", "items_new", "items_quarantined", "errors"):
        counts[key] = int(result.run[key])  # type: ignore[call-overload]
    return counts


# --- the project-local Airflow -----------------------------------------------------------------

def airflow_home() -> Path:
    return Path(os.environ.get("MEDIAMON_AIRFLOW_HOME", settings.local_dir() / "airflow")).resolve()


def admin_credentials() -> tuple[str, str]:
    """Login of the local UI (simple auth manager): ``admin`` / ``MEDIAMON_AIRFLOW_ADMIN_PASSWORD``."""
    return "admin", os.environ.get("MEDIAMON_AIRFLOW_ADMIN_PASSWORD", "admin")


def sqlalchemy_url(libpq_url: str) -> str:
    """A SQLAlchemy URL (psycopg 3 driver) for a libpq URL, Unix-socket URLs included."""
    info = psycopg.conninfo.conninfo_to_dict(libpq_url)
    from urllib.parse import quote, urlencode

    auth = quote(info.get("user") or "postgres", safe="")
    if info.get("password"):
        auth += ":" + quote(info["password"], safe="")
    host = info.get("host") or ""
    query: dict[str, str] = {}
    netloc = auth + "@"
    if host.startswith("/"):
        query["host"] = host
    else:
        netloc += host + (f":{info['port']}" if info.get("port") else "")
    query.update({k: str(v) for k, v in info.items() if k in _LIBPQ_EXTRA_KEYS})
    dbname = quote(info.get("dbname") or "postgres", safe="")
    return f"postgresql+psycopg://{netloc}/{dbname}" + (f"?{urlencode(query)}" if query else "")


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
    """The logical date to give ``dag.test()`` so that the run covers the Almaty day ``day``.

    A manual run of a ``CronDataIntervalTimetable`` DAG at moment *T* gets the last *complete*
    interval before *T* (``infer_manual_data_interval``), so the day D is processed by a manual run
    at D+1 00:00 Almaty. (A scheduled run of day D has logical date D itself: the interval start.
    The tasks therefore key their work on ``data_interval_start``, the same for both.)
    """
    import pendulum

    parsed = pendulum.parse(day, tz=DAG_TIMEZONE)
    if not isinstance(parsed, pendulum.DateTime) or parsed != parsed.start_of("day"):
        raise ValueError(f"expected a day as YYYY-MM-DD, got {day!r}")
    return parsed.add(days=1)


RUN_LOG_TABLES = ("ops.crawl_runs", "ops.stage_runs", "ops.dq_runs", "ops.dq_results", "ops.mart_refreshes")
"""Logs that record every attempt by design: re-running a day adds a row per crawl, per stage, per
quality run (and its per-expectation results) and per mart refresh."""
