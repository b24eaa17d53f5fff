"""``mediamon run``: the main job on the seeds, with a summary of what changed per table."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from mediamon import database, migrations, summary


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="migrate, run the pipeline on seeds/, print a summary")
    parser.set_defaults(handler=_run)


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
    with database.connect(url) as conn:
        after = summary.table_counts(conn)
    print()
    print(summary.format_counts(before, after))
    ok = crawl.exit_code == 0 and crawl.run is not None and crawl.run["status"] == "finished" and quality_ok
    return 0 if ok else 1
