"""``mediamon search "query" [--from --to --source --entity --story]``: Russian full-text search."""

from __future__ import annotations

import argparse

from mediamon import database
from mediamon.cli import UserError
from mediamon.commands import iso_date


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "search", help="full-text search of the articles (Russian; inflections match)",
        description='Web-search syntax: words (all must occur), "a phrase", OR, -excluded. '
                    "Inflections match: Токаев finds Токаева and Токаеву. Runs mart.search() in the database.")
    parser.add_argument("query", help='e.g. "Токаев Си Цзиньпин" or \'"Шанхайская организация" -саммит\'')
    parser.add_argument("--from", dest="from_day", type=iso_date, default=None, help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="to_day", type=iso_date, default=None, help="last day, YYYY-MM-DD")
    parser.add_argument("--source", default=None, help="only this outlet (e.g. tengrinews)")
    parser.add_argument("--entity", default=None, help="only articles naming this canonical entity (name or alias)")
    parser.add_argument("--story", type=int, default=None, help="only articles of this story id")
    parser.add_argument("--limit", type=int, default=20, help="hits to print (default 20)")
    parser.set_defaults(handler=_search)


def _search(args: argparse.Namespace) -> int:
    import psycopg

    from transforms.follow import search

    if not args.query.strip():
        raise UserError("the query is empty")
    if args.from_day and args.to_day and args.from_day > args.to_day:
        raise UserError(f"--from {args.from_day} is after --to {args.to_day}")
    with database.connect() as conn:
        try:
            hits = search.search(conn, args.query, from_day=args.from_day, to_day=args.to_day, source=args.source,
                                 entity=args.entity, story=args.story, limit=args.limit)
        except search.UnknownEntity as error:
            raise UserError(str(error)) from error
        except psycopg.errors.UndefinedFunction as error:
            raise UserError("mart.search() is missing: run `mediamon db migrate`") from error
    print(search.format_hits(hits))
    return 0
