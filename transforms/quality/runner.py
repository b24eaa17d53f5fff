"""Run the suites with great-expectations 1.x and record everything in ``ops``.

One run = one ephemeral GX context, one PostgreSQL data source, one table asset + checkpoint per
suite whose table exists, and one Data Docs site written to its own directory (so every run's
HTML stays as it was). Results go to ``ops.dq_runs``/``ops.dq_results``; rows failing row-level
checks marked ``quarantine`` go to ``ops.quarantine``. The run's status is ``failed`` when any
critical expectation failed: the history is written first, then ``QualityGateFailed`` is raised so
the caller (the DAG task, ``mediamon quality``) fails and the marts keep their last good data.
"""

from __future__ import annotations

import json
import logging
import os
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg.types.json import Jsonb

from mediamon import settings
from transforms.quality import quarantine
from transforms.quality.expectations import build_expectation, plain_sql, query_for
from transforms.quality.spec import Check, Suite, load_suites

log = logging.getLogger(__name__)

_DETAIL_SAMPLE = 20


class QualityGateFailed(RuntimeError):
    """A critical expectation failed: the run is recorded as failed and marts must not refresh."""

    def __init__(self, summary: dict[str, Any]) -> None:
        self.summary = summary
        failed = ", ".join(summary.get("critical_failures", [])) or "?"
        super().__init__(
            f"critical data-quality failure in run {summary.get('run_id')} "
            f"({summary.get('logical_date')}): {failed}; Data Docs: {summary.get('data_docs')}")


@dataclass(frozen=True)
class _Outcome:
    suite: Suite
    check: Check
    expectation_type: str
    success: bool
    observed_value: Any
    unexpected_count: int | None
    element_count: int | None
    details: dict[str, Any]
    failing_rows: list[dict[str, Any]] | None


def _jsonb(value: Any) -> Jsonb:
    return Jsonb(value, dumps=lambda obj: json.dumps(obj, default=str, ensure_ascii=False))


def libpq_url(conn_or_url: psycopg.Connection | str) -> str:
    """A libpq URL for a connection or URL (the connection's password included, if any)."""
    if isinstance(conn_or_url, str):
        return conn_or_url
    info = conn_or_url.info
    params = info.get_parameters()
    user = quote(params.get("user") or "postgres")
    password = quote(info.password or "")
    host = info.host or ""
    netloc = f"{user}:{password}@" + ("" if host.startswith("/") else f"{host}:{info.port}")
    query = f"host={quote(host)}&port={info.port}" if host.startswith("/") else ""
    return urlunsplit(("postgresql", netloc, "/" + quote(params.get("dbname") or "postgres"), query, ""))


def sqlalchemy_url(url: str) -> str:
    """The SQLAlchemy URL GX needs: ``postgresql+psycopg://``, and a host even for Unix sockets.

    GX's Postgres data source validates the URL as a pydantic ``PostgresDsn``, which refuses the
    host-less socket URLs of the embedded server (``postgresql://postgres:@/db?host=/dir``). libpq
    lets a ``host`` query parameter override the URL's host, so we put ``localhost`` in the
    authority for the validator and keep ``?host=/dir``, which is where the connection really goes.
    """
    parts = urlsplit(url)
    scheme = "postgresql+psycopg"
    netloc = parts.netloc
    if "host=" in parts.query and (not parts.hostname):
        userinfo = netloc.rsplit("@", 1)[0] + "@" if "@" in netloc else ""
        netloc = userinfo + "localhost"
    return urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment))


def default_docs_root() -> Path:
    return settings.local_dir() / "quality" / "data_docs"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)[:120]


def _existing_tables(conn: psycopg.Connection, suites: list[Suite]) -> set[str]:
    found = set()
    for suite in suites:
        if conn.execute("SELECT to_regclass(%s)", (suite.table,)).fetchone()[0] is not None:
            found.add(suite.table)
    return found


def _gx_context(docs_dir: Path):
    """An ephemeral GX context: in-memory stores, one Data Docs site in ``docs_dir``, no progress bars."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites={
            "mediamon": {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _validate(suites: list[Suite], url: str, logical_date: date, run_id: str,
              docs_dir: Path) -> list[tuple[Suite, Any]]:
    """Run every suite through GX; return (suite, ExpectationSuiteValidationResult) pairs."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    context = _gx_context(docs_dir)
    source = context.data_sources.add_postgres(name="mediamon", connection_string=sqlalchemy_url(url))
    gx_run_id = RunIdentifier(run_name=run_id, run_time=datetime.now(UTC))
    outcomes = []
    for suite in suites:
        with warnings.catch_warnings():
            # GX 1.x would rather have the schema in the connection's search_path; we check
            # several schemas through one data source, so schema_name it is.
            warnings.filterwarnings("ignore", message=".*schema_name. is deprecated",
                                    category=DeprecationWarning)
            asset = source.add_table_asset(name=suite.name, table_name=suite.table_name,
                                           schema_name=suite.schema)
        batch = asset.add_batch_definition_whole_table("whole table")
        gx_suite = context.suites.add(gx.ExpectationSuite(name=suite.name))
        for check in suite.checks:
            gx_suite.add_expectation(build_expectation(suite, check, logical_date))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"validate {suite.name}", data=batch, suite=gx_suite))
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"check {suite.name}",
            validation_definitions=[definition],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": list(suite.key)},
        ))
        result = checkpoint.run(run_id=gx_run_id)
        outcomes.extend((suite, r) for r in result.run_results.values())
    context.build_data_docs(site_names=["mediamon"])
    return outcomes


def _outcomes(pairs: list[tuple[Suite, Any]], conn: psycopg.Connection, logical_date: date) -> list[_Outcome]:
    """Map GX results back to declared checks, collecting failing rows for quarantining checks."""
    outcomes: list[_Outcome] = []
    for suite, validation in pairs:
        checks = {c.name: c for c in suite.checks}
        for result in validation.results:
            config = result.expectation_config
            check = checks[config.meta["check"]]
            body = dict(result.result or {})
            exception = _exception_message(result.exception_info)
            unexpected_rows = (body.get("details") or {}).get("unexpected_rows")
            observed = body.get("observed_value", body.get("unexpected_count"))
            unexpected = body.get("unexpected_count")
            if unexpected is None and config.type == "unexpected_rows_expectation":
                unexpected = observed
            details: dict[str, Any] = {}
            if exception:
                details["exception"] = exception
            if unexpected_rows:
                details["unexpected_rows"] = unexpected_rows[:_DETAIL_SAMPLE]
            if body.get("partial_unexpected_list"):
                details["unexpected_values"] = body["partial_unexpected_list"][:_DETAIL_SAMPLE]
            if body.get("unexpected_index_list"):
                details["unexpected_keys"] = body["unexpected_index_list"][:_DETAIL_SAMPLE]
            failing_rows = None
            if check.quarantine and not exception:
                failing_rows = _failing_rows(conn, suite, check, body, logical_date)
            outcomes.append(_Outcome(
                suite=suite, check=check, expectation_type=config.type, success=bool(result.success),
                observed_value=observed, unexpected_count=unexpected, element_count=body.get("element_count"),
                details=details, failing_rows=failing_rows))
    return outcomes


def _exception_message(info: Any) -> str | None:
    """The first exception message in GX's exception_info (flat, or keyed by metric id)."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        message = _exception_message(value)
        if message:
            return message
    return None


def _failing_rows(conn: psycopg.Connection, suite: Suite, check: Check, body: dict[str, Any],
                  logical_date: date) -> list[dict[str, Any]]:
    """Every row failing a quarantining check (GX's COMPLETE index list, or the check's own query)."""
    query = query_for(suite, check, logical_date)
    if query is None:
        return [dict(row) for row in body.get("unexpected_index_list") or []]
    cursor = conn.execute(plain_sql(query, suite.table))
    columns = [c.name for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def run_suites(conn_or_url: psycopg.Connection | str, *, logical_date: date | datetime | str, run_id: str,
               docs_root: Path | None = None, suites: list[Suite] | None = None) -> dict[str, Any]:
    """Check every suite whose table exists, record the results, raise ``QualityGateFailed`` if critical.

    Returns a JSON-serializable summary: status (passed/warned), counts, the Data Docs path.
    """
    if isinstance(logical_date, str):
        logical_date = date.fromisoformat(logical_date[:10])
    elif isinstance(logical_date, datetime):  # Airflow passes a (pendulum) datetime
        logical_date = logical_date.date()
    url = libpq_url(conn_or_url)
    suites = load_suites() if suites is None else suites
    docs_dir = (docs_root or default_docs_root()) / _safe(f"{logical_date.isoformat()}_{run_id}")
    docs_dir.mkdir(parents=True, exist_ok=True)
    # A connection of our own, in autocommit, so the history survives the exception we may raise.
    with psycopg.connect(url, autocommit=True) as conn:
        dq_run_id = conn.execute(
            "INSERT INTO ops.dq_runs (run_id, logical_date) VALUES (%s, %s) RETURNING dq_run_id",
            (run_id, logical_date)).fetchone()[0]
        try:
            present = _existing_tables(conn, suites)
            to_run = [s for s in suites if s.table in present]
            skipped = [s.name for s in suites if s.table not in present]
            for name in skipped:
                log.warning("quality: suite %s skipped, its table does not exist", name)
            pairs = _validate(to_run, url, logical_date, run_id, docs_dir) if to_run else []
            outcomes = _outcomes(pairs, conn, logical_date)
            summary = _record(conn, dq_run_id, run_id, logical_date, outcomes, skipped, docs_dir)
        except Exception as error:
            conn.execute(
                "UPDATE ops.dq_runs SET status = 'error', finished_at = now(), error = %s "
                "WHERE dq_run_id = %s",
                (f"{type(error).__name__}: {error}", dq_run_id))
            raise
    log.info("quality run %s for %s: %s; Data Docs at %s", run_id, logical_date, summary["status"],
             summary["data_docs"])
    if summary["status"] == "failed":
        raise QualityGateFailed(summary)
    return summary


def _record(conn: psycopg.Connection, dq_run_id: int, run_id: str, logical_date: date,
            outcomes: list[_Outcome], skipped: list[str], docs_dir: Path) -> dict[str, Any]:
    quarantined = released = 0
    critical_failures: list[str] = []
    warnings: list[str] = []
    with conn.transaction():
        for o in outcomes:
            label = f"{o.suite.name}:{o.check.name}"
            conn.execute(
                """
                INSERT INTO ops.dq_results (dq_run_id, run_id, logical_date, suite, expectation,
                    expectation_type, severity, success, observed_value, unexpected_count, element_count,
                    details)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                """,
                (dq_run_id, run_id, logical_date, o.suite.name, o.check.name, o.expectation_type,
                 o.check.severity, o.success, _jsonb(o.observed_value), o.unexpected_count, o.element_count,
                 _jsonb(o.details)))
            if not o.success:
                (critical_failures if o.check.severity == "critical" else warnings).append(label)
            if o.failing_rows is None:
                continue
            keys = quarantine.quarantine_rows(
                conn, table=o.suite.table, key=o.suite.key, check_name=o.check.name,
                reason=f"failed {o.check.severity} check {label}: {o.check.description or o.check.kind}",
                rows=o.failing_rows,
                details={"run_id": run_id, "logical_date": logical_date, "severity": o.check.severity})
            quarantined += len(keys)
            released += quarantine.release_passing(
                conn, table=o.suite.table, check_name=o.check.name, still_failing=keys,
                note=f"passes {label} in quality run {run_id} ({logical_date})")
        status = "failed" if critical_failures else "warned" if warnings else "passed"
        index = docs_dir / "index.html"
        summary: dict[str, Any] = {
            "dq_run_id": dq_run_id,
            "run_id": run_id,
            "logical_date": logical_date.isoformat(),
            "status": status,
            "suites": len({o.suite.name for o in outcomes}),
            "suites_skipped": skipped,
            "expectations": len(outcomes),
            "failed_critical": len(critical_failures),
            "failed_warning": len(warnings),
            "critical_failures": critical_failures,
            "warnings": warnings,
            "quarantined": quarantined,
            "released": released,
            "data_docs": str(index) if index.exists() else None,
        }
        conn.execute(
            "UPDATE ops.dq_runs SET status = %s, finished_at = now(), counts = %s, data_docs_path = %s "
            "WHERE dq_run_id = %s",
            (status, _jsonb({k: v for k, v in summary.items() if k not in ("dq_run_id", "run_id")}),
             summary["data_docs"], dq_run_id))
    return summary


def format_summary(summary: dict[str, Any]) -> str:
    """Human-readable outcome of a run: status, failures by severity, quarantine, Data Docs path."""
    lines = [
        f"quality {summary['status'].upper()} for {summary['logical_date']} (run {summary['run_id']}): "
        f"{summary['suites']} suites, {summary['expectations']} expectations, "
        f"{summary['failed_critical']} critical and {summary['failed_warning']} warning failures, "
        f"{summary['quarantined']} rows quarantined, {summary['released']} released",
    ]
    lines += [f"  CRITICAL {name}" for name in summary["critical_failures"]]
    lines += [f"  warning  {name}" for name in summary["warnings"]]
    if summary["suites_skipped"]:
        lines.append(f"  skipped (table missing): {', '.join(summary['suites_skipped'])}")
    lines.append(f"Data Docs: {summary['data_docs']}")
    return "\n".join(lines)


def latest_run(conn: psycopg.Connection) -> dict[str, Any] | None:
    """The most recent finished quality run (any logical date), or None when none ever finished."""
    cursor = conn.execute(
        """
        SELECT dq_run_id, run_id, logical_date, status, finished_at, data_docs_path, counts
        FROM ops.dq_runs WHERE status <> 'running'
        ORDER BY finished_at DESC NULLS LAST, dq_run_id DESC LIMIT 1
        """)
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([c.name for c in cursor.description], row, strict=True))
