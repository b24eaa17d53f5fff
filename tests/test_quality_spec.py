"""Suite files: declarations are checked at load time, and URLs are made fit for GX."""

from __future__ import annotations

from datetime import date

import pytest

from transforms.quality.expectations import plain_sql, query_for
from transforms.quality.runner import sqlalchemy_url
from transforms.quality.spec import SuiteError, load_suites, parse_suite


def _suite(*checks: dict) -> dict:
    return {"table": "core.articles", "key": ["article_id"], "checks": list(checks)}


def test_shipped_suites_load_and_name_every_check_once() -> None:
    suites = load_suites()
    assert "raw.articles" in {s.name for s in suites}
    for suite in suites:
        names = [c.name for c in suite.checks]
        assert len(names) == len(set(names))


@pytest.mark.parametrize(("check", "message"), [
    ({"name": "x", "not_nul": "title"}, "exactly one check kind"),
    ({"name": "x", "not_null": "title", "severity": "fatal"}, "severity"),
    ({"not_null": "title"}, "stable 'name'"),
    ({"name": "x", "accepted_values": {"column": "language"}}, "needs 'values'"),
    ({"name": "x", "relationship": {"column": "a", "to": "articles", "field": "b"}}, "schema.table"),
    ({"name": "x", "volume": {"source_column": "source", "time_column": "t"}, "quarantine": True},
     "only row-level"),
    ({"name": "x", "not_null": "Title; DROP"}, "column name"),
])
def test_malformed_checks_are_refused_at_load_time(check: dict, message: str) -> None:
    with pytest.raises(SuiteError, match=message):
        parse_suite(_suite(check))


def test_a_check_name_used_twice_is_refused() -> None:
    with pytest.raises(SuiteError, match="used twice"):
        parse_suite(_suite({"name": "a", "not_null": "x"}, {"name": "a", "not_null": "y"}))


def test_severity_defaults_to_critical() -> None:
    assert parse_suite(_suite({"name": "a", "not_null": "x"})).checks[0].severity == "critical"


def test_expression_braces_survive_gx_formatting() -> None:
    suite = parse_suite(_suite({"name": "a", "expression": {"where": "b.x !~ '^[0-9]{3}$'"}}))
    query = query_for(suite, suite.checks[0], date(2026, 1, 1))
    assert "{{3}}" in query
    runnable = plain_sql(query, "core.articles")
    assert runnable.endswith("(SELECT * FROM core.articles) AS b WHERE (b.x !~ '^[0-9]{3}$')")


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql://postgres:@/db?host=/work/.local/pg", "postgresql+psycopg://postgres:@localhost/db?host=/work/.local/pg"),
    ("postgresql://u:p@db.example:5433/x", "postgresql+psycopg://u:p@db.example:5433/x"),
])
def test_urls_become_sqlalchemy_psycopg_urls_that_gx_accepts(url: str, expected: str) -> None:
    assert sqlalchemy_url(url) == expected


def test_a_bad_timezone_is_refused() -> None:
    with pytest.raises(SuiteError, match="IANA"):
        parse_suite(_suite({"name": "v", "volume": {"source_column": "source", "time_column": "t",
                                                    "timezone": "UTC'; DROP"}}))


def test_volume_days_start_in_the_suites_timezone() -> None:
    suite = parse_suite(_suite({"name": "v", "volume": {"source_column": "source", "time_column": "t",
                                                        "timezone": "Asia/Almaty"}}))
    query = query_for(suite, suite.checks[0], date(2025, 8, 31))
    assert "(DATE '2025-09-01')::timestamp AT TIME ZONE 'Asia/Almaty'" in query
