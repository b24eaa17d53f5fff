"""Spike alerts: the scoring math, the detector on the real PostgreSQL (entity, dyad, story,
breaking; undated articles on their first-seen day; idempotent re-runs) and the planted-burst
backtest."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from helpers_follow import article, entity, refresh_marts

from bench import alerts_backtest
from transforms.follow import alerts
from transforms.follow.settings import AlertSettings
from transforms.follow.spikes import log10_tail, spike, winsorized

SETTINGS = AlertSettings()
DAY = date(2025, 8, 30)


def _poisson_tail(k: int, mean: float) -> float:
    return 1 - sum(math.exp(-mean) * mean**j / math.factorial(j) for j in range(k))


@pytest.mark.parametrize(("k", "mean"), [(3, 0.2), (8, 2.5), (1, 4.0), (20, 12.0)])
def test_the_poisson_tail_matches_the_textbook_sum(k: int, mean: float) -> None:
    assert log10_tail(k, mean, mean) == pytest.approx(math.log10(_poisson_tail(k, mean)), rel=1e-9)


def test_an_overdispersed_history_makes_the_same_count_less_surprising() -> None:
    assert log10_tail(80, 50, 225) > log10_tail(80, 50, 50) + 2
    assert log10_tail(500, 2, 2) < -200  # far tails keep their precision instead of rounding to 0


def test_spike_needs_history_a_minimum_count_a_ratio_and_a_score() -> None:
    calm = [2, 3, 1, 2, 4, 2, 3, 1, 2, 2] * 2
    assert spike(12, calm, SETTINGS) is not None
    assert spike(12, calm[:5], SETTINGS) is None  # less than a week of history
    assert spike(2, [0] * 28, SETTINGS) is None  # below min_count
    assert spike(5, calm, SETTINGS) is None  # not twice the mean
    # A never-seen subject is held to the floor of 0.2/day: 3 articles is p = 0.0011 (score 2.94),
    # just short of 3; 4 articles is p = 0.00006 (score 4.25).
    assert spike(3, [0] * 28, SETTINGS) is None
    assert spike(4, [0] * 28, SETTINGS).baseline == 0.0
    assert spike(4, [0] * 28, replace(SETTINGS, min_score=5)) is None


def test_one_earlier_burst_does_not_hide_the_next() -> None:
    history = [2, 1, 0, 2, 0, 0, 6, 0, 1, 0, 3, 0, 0, 5, 3, 0, 2, 2, 2, 2, 2, 0, 1, 0, 4, 1, 3, 30]
    assert max(winsorized(history)) == 5
    assert spike(12, history, SETTINGS) is not None


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=hour).astimezone()


def _calm_month(conn, entity_ids: tuple[int, ...], *, per_day: int = 1) -> None:
    for offset in range(1, 29):
        for n in range(per_day):
            article(conn, source="tengri", slug=f"calm-{offset}-{n}", title="Будни", text="Обычный день.",
                    published=_at(DAY - timedelta(days=offset)), entities=entity_ids)


def test_entity_dyad_and_breaking_alerts_with_evidence_and_idempotent_reruns(conn) -> None:
    tokayev, xi = entity(conn, "Касым-Жомарт Токаев"), entity(conn, "Си Цзиньпин")
    _calm_month(conn, (tokayev,))
    outlets = ["tengri", "zakon", "nur", "kazinform", "tass", "ria"]
    for n, source in enumerate(outlets):
        article(conn, source=source, slug=f"visit-{n}", title=f"Визит {n}", text="Токаев и Си Цзиньпин.",
                published=_at(DAY, 9 + n), entities=(tokayev, xi), story=500)
    refresh_marts(conn)
    first = alerts.detect(conn, DAY, SETTINGS)
    assert (first["entity"], first["dyad"], first["breaking"], first["new"]) == (2, 1, 1, 4)
    rows = {(k, s): (c, b) for k, s, c, b in conn.execute("SELECT kind, subject, count, baseline FROM mart.alerts")}
    assert rows[("entity", "Касым-Жомарт Токаев")] == (6, 1.0)
    assert rows[("dyad", "Касым-Жомарт Токаев + Си Цзиньпин")] == (6, 0.0)
    assert rows[("breaking", "Визит 0")] == (6, 0.0)  # six outlets new to the story
    evidence = conn.execute("SELECT top_articles FROM mart.alerts WHERE kind = 'dyad'").fetchone()[0]
    assert [a["source"] for a in evidence] == outlets[:5]  # top five, earliest first
    before = conn.execute("SELECT * FROM mart.alerts ORDER BY alert_id").fetchall()
    second = alerts.detect(conn, DAY, SETTINGS)
    assert second["new"] == 0 and second["updated"] == 0
    assert conn.execute("SELECT * FROM mart.alerts ORDER BY alert_id").fetchall() == before


def test_undated_articles_count_on_their_first_seen_day_not_the_crawl_day(conn) -> None:
    tokayev = entity(conn, "Касым-Жомарт Токаев")
    _calm_month(conn, (tokayev,))
    for n in range(6):  # first seen on DAY, normalized from a version crawled three days later
        article(conn, source="nur", slug=f"undated-{n}", title=None, text="Токаев.", published=None,
                fetched_at=_at(DAY, 10), crawl_time=_at(DAY + timedelta(days=3)), entities=(tokayev,))
    refresh_marts(conn)
    assert alerts.detect(conn, DAY, SETTINGS)["entity"] == 1
    assert alerts.detect(conn, DAY + timedelta(days=3), SETTINGS)["entity"] == 0
    assert conn.execute("SELECT count FROM mart.alerts WHERE kind = 'entity'").fetchone()[0] == 6


def test_a_resurging_story_alerts_but_a_new_small_one_does_not(conn) -> None:
    old = DAY - timedelta(days=5)
    article(conn, source="tengri", slug="s0", title="Газопровод", text="Газопровод.", published=_at(old), story=9)
    _calm_month(conn, ())
    for n in range(5):
        article(conn, source="tengri", slug=f"s{n + 1}", title="Газопровод", text="Газопровод.",
                published=_at(DAY, 8 + n), story=9)
        article(conn, source="zakon", slug=f"new{n}", title="Новое", text="Новое.", published=_at(DAY, 8 + n),
                story=10)
    refresh_marts(conn)
    assert alerts.detect(conn, DAY, SETTINGS)["story"] == 1
    assert conn.execute("SELECT story_id, count FROM mart.alerts WHERE kind = 'story'").fetchall() == [(9, 5)]


@pytest.mark.slow
def test_the_backtest_finds_the_planted_bursts(conn) -> None:
    corpus = alerts_backtest.generate(days=45, n_entities=20, seed=7, entity_bursts=6, dyad_bursts=3, breaking=3,
                                      resurgences=3)
    report = alerts_backtest.evaluate(conn, corpus, alerts_backtest.load(conn, corpus))
    for kind in ("dyad", "breaking", "story"):
        assert report[kind]["recall"] == 1.0, report
    assert report["entity"]["recall"] >= 0.5, report
    assert report["all"]["recall"] >= 0.8 and report["all"]["precision"] >= 0.4, report
