"""``mediamon quality run|status|quarantine|release``: the data-quality suites by hand."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from mediamon import database, migrations
from mediamon.cli import UserError
from mediamon.commands import iso_date


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("quality", help="data quality: run the suites, show results, release rows")
    commands = parser.add_subparsers(dest="quality_command", required=True, metavar="ACTION")
    run = commands.add_parser("run", help="run every suite (great-expectations) and record the results")
    run.add_argument("--date", type=iso_date, default=None, help="logical date YYYY-MM-DD (default: today, UTC)")
    run.add_argument("--run-id", default=None, help="run id to record (default: manual-<timestamp>)")
    run.set_defaults(handler=_run)
    commands.add_parser("status", help="the latest run's results, failures first").set_defaults(handler=_status)
    listing = commands.add_parser("quarantine", help="every open quarantine row, with its stage "
                                  "(crawl, normalize, entities, quality)")
    listing.add_argument("--stage", help="only this stage's rows")
    listing.set_defaults(handler=_quarantine)
    release = commands.add_parser("release", help="release a quarantined row (a re-run re-checks it)")
    release.add_argument("quarantine_id", type=int)
    release.add_argument("--note", required=True, help="why it is released")
    release.set_defaults(handler=_release)



def _run(args: argparse.Namespace) -> int:
    from transforms.quality import QualityGateFailed, format_summary, run_suites

    url = database.database_url()
    migrations.apply_all(url)
    logical_date = args.date or datetime.now(UTC).date()
    run_id = args.run_id or f"manual-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    try:
        summary = run_suites(url, logical_date=logical_date, run_id=run_id)
    except QualityGateFailed as failure:
        print(format_summary(failure.summary))
        return 1
    print(format_summary(summary))
    return 0


def _status(args: argparse.Namespace) -> int:
    with database.connect() as conn:
        run = conn.execute(
            "SELECT dq_run_id, run_id, logical_date, status, data_docs_path FROM ops.dq_runs "
            "ORDER BY dq_run_id DESC LIMIT 1").fetchone()
        if run is None:
            raise UserError("no quality run yet: try `mediamon quality run`")
        print(f"run {run[1]} for {run[2]}: {run[3]}; Data Docs: {run[4]}")
        for suite, expectation, severity, success, unexpected in conn.execute(
                "SELECT suite, expectation, severity, success, unexpected_count FROM ops.dq_results "
                "WHERE dq_run_id = %s ORDER BY success, severity, suite, expectation", (run[0],)):
            mark = "ok  " if success else "FAIL"
            count = "" if unexpected is None else f" ({unexpected} unexpected)"
            print(f"  {mark} {severity:8} {suite}:{expectation}{count}")
    return 0


def _quarantine(args: argparse.Namespace) -> int:
    from transforms.quarantine import open_rows

    with database.connect() as conn:
        entries = open_rows(conn, args.stage)
    for e in entries:
        print(f"{e['quarantine_id']:>6} {e['stage']:<9} {e['item_key']} [{e['reason_code']}] "
              f"seen {e['times_seen']}x: {e['reason']}")
    by_stage: dict[str, int] = {}
    for e in entries:
        by_stage[e["stage"]] = by_stage.get(e["stage"], 0) + 1
    detail = ", ".join(f"{stage} {n}" for stage, n in sorted(by_stage.items()))
    print(f"{len(entries)} open rows in quarantine" + (f" ({detail})" if detail else "")
          + ("; `mediamon quality release ID` releases a quality row" if by_stage.get("quality") else ""))
    return 0


def _release(args: argparse.Namespace) -> int:
    from transforms.quality import release

    with database.connect() as conn:
        if not release(conn, args.quarantine_id, args.note):
            raise UserError(f"no open quality quarantine entry {args.quarantine_id}")
    print(f"released {args.quarantine_id}; the next quality run re-checks the row")
    return 0
