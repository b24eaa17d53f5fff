"""The daily HTML digest for analysts (``mediamon report --date YYYY-MM-DD``).

``gather`` reads the day from the mart views (what analysts see) plus the quality status from
``ops``; ``render`` turns that plain dict into one self-contained HTML file: inline CSS, an inline
SVG chart, no scripts, no external assets, so it can be mailed or opened from disk. Gathering and
rendering are separate so the page can be tested without a database and the data without HTML.
"""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from transforms import urls

ALMATY = ZoneInfo("Asia/Almaty")
WEEKS = 12
TOP_ENTITIES = 10
CHART_ENTITIES = 5
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
ENTITY_TYPE_LABEL = {"PER": "person", "LOC": "place", "ORG": "organisation"}


def _rows(conn: psycopg.Connection, query: str, params: tuple = ()) -> list[dict[str, Any]]:
    cursor = conn.execute(query, params)
    columns = [c.name for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def gather(conn: psycopg.Connection, day: date) -> dict[str, Any]:
    """Everything the digest shows for ``day`` (a Kazakhstan day), as plain Python values."""
    week_from = day - timedelta(days=6)
    stories = _rows(conn, """
        SELECT t.story_id, coalesce(t.title, t.first_title) AS title, t.first_source, t.first_published_at,
               (SELECT f.published_precision FROM mart.articles AS f WHERE f.article_id = t.first_article_id)
                   AS first_published_precision,
               t.first_seen_at, t.outlets, t.article_count, t.first_url,
               (SELECT json_agg(json_build_object('source', a.source, 'title', a.title, 'url', a.url,
                                                  'published_at', a.published_at,
                                                  'duplicate', a.duplicate_of IS NOT NULL)
                                ORDER BY a.published_at, a.article_id)
                FROM mart.articles AS a WHERE a.story_id = t.story_id AND a.day = %s) AS articles_today
        FROM mart.story_timeline AS t
        WHERE EXISTS (SELECT 1 FROM mart.articles AS a WHERE a.story_id = t.story_id AND a.day = %s)
        ORDER BY t.article_count DESC, t.first_published_at, t.story_id
        """, (day, day))
    unstoried = _rows(conn, """
        SELECT source, title, url, published_at FROM mart.articles
        WHERE day = %s AND story_id IS NULL ORDER BY published_at, article_id
        """, (day,))
    top = _rows(conn, """
        SELECT entity_id, canonical_name, entity_type, sum(articles)::int AS articles, sum(mentions)::int AS mentions
        FROM mart.entity_daily_totals WHERE day BETWEEN %s AND %s
        GROUP BY entity_id, canonical_name, entity_type
        ORDER BY articles DESC, mentions DESC, canonical_name LIMIT %s
        """, (week_from, day, TOP_ENTITIES))
    first_week = week_start(day) - timedelta(weeks=WEEKS - 1)
    weeks = [first_week + timedelta(weeks=i) for i in range(WEEKS)]
    series: dict[int, list[int]] = {e["entity_id"]: [0] * WEEKS for e in top}
    for row in _rows(conn, """
            SELECT entity_id, date_trunc('week', day)::date AS week, sum(mentions)::int AS mentions
            FROM mart.entity_daily_totals
            WHERE entity_id = ANY(%s) AND day >= %s AND day <= %s
            GROUP BY 1, 2
            """, ([e["entity_id"] for e in top], first_week, day)):
        series[row["entity_id"]][(row["week"] - first_week).days // 7] = row["mentions"]
    for entity in top:
        entity["weekly"] = series[entity["entity_id"]]
    quotes = _rows(conn, """
        SELECT CASE WHEN speaker_type IN ('PER', 'ORG') THEN speaker END AS speaker, text, source, title, url, day,
               published_at, story_id, article_id
        FROM mart.quotes
        WHERE day BETWEEN %s AND %s ORDER BY day DESC, published_at, quote_id LIMIT 12
        """, (week_from, day))
    money = _rows(conn, """
        SELECT amount, currency, text, context, source, title, url, day, story_id, article_id FROM mart.money_facts
        WHERE day BETWEEN %s AND %s ORDER BY currency, amount DESC, day, fact_id LIMIT 40
        """, (week_from, day))
    quality = _rows(conn, """
        SELECT r.run_id, r.logical_date, r.status, r.finished_at, r.data_docs_path, r.counts
        FROM ops.dq_runs AS r WHERE r.status <> 'running'
        ORDER BY r.finished_at DESC NULLS LAST, r.dq_run_id DESC LIMIT 1
        """)
    refreshed = conn.execute("SELECT max(finished_at) FROM ops.mart_refreshes").fetchone()[0]
    from transforms.follow import alerts, watchlists

    day_alerts = alerts.alerts_of_day(conn, day)
    watch_matches = watchlists.matches_of_day(conn, day)
    quarantined = conn.execute(
        "SELECT count(*) FROM ops.quarantine WHERE stage = 'quality' AND released_at IS NULL").fetchone()[0]
    sources = _rows(conn, """
        SELECT source, articles, last_published_at, last_fetched_at FROM mart.source_freshness ORDER BY source
        """)
    return {
        "day": day, "week_from": week_from, "weeks": weeks, "stories": stories, "unstoried": unstoried,
        "top_entities": top, "quotes": quotes, "money": money, "quality": quality[0] if quality else None,
        "marts_refreshed_at": refreshed, "quarantined": quarantined, "sources": sources,
        "alerts": day_alerts, "watch_matches": watch_matches,
        "articles_today": sum(len(s["articles_today"] or []) for s in stories) + len(unstoried),
    }


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _link(url: str | None, label: str | None) -> str:
    """A link when ``url`` is http(s); other schemes (``JavaScript:``, ``data:``, ``seed://``) are
    shown as plain text, never as something to click."""
    href = urls.safe_href(url)
    if href is None:
        return _e(label)
    return f'<a href="{_e(href)}">{_e(label)}</a>'


def _when(value: datetime | None) -> str:
    """A time as analysts read it: Kazakhstan time."""
    return value.astimezone(ALMATY).strftime("%d.%m.%Y %H:%M") if value else "—"


def _published(value: datetime | None, precision: str | None) -> str:
    """A publication date as the source gave it: a date-only source is stored at 00:00 UTC and
    must not read "05:00" (midnight UTC in Almaty); a time is shown in Kazakhstan time."""
    if value is None:
        return "undated"
    if precision == "day" or (precision is None and value.astimezone(ZoneInfo("UTC")).time() == datetime.min.time()):
        return value.astimezone(ZoneInfo("UTC")).strftime("%d.%m.%Y")
    return _when(value)


# Plural forms: English one/other; Russian one (1, 21, 101...), few (2-4, 22-24...), many.
_FORMS = {"article": ("article", "articles"), "story": ("story", "stories"), "quote": ("quote", "quotes"),
          "outlet": ("outlet", "outlets"), "top entity": ("top entity", "top entities"),
          "статья": ("статья", "статьи", "статей"),
          "сюжет": ("сюжет", "сюжета", "сюжетов"), "цитата": ("цитата", "цитаты", "цитат")}


def plural(n: int, word: str) -> str:
    """"1 article", "2 articles"; "1 статья", "3 статьи", "5 статей", "21 статья", "11 статей"."""
    forms = _FORMS.get(word, (word, word + "s"))
    if len(forms) == 2:
        return f"{n} {forms[0] if n == 1 else forms[1]}"
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} {forms[0]}"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} {forms[1]}"
    return f"{n} {forms[2]}"


_plural = plural


def _context(text: str | None) -> str:
    """A context snippet without the cut word at its start and end."""
    text = (text or "").strip()
    if " " in text[:30]:
        head, rest = text.split(" ", 1)
        text = rest if head[:1].islower() else text
        text = "…" + text if head[:1].islower() else text
    return text


def merge_quotes(quotes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per (speaker, words): a quote reprinted by several outlets is listed once, with all of them."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for quote in quotes:
        key = (quote["speaker"] or "", " ".join((quote["text"] or "").split()))
        if key in merged:
            merged[key]["also"].append(quote)
        else:
            merged[key] = {**quote, "also": []}
    return list(merged.values())


def merge_money(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per (amount, currency, story): a figure repeated by reprints and follow-ups of the
    same story is listed once, with the other outlets ("also"), as quotes are."""
    merged: dict[tuple, dict[str, Any]] = {}
    for fact in facts:
        group = fact.get("story_id") if fact.get("story_id") is not None else ("article", fact.get("article_id"))
        key = (fact["amount"], fact["currency"], group)
        if key in merged:
            merged[key]["also"].append(fact)
        else:
            merged[key] = {**fact, "also": []}
    return list(merged.values())


def format_amount(amount: Decimal | float | int | None, currency: str | None) -> str:
    """1500000000, USD -> '1.5 bn USD'; amounts under a million are written out with thin spaces."""
    if amount is None:
        return "—"
    value = float(amount)
    for threshold, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "mn")):
        if abs(value) >= threshold:
            text = f"{value / threshold:.2f}".rstrip("0").rstrip(".")
            return f"{text} {suffix} {currency or ''}".strip()
    return f"{value:,.0f}".replace(",", "\u2009") + (f" {currency}" if currency else "")


DASHES = ("", "7 3", "2 3", "9 3 2 3", "4 2 1 2")  # a second cue besides colour, per line


def chart_svg(weeks: list[date], entities: list[dict[str, Any]], *, width: int = 900, height: int = 260) -> str:
    """A line chart of weekly mentions, one line per entity, with axes, week labels and a legend.

    The legend sits under the plot, one entry per row with the full name (long names such as
    "Шанхайская организация сотрудничества" are not cut). Lines differ by colour and dash, and a
    line equal to an earlier one is drawn a little apart and says so in the legend, so equal
    lines do not hide each other.
    """
    left, right, top, bottom = 44, 16, 16, 34
    legend_row = 20
    plot_w, plot_h = width - left - right, height - top - bottom
    total_h = height + 8 + legend_row * len(entities)
    peak = max([max(e["weekly"]) for e in entities] + [1])
    step = max(1, round(peak / 4))
    ticks = list(range(0, peak + step, step))
    y_max = ticks[-1]

    def x(i: int) -> float:
        return left + (plot_w * i / max(len(weeks) - 1, 1))

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / y_max

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {total_h}" width="100%" '
             f'role="img" aria-label="Weekly mentions of the top entities" class="chart">']
    for t in ticks:
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(t):.1f}" y2="{y(t):.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y(t) + 4:.1f}" class="tick" text-anchor="end">{t}</text>')
    for i, week in enumerate(weeks):
        if i % 2 == len(weeks) % 2 or i == len(weeks) - 1:
            parts.append(f'<text x="{x(i):.1f}" y="{height - 12}" class="tick" text-anchor="middle">'
                         f'{week.strftime("%d.%m")}</text>')
    seen: list[list[int]] = []
    for n, entity in enumerate(entities):
        color, dash = PALETTE[n % len(PALETTE)], DASHES[n % len(DASHES)]
        twin = next((k for k, earlier in enumerate(seen) if earlier == entity["weekly"]), None)
        same_before = sum(1 for earlier in seen if earlier == entity["weekly"])
        seen.append(entity["weekly"])
        dy = -3.0 * same_before  # an equal line is lifted a few pixels: both stay visible
        points = " ".join(f"{x(i):.1f},{y(v) + dy:.1f}" for i, v in enumerate(entity["weekly"]))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2.2"{dash_attr}/>')
        for i, v in enumerate(entity["weekly"]):
            if v:
                parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v) + dy:.1f}" r="3" fill="{color}">'
                             f'<title>{_e(entity["canonical_name"])}: {v} in the week of '
                             f'{weeks[i].strftime("%d.%m.%Y")}</title></circle>')
        ly = height + 8 + n * legend_row
        note = f'; same line as {_e(entities[twin]["canonical_name"])}' if twin is not None else ""
        parts.append(f'<line x1="{left}" x2="{left + 26}" y1="{ly - 4}" y2="{ly - 4}" stroke="{color}" '
                     f'stroke-width="2.5"{dash_attr}/>'
                     f'<text x="{left + 34}" y="{ly}" class="legend">'
                     f'{_e(_shorten(entity["canonical_name"], 70))} ({sum(entity["weekly"])} mentions{note})</text>')
    parts.append("</svg>")
    return "".join(parts)


def _shorten(text: str | None, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _sparkline(values: list[int], *, width: int = 96, height: int = 22) -> str:
    peak = max(values + [1])
    bar = width / len(values)
    bars = "".join(
        f'<rect x="{i * bar + 1:.1f}" y="{height - (height - 2) * v / peak:.1f}" width="{bar - 2:.1f}" '
        f'height="{(height - 2) * v / peak:.1f}" class="{"spark-now" if i == len(values) - 1 else "spark"}"/>'
        for i, v in enumerate(values))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" aria-hidden="true">{bars}</svg>')


STYLE = """
body{font:15px/1.5 -apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif;color:#1d2733;
     background:#f4f6f8;margin:0}
main{max-width:980px;margin:0 auto;padding:24px 28px 48px;background:#fff;min-height:100vh}
header{border-bottom:3px solid #1f4e79;padding-bottom:10px;margin-bottom:8px;display:flex;
       justify-content:space-between;align-items:flex-end;gap:16px}
h1{font-size:26px;margin:0;color:#1f4e79}
.sub{color:#5a6875;font-size:13px}
h2{font-size:19px;margin:28px 0 10px;color:#1f4e79;border-bottom:1px solid #dde3ea;padding-bottom:4px}
.badge{white-space:nowrap;display:inline-block;padding:3px 10px;border-radius:12px;font-weight:600;
       font-size:13px;color:#fff}
.passed{background:#2e7d32}.warned{background:#ef8f00}.failed,.error{background:#c62828}.none{background:#78909c}
.story{border:1px solid #dde3ea;border-left:4px solid #1f4e79;border-radius:4px;padding:10px 14px;margin:10px 0}
.story.alert{border-left-color:#c62828}
.story h3{font-size:16px;margin:0 0 4px}
.outlets{font-size:13px;color:#5a6875;margin-bottom:6px}
.outlet{display:inline-block;background:#e8eef5;color:#1f4e79;border-radius:3px;padding:0 6px;margin-right:4px}
.outlet.first{background:#1f4e79;color:#fff}
ul.arts{margin:4px 0 0;padding-left:18px;font-size:14px}
.muted{color:#7a8794}
table{border-collapse:collapse;width:100%;font-size:14px}
th.num{text-align:right}
th{text-align:left;color:#5a6875;font-weight:600;border-bottom:2px solid #dde3ea;padding:4px 8px}
td{border-bottom:1px solid #eef1f4;padding:5px 8px;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.chart{max-width:100%;height:auto}
.grid{stroke:#e3e8ee;stroke-width:1}.tick{font-size:11px;fill:#6b7885}.legend{font-size:12px;fill:#1d2733}
.spark{fill:#9fb6cd}.spark-now{fill:#1f4e79}
blockquote{margin:10px 0;padding:8px 14px;border-left:3px solid #9fb6cd;background:#f7f9fb}
blockquote p{margin:0 0 4px}
.cite{font-size:13px;color:#5a6875}
.amount{font-weight:700;color:#1f4e79;white-space:nowrap}
a{color:#1f4e79}
.qs{display:flex;gap:18px;align-items:center;flex-wrap:wrap;font-size:14px}
footer{margin-top:32px;font-size:12px;color:#7a8794}
"""


def _story_first(story: dict[str, Any]) -> str:
    if story.get("first_published_at") is None:
        return f'undated (first seen {_when(story.get("first_seen_at"))})'
    return _published(story["first_published_at"], story.get("first_published_precision"))


def render(data: dict[str, Any]) -> str:
    """The digest as one self-contained HTML page."""
    day: date = data["day"]
    quality = data["quality"]
    status = quality["status"] if quality else "none"
    out = [
        "<!DOCTYPE html>",
        '<html lang="ru"><head><meta charset="utf-8">',
        f"<title>mediamon digest {day.isoformat()}</title>",
        f"<style>{STYLE}</style></head><body><main>",
        "<header><div>",
        f"<h1>Kazakhstan–China media digest · {day.strftime('%d.%m.%Y')}</h1>",
        f'<div class="sub">{_plural(data["articles_today"], "article")} published that day · '
        'entities, quotes and money over '
        f'{data["week_from"].strftime("%d.%m")}–{day.strftime("%d.%m.%Y")} · data as of '
        f'{_when(data["marts_refreshed_at"])} · times in Kazakhstan time</div>',
        "</div>",
        f'<div><span class="badge {status}">quality: {_e(status)}</span></div></header>',
    ]
    out += render_alerts(data.get("alerts", []), data.get("watch_matches", []))
    out.append(f"<h2>Stories of the day ({_plural(len(data['stories']), 'story')})</h2>")
    if not data["stories"] and not data["unstoried"]:
        out.append('<p class="muted">No articles were published on this day.</p>')
    for story in data["stories"]:
        outlets = "".join(
            f'<span class="outlet{" first" if i == 0 else ""}">{_e(o)}</span>' for i, o in enumerate(story["outlets"]))
        out.append('<div class="story">'
                   f'<h3>{_e(story["title"] or "(untitled story)")}</h3>'
                   f'<div class="outlets">first: <b>{_e(story["first_source"])}</b>, '
                   f'{_e(_story_first(story))} · outlets in order: {outlets} · '
                   f'{_plural(story["article_count"], "article")} in all</div>'
                   '<ul class="arts">')
        for article in story["articles_today"] or []:
            dup = ' <span class="muted">(duplicate)</span>' if article.get("duplicate") else ""
            link = _link(article["url"], article["title"] or "(no title)")
            out.append(f'<li><b>{_e(article["source"])}</b>: {link}{dup}</li>')
        out.append("</ul></div>")
    if data["unstoried"]:
        out.append('<p class="muted">Not grouped into a story:</p><ul class="arts">')
        for article in data["unstoried"]:
            link = _link(article["url"], article["title"] or "(no title)")
            out.append(f'<li><b>{_e(article["source"])}</b>: {link}</li>')
        out.append("</ul>")

    out.append(f"<h2>Top entities, 7 days to {day.strftime('%d.%m')}</h2>")
    top = data["top_entities"]
    if top:
        out.append(f'<p class="sub">Mentions per week over the last {len(data["weeks"])} weeks '
                   f'(weeks start on Monday; the last one is partial up to {day.strftime("%d.%m")}).</p>')
        out.append(chart_svg(data["weeks"], top[:CHART_ENTITIES]))
        out.append("<table><tr><th>#</th><th>entity</th><th>type</th><th class='num'>articles</th>"
                   f"<th class='num'>mentions</th><th>last {len(data['weeks'])} weeks</th></tr>")
        for rank, entity in enumerate(top, 1):
            out.append(f'<tr><td class="num">{rank}</td><td>{_e(entity["canonical_name"])}</td>'
                       f'<td class="muted">{ENTITY_TYPE_LABEL.get(entity["entity_type"], entity["entity_type"])}</td>'
                       f'<td class="num">{entity["articles"]}</td><td class="num">{entity["mentions"]}</td>'
                       f'<td>{_sparkline(entity["weekly"])}</td></tr>')
        out.append("</table>")
    else:
        out.append('<p class="muted">No entity was mentioned in these 7 days.</p>')

    out.append("<h2>Quotes</h2>")
    if not data["quotes"]:
        out.append('<p class="muted">No quotes in these 7 days.</p>')
    for quote in merge_quotes(data["quotes"]):
        also = "".join(f'; also {_e(q["source"])}, {q["day"].strftime("%d.%m.%Y")}' for q in quote["also"])
        speaker = (f'<b>{_e(quote["speaker"])}</b>' if quote["speaker"]
                   else '<span class="muted">speaker not named</span>')
        out.append(f'<blockquote><p>«{_e(quote["text"])}»</p><div class="cite">— {speaker}'
                   f', {_e(quote["source"])}, {quote["day"].strftime("%d.%m.%Y")}: '
                   f'{_link(quote["url"], _shorten(quote["title"], 90))}{also}</div></blockquote>')

    out.append("<h2>Money figures</h2>")
    if data["money"]:
        out.append("<table><tr><th class='num'>amount</th><th>as written, in context</th><th>source</th></tr>")
        for fact in merge_money(data["money"])[:12]:
            also = "".join(f'<br><span class="muted">also {_e(f["source"])}, {f["day"].strftime("%d.%m")}</span>'
                           for f in fact["also"])
            out.append(f'<tr><td class="num"><span class="amount">{_e(format_amount(fact["amount"], fact["currency"]))}'
                       f'</span></td><td>{_e(_shorten(_context(fact["context"]) or fact["text"], 220))}</td>'
                       f'<td>{_e(fact["source"])}, {fact["day"].strftime("%d.%m")}<br>'
                       f'{_link(fact["url"], _shorten(fact["title"], 60))}{also}</td></tr>')
        out.append("</table>")
    else:
        out.append('<p class="muted">No money figures in these 7 days.</p>')

    out.append("<h2>Data quality</h2>")
    if quality:
        counts = quality["counts"] or {}
        out.append(f'<div class="qs"><span class="badge {status}">{_e(status)}</span>'
                   f'<span>run <code>{_e(quality["run_id"])}</code> for {_e(quality["logical_date"])}, '
                   f'finished {_when(quality["finished_at"])}</span>'
                   f'<span>{counts.get("expectations", "?")} checks in {counts.get("suites", "?")} suites: '
                   f'{counts.get("failed_critical", 0)} critical, {counts.get("failed_warning", 0)} warnings</span>'
                   f'<span>{data["quarantined"]} rows in quarantine</span></div>')
        failures = [("critical", n) for n in counts.get("critical_failures", [])] + [
            ("warning", n) for n in counts.get("warnings", [])]
        if failures:
            out.append("<ul class='arts'>" + "".join(
                f"<li><b>{sev}</b> {_e(name)}</li>" for sev, name in failures) + "</ul>")
        if quality["data_docs_path"]:
            out.append(f'<p class="sub">Data Docs: <a href="file://{_e(quality["data_docs_path"])}">'
                       f'{_e(quality["data_docs_path"])}</a></p>')
    else:
        out.append('<p class="muted">No quality run recorded.</p>')
    if data["sources"]:
        out.append("<table><tr><th>source</th><th class='num'>articles</th><th>last published</th>"
                   "<th>last crawled</th></tr>")
        for source in data["sources"]:
            out.append(f'<tr><td>{_e(source["source"])}</td><td class="num">{source["articles"]}</td>'
                       f'<td>{_published(source["last_published_at"], None)}</td>'
                       f'<td>{_when(source["last_fetched_at"])}</td></tr>')
        out.append("</table>")
    out.append("<footer>Generated by <code>mediamon report</code> from the mart views. Days are Kazakhstan days "
               "(Asia/Almaty).</footer></main></body></html>")
    return "\n".join(out)


ALERT_KIND_LABEL = {"breaking": "breaking story", "story": "story back in the news", "dyad": "pair",
                    "entity": "entity"}


def render_alerts(alerts: list[dict[str, Any]], matches: list[dict[str, Any]]) -> list[str]:
    """The "Alerts" and "Watchlists" sections: the day's spikes with their evidence, then the
    new matches of each watchlist with the snippet that matched."""
    out = [f"<h2>Alerts ({len(alerts)})</h2>"]
    if not alerts:
        out.append('<p class="muted">No spike or breaking story on this day.</p>')
    for alert in alerts:
        if alert["kind"] == "breaking":
            figure = f'{alert["count"]} outlets took it up (it had {alert["baseline"]:.0f} before)'
        else:
            figure = (f'{alert["count"]} articles against {alert["baseline"]:.1f} a day over the last 4 weeks '
                      f'(score {alert["score"]:.1f})')
        out.append(f'<div class="story alert"><h3>{_e(ALERT_KIND_LABEL.get(alert["kind"], alert["kind"]))}: '
                   f'{_e(alert["subject"])}</h3><div class="outlets">{_e(figure)}</div><ul class="arts">')
        for a in alert["top_articles"] or []:
            out.append(f'<li><b>{_e(a["source"])}</b>: <a href="{_e(a["url"])}">{_e(a.get("title") or "(no title)")}'
                       f'</a></li>')
        out.append("</ul></div>")
    names = sorted({m["watchlist"] for m in matches})
    out.append(f"<h2>Watchlists ({len(matches)} new matches)</h2>")
    if not matches:
        out.append('<p class="muted">No new article matched a watchlist in this run.</p>')
    for name in names:
        out.append(f'<h3>{_e(name)}</h3><ul class="arts">')
        for m in (m for m in matches if m["watchlist"] == name):
            snippet = " ".join((m["snippet"] or "").split())
            out.append(f'<li><b>{_e(m["source"])}</b>, {m["day"].strftime("%d.%m")}: <a href="{_e(m["url"])}">'
                       f'{_e(m["title"] or "(no title)")}</a><br><span class="cite">{_e(_shorten(snippet, 240))}'
                       f'</span></li>')
        out.append("</ul>")
    return out


def write_report(conn: psycopg.Connection, day: date, path) -> dict[str, Any]:
    """Gather, render and write the digest; return counts for the caller to print."""
    data = gather(conn, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(data), encoding="utf-8")
    return {"path": str(path), "stories": len(data["stories"]), "articles": data["articles_today"],
            "entities": len(data["top_entities"]), "quotes": len(data["quotes"]), "money": len(data["money"]),
            "quality": data["quality"]["status"] if data["quality"] else None}
