"""Suites as data: one YAML file per guarded table, read into small typed objects.

A suite file reads like dbt's ``schema.yml``: the table, its row key, then a list of checks, each
with a stable ``name`` (what ``ops.dq_results.expectation`` and the quarantine reason carry), a
``severity`` and the check's own arguments::

    table: raw.articles
    key: [raw_article_id]
    checks:
      - {name: raw_article_id.unique, unique: raw_article_id, severity: critical}
      - {name: title.not_null, not_null: title, severity: warning, quarantine: true}

Check kinds and what they mean:

``not_null: col`` / ``unique: col | [cols]`` / ``accepted_values: {column, values}`` /
``range: {column, min, max}`` — the dbt classics.
``expression: {where: SQL}`` — rows matching ``where`` (a condition on the table aliased ``b``) are bad.
``relationship: {column, to: schema.table, field}`` — every non-null ``column`` value exists in ``to``.
``volume: {source_column, time_column, window_days, min_ratio}`` — per source, the logical day's row
count against the median of the ``window_days`` days before; a source with history and nothing today
is flagged, and so is one below ``min_ratio`` × median.
``freshness: {source_column, time_column, max_age_hours}`` — per source, the newest row must be at
most ``max_age_hours`` older than the end of the logical day. Both take ``timezone`` (default UTC;
the shipped suites use Asia/Almaty, like the marts) to say where a day starts.
``row_count: {min, max}`` — the table's size.

The loader checks the declarations (unknown kinds, missing arguments, bad severities) so a typo in
a suite fails loudly at load time instead of silently checking nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SUITES_DIR = Path(__file__).resolve().parent / "suites"

SEVERITIES = ("critical", "warning")
ROW_LEVEL_KINDS = ("not_null", "accepted_values", "range", "expression", "relationship")
KINDS = (*ROW_LEVEL_KINDS, "unique", "volume", "freshness", "row_count")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_TABLE = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")


class SuiteError(ValueError):
    """A suite file declares something the framework cannot check."""


@dataclass(frozen=True)
class Check:
    """One declared check: its stable name, kind, arguments and what a failure means."""

    name: str
    kind: str
    args: dict[str, Any]
    severity: str
    quarantine: bool = False
    description: str = ""


@dataclass(frozen=True)
class Suite:
    """The checks guarding one table (or view), with the key that names its rows."""

    name: str
    table: str
    key: tuple[str, ...]
    checks: tuple[Check, ...] = field(default_factory=tuple)
    description: str = ""

    @property
    def schema(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def table_name(self) -> str:
        return self.table.split(".", 1)[1]


def _identifier(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise SuiteError(f"{where}: {value!r} is not a lower-case column name")
    return value


def _parse_args(kind: str, raw: Any, where: str) -> dict[str, Any]:
    """Normalise a check's arguments to a dict and refuse what is missing or malformed."""
    if kind == "not_null":
        return {"column": _identifier(raw, where)}
    if kind == "unique":
        columns = [raw] if isinstance(raw, str) else raw
        if not isinstance(columns, list) or not columns:
            raise SuiteError(f"{where}: unique takes a column or a list of columns")
        return {"columns": [_identifier(c, where) for c in columns]}
    if not isinstance(raw, dict):
        raise SuiteError(f"{where}: {kind} takes a mapping of arguments")
    args = dict(raw)
    required = {
        "accepted_values": ("column", "values"),
        "range": ("column",),
        "expression": ("where",),
        "relationship": ("column", "to", "field"),
        "volume": ("source_column", "time_column"),
        "freshness": ("source_column", "time_column", "max_age_hours"),
        "row_count": (),
    }[kind]
    for name in required:
        if name not in args:
            raise SuiteError(f"{where}: {kind} needs {name!r}")
    for name in ("column", "field", "source_column", "time_column"):
        if name in args:
            _identifier(args[name], where)
    if kind == "accepted_values" and not (isinstance(args["values"], list) and args["values"]):
        raise SuiteError(f"{where}: accepted_values needs a non-empty list of values")
    if kind == "range" and "min" not in args and "max" not in args:
        raise SuiteError(f"{where}: range needs min, max or both")
    if kind == "relationship" and not _TABLE.match(str(args["to"])):
        raise SuiteError(f"{where}: relationship 'to' must be schema.table, got {args['to']!r}")
    if "timezone" in args and not re.match(r"^[A-Za-z_]+(/[A-Za-z_+-]+)*$", str(args["timezone"])):
        raise SuiteError(f"{where}: timezone must be an IANA name like Asia/Almaty")
    if kind == "volume":
        args.setdefault("window_days", 7)
        args.setdefault("min_ratio", 0.0)
        if not 0 <= float(args["min_ratio"]) < 1:
            raise SuiteError(f"{where}: volume min_ratio must be in [0, 1)")
    return args


def parse_suite(document: dict[str, Any], origin: str = "<suite>") -> Suite:
    """Build a Suite from a parsed YAML document, refusing anything it cannot honour."""
    if not isinstance(document, dict):
        raise SuiteError(f"{origin}: a suite is a mapping with table, key and checks")
    table = document.get("table")
    if not isinstance(table, str) or not _TABLE.match(table):
        raise SuiteError(f"{origin}: 'table' must be schema.table, got {table!r}")
    key = document.get("key")
    key_columns = [key] if isinstance(key, str) else key
    if not isinstance(key_columns, list) or not key_columns:
        raise SuiteError(f"{origin}: 'key' names the column(s) that identify a row")
    key_tuple = tuple(_identifier(c, origin) for c in key_columns)
    checks: list[Check] = []
    seen: set[str] = set()
    for index, entry in enumerate(document.get("checks") or []):
        where = f"{origin} check #{index + 1}"
        if not isinstance(entry, dict):
            raise SuiteError(f"{where}: each check is a mapping")
        entry = dict(entry)
        name = entry.pop("name", None)
        if not isinstance(name, str) or not name:
            raise SuiteError(f"{where}: every check needs a stable 'name'")
        where = f"{origin} check {name!r}"
        if name in seen:
            raise SuiteError(f"{where}: name used twice in the suite")
        seen.add(name)
        severity = entry.pop("severity", "critical")
        if severity not in SEVERITIES:
            raise SuiteError(f"{where}: severity must be one of {SEVERITIES}, got {severity!r}")
        quarantine = bool(entry.pop("quarantine", False))
        description = str(entry.pop("description", ""))
        kinds = [k for k in entry if k in KINDS]
        unknown = [k for k in entry if k not in KINDS]
        if unknown or len(kinds) != 1:
            raise SuiteError(f"{where}: expected exactly one check kind of {KINDS}, got {sorted(entry)}")
        kind = kinds[0]
        if quarantine and kind not in ROW_LEVEL_KINDS:
            raise SuiteError(f"{where}: only row-level checks {ROW_LEVEL_KINDS} can quarantine rows")
        checks.append(Check(name=name, kind=kind, args=_parse_args(kind, entry[kind], where),
                            severity=severity, quarantine=quarantine, description=description))
    if not checks:
        raise SuiteError(f"{origin}: a suite without checks checks nothing")
    return Suite(name=str(document.get("suite") or table), table=table, key=key_tuple,
                 checks=tuple(checks), description=str(document.get("description", "")))


def load_suites(directory: Path | None = None) -> list[Suite]:
    """Every ``*.yml`` suite in the directory, in file-name order (raw before core before mart)."""
    directory = directory or SUITES_DIR
    suites = []
    for path in sorted(directory.glob("*.yml")):
        with path.open(encoding="utf-8") as handle:
            suites.append(parse_suite(yaml.safe_load(handle), origin=path.name))
    names = [s.name for s in suites]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise SuiteError(f"suite names used twice: {sorted(duplicated)}")
    return suites
