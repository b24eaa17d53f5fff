"""What a pipeline run produced, for people: articles, duplicates and stories, the top entities.
``make run`` prints it after the per-table counts, followed by the quality run's own summary.

The queries are ``sql/summary/NN_name.sql``; each says on its first line which tables it needs
(``-- needs: core.stories``) and is skipped while one of them does not exist, so the summary grows
with the stages that have landed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import psycopg

from mediamon import settings


@dataclass(frozen=True)
class SummaryQuery:
    name: str
    title: str
    needs: tuple[str, ...]
    sql: str


def summary_dir() -> Path:
    return settings.REPO_ROOT / "sql" / "summary"


def load_queries(directory: Path | None = None) -> list[SummaryQuery]:
    queries = []
    for path in sorted((directory or summary_dir()).glob("*.sql")):
        lines = path.read_text(encoding="utf-8").splitlines()
        if not lines or not lines[0].startswith("-- needs:"):
            raise ValueError(f"{path.name}: the first line must be '-- needs: schema.table ...'")
        needs = tuple(lines[0].removeprefix("-- needs:").split())
        title = lines[1].removeprefix("--").strip() if len(lines) > 1 and lines[1].startswith("--") else path.stem
        queries.append(SummaryQuery(path.stem.split("_", 1)[-1], title, needs, "\n".join(lines)))
    return queries


def _format(rows: list[tuple], columns: list[str]) -> list[str]:
    def cell(value: object) -> str:
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False, default=str)
        return "" if value is None else str(value)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = ["  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return lines


def render(conn: psycopg.Connection, directory: Path | None = None) -> str:
    """The summary as text; sections whose tables do not exist yet are left out."""
    out: list[str] = []
    for query in load_queries(directory):
        present = conn.execute("SELECT count(*) FROM unnest(%s::text[]) AS t WHERE to_regclass(t) IS NOT NULL",
                               (list(query.needs),)).fetchone()[0]
        if present < len(query.needs):
            continue
        cursor = conn.execute(query.sql)
        rows = cursor.fetchall()
        out.append(query.title)
        out += _format(rows, [d.name for d in cursor.description]) if rows else ["  (none)"]
        out.append("")
    return "\n".join(out).rstrip()
