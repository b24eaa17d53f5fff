"""``mediamon report --date YYYY-MM-DD``: write the day's HTML digest for analysts."""

from __future__ import annotations

import argparse
from pathlib import Path

from mediamon import database, settings
from mediamon.cli import UserError
from mediamon.commands import iso_date


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("report", help="write the HTML digest of a day (stories, entities, quotes, money)")
    parser.add_argument("--date", required=True, type=iso_date, help="the day, YYYY-MM-DD (Kazakhstan time)")
    parser.add_argument("--output", type=Path, default=None,
                        help="HTML file to write (default: .local/reports/digest-<date>.html)")
    parser.set_defaults(handler=_report)



def _report(args: argparse.Namespace) -> int:
    import psycopg

    from transforms.report import write_report

    output = args.output or settings.local_dir() / "reports" / f"digest-{args.date.isoformat()}.html"
    with database.connect() as conn:
        try:
            result = write_report(conn, args.date, output)
        except psycopg.errors.UndefinedTable as error:
            raise UserError(f"the mart views are missing ({error.diag.message_primary}): run `mediamon db migrate`"
                            ) from error
    from transforms.report import plural

    print(f"wrote {result['path']}: {plural(result['stories'], 'story')}, {plural(result['articles'], 'article')}, "
          f"{plural(result['entities'], 'top entity')}, {plural(result['quotes'], 'quote')}, "
          f"{plural(result['money'], 'money figure')}; quality {result['quality'] or 'not run'}")
    return 0
