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



def test_table_checksums_see_a_changed_row_but_not_the_order_rows_were_written_in(conn):
    from mediamon import summary

    conn.execute("CREATE SCHEMA scratch; CREATE TABLE scratch.t (id int, word text)")
    conn.execute("INSERT INTO scratch.t VALUES (1, 'один'), (2, 'два')")
    first = summary.table_checksums(conn, ("scratch",))
    conn.execute("TRUNCATE scratch.t; INSERT INTO scratch.t VALUES (2, 'два'), (1, 'один')")
    assert summary.table_checksums(conn, ("scratch",)) == first
    conn.execute("UPDATE scratch.t SET word = 'три' WHERE id = 1")
    assert summary.table_checksums(conn, ("scratch",)) != first
    assert {"raw.articles", "core.articles"} <= set(summary.table_checksums(conn))
