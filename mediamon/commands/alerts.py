"""``mediamon alerts detect|list|notify``: spike alerts and their delivery by hand (the daily
DAG runs the same functions in ``detect_alerts`` and ``notify``)."""

from __future__ import annotations

import argparse
import json

from mediamon import database
from mediamon.commands import iso_date


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("alerts", help="spike alerts (entities, pairs, stories) and their delivery")
    commands = parser.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    detect = commands.add_parser("detect", help="evaluate the watchlists and detect the spikes of a day")
    detect.add_argument("--day", type=iso_date, required=True, help="the day, YYYY-MM-DD (Kazakhstan time)")
    detect.set_defaults(handler=_detect)
    listing = commands.add_parser("list", help="the recorded alerts of a day with their evidence")
    listing.add_argument("--day", type=iso_date, required=True, help="the day, YYYY-MM-DD")
    listing.set_defaults(handler=_list)
    send = commands.add_parser("notify", help="send what is not yet delivered (MEDIAMON_SMTP_*, MEDIAMON_WEBHOOK_URL)")
    send.add_argument("--day", type=iso_date, required=True, help="the run's day, YYYY-MM-DD")
    send.set_defaults(handler=_notify)


def _detect(args: argparse.Namespace) -> int:
    from transforms.follow import daily

    with database.connect(autocommit=True) as conn:
        found = daily.detect(conn, args.day)
    print(daily.format_detected(args.day, found))
    return 0


def _list(args: argparse.Namespace) -> int:
    from transforms.follow import alerts
    from transforms.follow.notify import describe

    with database.connect() as conn:
        rows = alerts.alerts_of_day(conn, args.day)
    if not rows:
        print(f"no alerts for {args.day} (run `mediamon alerts detect --day {args.day}` after the marts)")
    for alert in rows:
        print(f"{alert['alert_id']:>5} {describe(alert)}")
        for a in alert["top_articles"]:
            print(f"        {a['source']}: {a.get('title') or '(no title)'}  {a['url']}")
    return 0


def _notify(args: argparse.Namespace) -> int:
    from transforms.follow import notify

    with database.connect(autocommit=True) as conn:
        report = notify.notify(conn, args.day)
    print(json.dumps(report, ensure_ascii=False))
    failed = [c for c, r in report.items() if isinstance(r, dict) and r.get("error")]
    return 1 if failed else 0
