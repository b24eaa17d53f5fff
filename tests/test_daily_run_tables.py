"""The daily-run benchmark's growth table judges issue 17's flatness rule from the measured days."""

from datetime import date

from bench.daily_run import DayResult, growth_table


def _day(day: int, dedup_s: float, marts_s: float) -> DayResult:
    tasks = [("deduplicate", 1, dedup_s, dedup_s), ("refresh_marts", 1, marts_s, marts_s)]
    return DayResult(date(2025, 9, day), 1000, 150, 1000 * (day - 1), "success", 100.0, 500.0, 100.0, tasks, {})


def test_growth_table_flags_only_the_stage_that_grew_more_than_the_limit() -> None:
    table = growth_table([_day(1, 10.0, 2.0), _day(5, 11.5, 3.0)])
    rows = {line.split("|")[1].strip(): line for line in table.splitlines()[2:]}
    assert "+15%" in rows["deduplicate"] and rows["deduplicate"].endswith("| yes |")
    assert "+50%" in rows["refresh_marts"] and rows["refresh_marts"].endswith("| **no** |")
    assert rows["total (run)"].endswith("| yes |")


def test_growth_table_needs_two_days() -> None:
    assert growth_table([_day(1, 10.0, 2.0)]) == ""
