"""Delivery against real local servers: an aiosmtpd SMTP server and an http.server webhook.
Each alert and watchlist match goes out once over two runs; failures are retried, recorded in
ops.deliveries and sent by the next run; nothing raises."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime

from helpers_follow import article, entity, free_port, refresh_marts, smtp_server, webhook_server

from transforms.follow import notify, watchlists
from transforms.follow.settings import NotifySettings

DAY = date(2025, 8, 30)


def _plant(conn, n_alerts: int = 2) -> None:
    tokayev = entity(conn, "Касым-Жомарт Токаев")
    article(conn, source="tengri", slug="a", title="Токаев в Пекине", text="Токаев прибыл в Пекин.",
            published=datetime.fromisoformat("2025-08-30T10:00:00+05:00"), entities=(tokayev,))
    refresh_marts(conn)
    watchlists.add(conn, "tokayev", entities=["Касым-Жомарт Токаев"])
    watchlists.evaluate(conn, DAY)
    for n in range(n_alerts):
        conn.execute("INSERT INTO mart.alerts (kind, subject_key, subject, day, count, baseline, score, "
                     "top_articles, method) VALUES ('entity', %s, %s, %s, 9, 1.5, 4.2, %s, 'test')",
                     (f"entity:{n}", f"Сущность {n}", DAY,
                      json.dumps([{"article_id": 1, "source": "tengri", "title": "Т", "url": "https://t.kz/1"}])))


def _settings(**kwargs) -> NotifySettings:
    return replace(NotifySettings(mail_to=("analyst@example.org",), backoff_seconds=0.01, timeout_seconds=5),
                   **kwargs)


def _deliveries(conn) -> list[tuple]:
    return conn.execute("SELECT item_kind, channel, status, attempts FROM ops.deliveries "
                        "ORDER BY item_kind, item_id, channel").fetchall()


def test_each_alert_and_match_goes_out_once_over_two_runs(conn) -> None:
    _plant(conn)
    with smtp_server() as (port, sink), webhook_server() as (url, posts):
        settings = _settings(smtp_host="127.0.0.1", smtp_port=port, webhook_url=url)
        first = notify.notify(conn, DAY, settings)
        second = notify.notify(conn, DAY, settings)
    assert first == {"email": {"sent": 3, "failed": 0, "attempts": 1}, "webhook": {"sent": 3, "failed": 0,
                                                                                   "attempts": 1}}
    assert second == {"email": {"sent": 0, "failed": 0}, "webhook": {"sent": 0, "failed": 0}}
    assert len(sink.messages) == 1 and len(posts) == 1
    sender, recipients, content = sink.messages[0]
    assert recipients == ["analyst@example.org"]
    assert "Subject: mediamon 2025-08-30: 2 alerts, 1 watchlist matches" in content
    assert [a["subject"] for a in posts[0]["alerts"]] == ["Сущность 0", "Сущность 1"]
    assert [m["watchlist"] for m in posts[0]["watch_matches"]] == ["tokayev"]
    assert _deliveries(conn) == [("alert", "email", "sent", 1), ("alert", "webhook", "sent", 1)] * 2 + [
        ("watch_match", "email", "sent", 1), ("watch_match", "webhook", "sent", 1)]


def test_a_failing_channel_is_retried_recorded_and_sent_by_the_next_run(conn) -> None:
    _plant(conn, n_alerts=1)
    dead_smtp = free_port()  # nothing listens there
    with webhook_server(fail_first=3) as (url, posts):
        settings = _settings(smtp_host="127.0.0.1", smtp_port=dead_smtp, webhook_url=url, attempts=3)
        first = notify.notify(conn, DAY, settings)  # must not raise
        assert first["webhook"]["failed"] == 2 and "HTTP Error 500" in first["webhook"]["error"]
        assert first["email"]["failed"] == 2 and "ConnectionRefusedError" in first["email"]["error"]
        assert posts == []
        failed = conn.execute("SELECT channel, status, attempts, last_error FROM ops.deliveries "
                              "WHERE item_kind = 'alert' ORDER BY channel").fetchall()
        assert [(c, s, a) for c, s, a, _ in failed] == [("email", "failed", 3), ("webhook", "failed", 3)]
        with smtp_server() as (port, sink):
            second = notify.notify(conn, DAY, replace(settings, smtp_port=port))
    assert second["webhook"] == {"sent": 2, "failed": 0, "attempts": 1}
    assert second["email"] == {"sent": 2, "failed": 0, "attempts": 1}
    assert len(posts) == 1 and len(sink.messages) == 1
    assert _deliveries(conn) == [("alert", "email", "sent", 4), ("alert", "webhook", "sent", 4),
                                 ("watch_match", "email", "sent", 4), ("watch_match", "webhook", "sent", 4)]


def test_only_new_items_go_out_later_and_unconfigured_channels_are_off(conn) -> None:
    _plant(conn, n_alerts=1)
    with webhook_server() as (url, posts):
        settings = _settings(webhook_url=url)
        assert notify.notify(conn, DAY, settings)["email"] == "off"
        conn.execute("INSERT INTO mart.alerts (kind, subject_key, subject, day, count, baseline, score, method) "
                     "VALUES ('dyad', 'dyad:1:2', 'А + Б', %s, 5, 0, 4.5, 'test')", (DAY,))
        assert notify.notify(conn, DAY, settings)["webhook"]["sent"] == 1
    assert [len(p["alerts"]) + len(p["watch_matches"]) for p in posts] == [2, 1]
    assert posts[1]["alerts"][0]["subject"] == "А + Б"


def test_retries_wait_longer_each_time() -> None:
    waits: list[float] = []

    def fail() -> None:
        raise OSError("down")

    assert notify.with_retries(fail, 4, 0.5, sleep=waits.append) == (4, "OSError: down")
    assert waits == [0.5, 1.0, 2.0]
