"""The digest's "Alerts" and "Watchlists" sections, from the real mart tables."""

from __future__ import annotations

import json
from datetime import date, datetime

from helpers_follow import article, entity, refresh_marts

from transforms.follow import watchlists
from transforms.report import gather, render

DAY = date(2025, 8, 30)


def test_the_digest_shows_the_days_alerts_with_evidence_and_watchlist_matches(conn) -> None:
    tokayev = entity(conn, "Касым-Жомарт Токаев")
    article(conn, source="tengri", slug="a", title="Токаев в Пекине", text="Визит Токаева в Пекин начался.",
            published=datetime.fromisoformat("2025-08-30T10:00:00+05:00"), entities=(tokayev,))
    refresh_marts(conn)
    watchlists.add(conn, "beijing", query="Пекин")
    watchlists.evaluate(conn, DAY)
    conn.execute("INSERT INTO mart.alerts (kind, subject_key, subject, day, count, baseline, score, top_articles, "
                 "method) VALUES ('breaking', 'story:1', 'Визит в Пекин', %s, 6, 0, 6, %s, 'test')",
                 (DAY, json.dumps([{"article_id": 1, "source": "tengri", "title": "Токаев в Пекине",
                                    "url": "https://tengri.kz/a"}])))
    page = render(gather(conn, DAY))
    assert "<h2>Alerts (1)</h2>" in page and "breaking story: Визит в Пекин" in page
    assert "6 outlets took it up" in page and 'href="https://tengri.kz/a"' in page
    assert "<h2>Watchlists (1 new matches)</h2>" in page and "<h3>beijing</h3>" in page
    assert "[Пекин]" in page
    quiet = render(gather(conn, date(2025, 9, 10)))
    assert "No spike or breaking story on this day." in quiet and "No new article matched" in quiet
