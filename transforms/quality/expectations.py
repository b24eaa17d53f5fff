"""Turn declared checks into great-expectations 1.x expectations.

dbt-style column checks map onto GX's own column expectations; the checks GX has no expectation
for (references, per-source volume and freshness, free conditions) become
``UnexpectedRowsExpectation`` queries. Their SQL is built here, in one place, so the same text
that GX runs is the one the quarantine re-runs to get every offending key (GX keeps a sample).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import great_expectations as gx
from great_expectations.expectations import Expectation

from transforms.quality.spec import Check, Suite

# Placeholder for the table in the queries below; ``_with_batch`` replaces it once the query is built.
BATCH = "<<batch>>"


def _with_batch(query: str) -> str:
    """Put GX's ``{batch}`` in place of :data:`BATCH`, aliased the way GX needs.

    GX substitutes ``{batch}`` with an *aliased* subquery (``(...) AS subselect``) unless the query
    contains a JOIN, in which case it substitutes a bare ``(...)`` and leaves aliasing to us.
    PostgreSQL 16 accepts an unaliased subquery in FROM, PostgreSQL 15 and older refuse it, so
    the alias must be right for both: we ask GX's own test for a JOIN.
    """
    from great_expectations.expectations.metrics.query_metric_provider import _query_has_join_clause

    wrapped = "(SELECT * FROM {batch} AS batch_rows)" if _query_has_join_clause(query) else "(SELECT * FROM {batch})"
    return query.replace(BATCH, wrapped)


def _keys(suite: Suite, alias: str = "b") -> str:
    return ", ".join(f"{alias}.{column}" for column in suite.key)


def query_for(suite: Suite, check: Check, logical_date: date) -> str | None:
    """The unexpected-rows SQL for query-based checks, in GX's template form; None for other kinds.

    ``{batch}`` stands for the table and literal braces are doubled; ``plain_sql`` gives runnable SQL.
    """
    query = _query_with_placeholder(suite, check, logical_date)
    return _with_batch(query) if query is not None else None


def _query_with_placeholder(suite: Suite, check: Check, logical_date: date) -> str | None:
    """``query_for`` with :data:`BATCH` where the table goes."""
    a = check.args
    if check.kind == "expression":
        # GX formats the query with str.format: literal braces (regex quantifiers) must be doubled.
        where = str(a["where"]).replace("{", "{{").replace("}", "}}")
        return f"SELECT {_keys(suite)} FROM {BATCH} AS b WHERE ({where})"
    if check.kind == "relationship":
        return (
            f"SELECT {_keys(suite)}, b.{a['column']} FROM {BATCH} AS b "
            f"WHERE b.{a['column']} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM {a['to']} AS t WHERE t.{a['field']} = b.{a['column']})"
        )
    tz = str(a.get("timezone", "UTC")).replace("'", "")
    day = logical_date.isoformat()
    next_day = (logical_date + timedelta(days=1)).isoformat()
    src, ts = a.get("source_column"), a.get("time_column")
    if check.kind == "volume":
        window = int(a["window_days"])
        start = (logical_date - timedelta(days=window)).isoformat()
        ratio = float(a["min_ratio"])
        # Every source seen in the window gets a count for every day of it (zero when silent), so
        # the median is over days, not over the days a source happened to publish.
        return (
            "WITH counts AS ("
            f"  SELECT b.{src} AS source, (b.{ts} AT TIME ZONE '{tz}')::date AS day, count(*) AS n"
            f"  FROM {BATCH} AS b"
            f"  WHERE b.{ts} >= (DATE '{start}')::timestamp AT TIME ZONE '{tz}'"
            f"    AND b.{ts} < (DATE '{next_day}')::timestamp AT TIME ZONE '{tz}'"
            "  GROUP BY 1, 2),"
            " history AS ("
            "  SELECT s.source, percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(c.n, 0)) AS median"
            "  FROM (SELECT DISTINCT source FROM counts) AS s"
            f"  CROSS JOIN generate_series(DATE '{start}', DATE '{day}' - 1, interval '1 day') AS d(day)"
            "  LEFT JOIN counts AS c ON c.source = s.source AND c.day = d.day::date"
            "  GROUP BY s.source)"
            " SELECT h.source, coalesce(t.n, 0) AS rows_today, h.median AS trailing_median"
            " FROM history AS h"
            f" LEFT JOIN counts AS t ON t.source = h.source AND t.day = DATE '{day}'"
            f" WHERE h.median > 0 AND (coalesce(t.n, 0) = 0 OR coalesce(t.n, 0) < {ratio} * h.median)"
        )
    if check.kind == "freshness":
        hours = float(a["max_age_hours"])
        return (
            f"SELECT b.{src} AS source, max(b.{ts}) AS newest FROM {BATCH} AS b"
            f" WHERE b.{ts} < (DATE '{next_day}')::timestamp AT TIME ZONE '{tz}'"
            f" GROUP BY b.{src}"
            f" HAVING max(b.{ts}) < (DATE '{next_day}')::timestamp AT TIME ZONE '{tz}'"
            f"  - interval '{hours} hours'"
        )
    return None


def plain_sql(query: str, table: str) -> str:
    """The runnable SQL of a ``query_for`` template, with the table in place of ``{batch}``."""
    return query.format(batch=table)


def build_expectation(suite: Suite, check: Check, logical_date: date) -> Expectation:
    """The GX expectation for one check, tagged with the check's name so results map back."""
    a = check.args
    common: dict[str, Any] = {
        "severity": check.severity,
        "meta": {"check": check.name, "suite": suite.name, "quarantine": check.quarantine},
    }
    common["description"] = check.description or f"{check.name} ({check.kind}, {check.severity})"
    if check.kind == "not_null":
        return gx.expectations.ExpectColumnValuesToNotBeNull(column=a["column"], **common)
    if check.kind == "unique":
        if len(a["columns"]) == 1:
            return gx.expectations.ExpectColumnValuesToBeUnique(column=a["columns"][0], **common)
        return gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=a["columns"], **common)
    if check.kind == "accepted_values":
        return gx.expectations.ExpectColumnValuesToBeInSet(
            column=a["column"], value_set=a["values"], **common)
    if check.kind == "range":
        return gx.expectations.ExpectColumnValuesToBeBetween(
            column=a["column"], min_value=a.get("min"), max_value=a.get("max"), **common)
    if check.kind == "row_count":
        return gx.expectations.ExpectTableRowCountToBeBetween(
            min_value=a.get("min"), max_value=a.get("max"), **common)
    query = query_for(suite, check, logical_date)
    assert query is not None, check.kind
    return gx.expectations.UnexpectedRowsExpectation(unexpected_rows_query=query, **common)
