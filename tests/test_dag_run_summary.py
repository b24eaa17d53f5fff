"""The human summary ``make run`` prints after the DAG run."""

from __future__ import annotations

import pytest

from mediamon import run_summary


def test_summary_shows_sections_whose_tables_exist_and_skips_the_others(conn, tmp_path):
    (tmp_path / "10_raw.sql").write_text("-- needs: raw.articles\n-- Raw articles landed.\n"
                                         "SELECT count(*) AS landed FROM raw.articles\n")
    (tmp_path / "20_later.sql").write_text("-- needs: raw.articles core.not_built_yet\n-- Later stage.\n"
                                           "SELECT 1 FROM core.not_built_yet\n")
    text = run_summary.render(conn, tmp_path)
    assert text.splitlines() == ["Raw articles landed.", "  landed", "  0"]


def test_every_summary_query_declares_what_it_needs():
    queries = run_summary.load_queries()
    assert queries and all(q.needs and all("." in t for t in q.needs) for q in queries)


def test_a_query_without_its_needs_line_is_an_error(tmp_path):
    (tmp_path / "10_bad.sql").write_text("SELECT 1\n")
    with pytest.raises(ValueError, match="needs"):
        run_summary.load_queries(tmp_path)
