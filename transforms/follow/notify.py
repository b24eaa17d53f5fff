"""Delivery of new alerts and watchlist matches: one e-mail (SMTP) and one JSON webhook POST per
run, each carrying every item not yet delivered on that channel.

``ops.deliveries`` holds one row per (item, channel): ``sent`` items are never sent again, so a
re-run of a day sends nothing twice; ``failed`` ones (after ``attempts`` tries with a doubling
wait) keep their error and attempt count and go out with the next run. ``notify`` never raises:
a dead mail server must not fail the pipeline that feeds the analysts.

Delivery is at-least-once at the edge: if the process dies between the server accepting a
message and the ``sent`` row being committed, the next run sends those items again. The window is
one INSERT long.
"""

from __future__ import annotations

import json
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

import psycopg

from transforms.follow.settings import NotifySettings

CHANNELS = ("email", "webhook")
MAX_AGE_DAYS = 7  # older undelivered items are not sent any more (a channel switched on late)


def _rows(cursor: psycopg.Cursor) -> list[dict[str, Any]]:
    columns = [c.name for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def pending(conn: psycopg.Connection, channel: str, day: date) -> dict[str, list[dict[str, Any]]]:
    """Alerts and watchlist matches of the last ``MAX_AGE_DAYS`` up to ``day`` not yet sent on ``channel``."""
    since = day - timedelta(days=MAX_AGE_DAYS)
    alerts = _rows(conn.execute("""
        SELECT a.alert_id, a.kind, a.subject, a.day, a.count, a.baseline, a.score, a.top_articles, a.story_id
        FROM mart.alerts AS a
        WHERE a.day BETWEEN %s AND %s
          AND NOT EXISTS (SELECT 1 FROM ops.deliveries AS d WHERE d.item_kind = 'alert' AND d.item_id = a.alert_id
                          AND d.channel = %s AND d.status = 'sent')
        ORDER BY a.day, array_position(ARRAY['breaking', 'story', 'dyad', 'entity'], a.kind), a.score DESC,
                 a.alert_id
        """, (since, day, channel)))
    matches = _rows(conn.execute("""
        SELECT m.watch_match_id, m.watchlist, m.day, m.source, m.title, m.url, m.snippet, m.story_id
        FROM mart.watch_matches AS m
        WHERE m.run_day BETWEEN %s AND %s
          AND NOT EXISTS (SELECT 1 FROM ops.deliveries AS d WHERE d.item_kind = 'watch_match'
                          AND d.item_id = m.watch_match_id AND d.channel = %s AND d.status = 'sent')
        ORDER BY m.watchlist, m.day, m.watch_match_id
        """, (since, day, channel)))
    return {"alerts": alerts, "watch_matches": matches}


def describe(alert: dict[str, Any]) -> str:
    if alert["kind"] == "breaking":
        return (f"breaking: «{alert['subject']}» — {alert['count']} outlets took it up "
                f"(it had {alert['baseline']:.0f} before)")
    return (f"{alert['kind']}: {alert['subject']} — {alert['count']} articles against "
            f"{alert['baseline']:.1f}/day (score {alert['score']:.1f})")


def subject_line(items: dict[str, list[dict[str, Any]]], day: date) -> str:
    return (f"mediamon {day.isoformat()}: {len(items['alerts'])} alerts, "
            f"{len(items['watch_matches'])} watchlist matches")


def email_message(items: dict[str, list[dict[str, Any]]], day: date, settings: NotifySettings) -> EmailMessage:
    """A plain-text UTF-8 e-mail listing every item with its evidence."""
    lines = [subject_line(items, day), ""]
    if items["alerts"]:
        lines += ["ALERTS", ""]
        for alert in items["alerts"]:
            lines.append(f"* {alert['day']} {describe(alert)}")
            for a in alert["top_articles"][:5]:
                lines.append(f"    - {a['source']}: {a.get('title') or '(no title)'} {a['url']}")
        lines.append("")
    if items["watch_matches"]:
        lines += ["WATCHLISTS", ""]
        for m in items["watch_matches"]:
            lines.append(f"* [{m['watchlist']}] {m['day']} {m['source']}: {m['title'] or '(no title)'}")
            if m["snippet"]:
                lines.append(f"    {' '.join(m['snippet'].split())}")
            lines.append(f"    {m['url']}")
        lines.append("")
    lines.append("-- mediamon (the full list: mart.alerts, mart.watch_matches; the digest: mediamon report)")
    message = EmailMessage()
    message["Subject"] = subject_line(items, day)
    message["From"] = settings.mail_from
    message["To"] = ", ".join(settings.mail_to)
    message.set_content("\n".join(lines))
    return message


def webhook_payload(items: dict[str, list[dict[str, Any]]], day: date) -> dict[str, Any]:
    """The JSON body: the items as they are in mart.alerts / mart.watch_matches, plus a summary text."""
    return {"source": "mediamon", "day": day.isoformat(), "text": subject_line(items, day),
            "alerts": items["alerts"], "watch_matches": items["watch_matches"]}


def send_email(message: EmailMessage, settings: NotifySettings) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


def post_webhook(payload: dict[str, Any], settings: NotifySettings) -> None:
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(settings.webhook_url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8",
                                              "User-Agent": "mediamon-notify"})
    with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as response:  # noqa: S310
        if not 200 <= response.status < 300:
            raise RuntimeError(f"HTTP {response.status}")


def with_retries(send: Callable[[], None], attempts: int, backoff_seconds: float,
                 sleep: Callable[[float], None] = time.sleep) -> tuple[int, str | None]:
    """Call ``send`` up to ``attempts`` times, waiting ``backoff_seconds``, then twice that, ...
    Returns (attempts used, the last error or None on success)."""
    error: str | None = None
    for attempt in range(1, attempts + 1):
        try:
            send()
            return attempt, None
        except (OSError, smtplib.SMTPException, urllib.error.URLError, RuntimeError, ValueError) as failure:
            error = f"{type(failure).__name__}: {failure}"[:1000]
            if attempt < attempts:
                sleep(backoff_seconds * 2 ** (attempt - 1))
    return attempts, error


def _record(conn: psycopg.Connection, items: dict[str, list[dict[str, Any]]], channel: str, used: int,
            error: str | None) -> None:
    keys = [("alert", a["alert_id"]) for a in items["alerts"]] + [
        ("watch_match", m["watch_match_id"]) for m in items["watch_matches"]]
    with conn.transaction():
        for kind, item_id in keys:
            conn.execute("""
                INSERT INTO ops.deliveries (item_kind, item_id, channel, status, attempts, last_error, sent_at)
                VALUES (%(kind)s, %(id)s, %(channel)s, %(status)s, %(used)s, %(error)s,
                        CASE WHEN %(status)s = 'sent' THEN now() END)
                ON CONFLICT (item_kind, item_id, channel) DO UPDATE
                SET status = EXCLUDED.status, attempts = ops.deliveries.attempts + EXCLUDED.attempts,
                    last_error = coalesce(EXCLUDED.last_error, ops.deliveries.last_error),
                    last_attempt_at = now(), sent_at = EXCLUDED.sent_at
                WHERE ops.deliveries.status <> 'sent'
                """, {"kind": kind, "id": item_id, "channel": channel, "used": used, "error": error,
                      "status": "sent" if error is None else "failed"})


def notify(conn: psycopg.Connection, day: date, settings: NotifySettings | None = None,
           *, sleep: Callable[[float], None] = time.sleep) -> dict[str, Any]:
    """Send what is pending on every configured channel; record the outcome; never raise.

    Returns per channel: ``off`` or items sent / failed with the error."""
    settings = settings or NotifySettings.from_env()
    report: dict[str, Any] = {}
    for channel in CHANNELS:
        enabled = settings.email_enabled if channel == "email" else settings.webhook_enabled
        if not enabled:
            report[channel] = "off"
            continue
        try:
            items = pending(conn, channel, day)
            count = len(items["alerts"]) + len(items["watch_matches"])
            if count == 0:
                report[channel] = {"sent": 0, "failed": 0}
                continue
            if channel == "email":
                message = email_message(items, day, settings)
                used, error = with_retries(lambda m=message: send_email(m, settings), settings.attempts,
                                           settings.backoff_seconds, sleep)
            else:
                payload = webhook_payload(items, day)
                used, error = with_retries(lambda p=payload: post_webhook(p, settings), settings.attempts,
                                           settings.backoff_seconds, sleep)
            _record(conn, items, channel, used, error)
            report[channel] = {"sent": 0 if error else count, "failed": count if error else 0,
                               "attempts": used, **({"error": error} if error else {})}
        except Exception as failure:  # noqa: BLE001 - recorded and reported, never fails the run
            report[channel] = {"sent": 0, "failed": None, "error": f"{type(failure).__name__}: {failure}"[:1000]}
    return report
