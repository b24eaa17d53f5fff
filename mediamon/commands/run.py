"""``mediamon run``: the main job on the seeds, with a summary of what changed per table.

The same stages as the DAG, without Airflow: crawl, normalize, deduplicate, entities, quality,
marts, then the follow step (watchlist matches, spike alerts, delivery) of
``transforms.follow.daily`` — the functions the DAG's ``detect_alerts`` and ``notify`` call —
for the same day the DAG would cover (``--day``; by default yesterday in Almaty, as ``make run``).
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from mediamon import database, migrations, summary
from mediamon.commands import iso_date


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="migrate, run the pipeline on seeds/, print a summary")
    parser.add_argument("--day", type=iso_date,
                        help="Almaty day for watchlists and alerts, YYYY-MM-DD (default: yesterday, as the DAG)")
    parser.set_defaults(handler=_run)


def default_day(now: datetime) -> date:
    """The day a run at ``now`` covers: the last complete Almaty day, as the DAG's logical day."""
    return (now.astimezone(ZoneInfo("Asia/Almaty")) - timedelta(days=1)).date()


def _stages(conn):
    """The stages after the crawl, in data-flow order; each is incremental and idempotent."""
    from transforms.dedup import deduplicate_pending
    from transforms.entities import extract_pending
    from transforms.normalize import normalize_pending

    yield "normalize", normalize_pending(conn)
    yield "deduplicate", deduplicate_pending(conn)
    yield "entities", extract_pending(conn)


def _run(args: argparse.Namespace) -> int:
    from mediamon.crawling import run_spider

    url = database.database_url()
    migrations.apply_all(url)
    with database.connect(url) as conn:
        before = summary.table_counts(conn)
    crawl = run_spider(url, "seed_files", scrapy_settings={"LOG_LEVEL": "WARNING"})
    print(crawl.summary)
    with database.connect(url) as conn:
        for stage, counts in _stages(conn):
            print(f"{stage}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    from transforms.marts import check_and_refresh

    now = datetime.now(UTC)
    quality_ok, quality_report = check_and_refresh(url, logical_date=now.date(), run_id=f"run-{now:%Y%m%dT%H%M%S}")
    print(quality_report)
    if quality_ok:  # as in the DAG, the follow step reads the refreshed marts
        from transforms.follow import daily

        day = args.day or default_day(now)
        with database.connect(url, autocommit=True) as conn:
            print(daily.format_detected(day, daily.detect(conn, day)))
            print("notify: " + ", ".join(f"{channel} {report}" for channel, report in daily.deliver(conn, day).items()))
    with database.connect(url) as conn:
        after = summary.table_counts(conn)
    print()
    print(summary.format_counts(before, after))
    ok = crawl.exit_code == 0 and crawl.run is not None and crawl.run["status"] == "finished" and quality_ok
    return 0 if ok else 1
