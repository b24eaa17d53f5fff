"""``mediamon watch add|list|rm|run``: analysts' watchlists (saved searches followed every day)."""

from __future__ import annotations

import argparse

from mediamon import database
from mediamon.cli import UserError
from mediamon.commands import iso_date


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("watch", help="watchlists: saved searches matched against every day's articles")
    commands = parser.add_subparsers(dest="watch_command", required=True, metavar="ACTION")
    add = commands.add_parser("add", help="add a watchlist (a query and/or entities, optionally outlets)")
    add.add_argument("name", help="short unique name, e.g. tokayev-xi")
    add.add_argument("--query", default=None, help='full-text query as for `mediamon search`, e.g. "газопровод"')
    add.add_argument("--entity", action="append", default=[], metavar="NAME",
                     help="canonical entity (name or alias) the article must name; repeat for a pair")
    add.add_argument("--source", action="append", default=[], metavar="OUTLET", help="only these outlets; repeatable")
    add.set_defaults(handler=_add)
    commands.add_parser("list", help="the watchlists with their match counts").set_defaults(handler=_list)
    rm = commands.add_parser("rm", help="delete a watchlist (by name or id) and its matches")
    rm.add_argument("name")
    rm.set_defaults(handler=_rm)
    run = commands.add_parser("run", help="record the new matches of a day by hand (the daily run does this)")
    run.add_argument("--day", type=iso_date, required=True, help="the day, YYYY-MM-DD (Kazakhstan time)")
    run.set_defaults(handler=_run)


def _add(args: argparse.Namespace) -> int:
    from transforms.follow import watchlists

    with database.connect() as conn:
        try:
            watchlist_id = watchlists.add(conn, args.name, query=args.query, entities=args.entity,
                                          sources=args.source)
        except watchlists.InvalidWatchlist as error:
            raise UserError(str(error)) from error
    print(f"added watchlist {watchlist_id} {args.name!r}; the next daily run records its matches "
          f"(or: mediamon watch run --day YYYY-MM-DD)")
    return 0


def _list(args: argparse.Namespace) -> int:
    from transforms.follow import watchlists

    with database.connect() as conn:
        rows = watchlists.listing(conn)
    if not rows:
        print("no watchlists yet: mediamon watch add NAME --query ... [--entity ...]")
    for w in rows:
        what = []
        if w["query"]:
            what.append(f"query {w['query']!r}")
        if w["entities"]:
            what.append("entities " + " + ".join(w["entities"]))
        if w["sources"]:
            what.append("outlets " + ", ".join(w["sources"]))
        state = "" if w["enabled"] else " (paused)"
        last = f", last {w['last_match_day']}" if w["last_match_day"] else ""
        print(f"{w['watchlist_id']:>4} {w['name']}{state}: {'; '.join(what)} — {w['matches']} matches{last}")
    return 0


def _rm(args: argparse.Namespace) -> int:
    from transforms.follow import watchlists

    with database.connect() as conn:
        if not watchlists.remove(conn, args.name):
            raise UserError(f"no watchlist {args.name!r} (see mediamon watch list)")
    print(f"removed watchlist {args.name!r} and its matches")
    return 0


def _run(args: argparse.Namespace) -> int:
    from transforms.follow import watchlists

    with database.connect(autocommit=True) as conn:
        counts = watchlists.evaluate(conn, args.day)
    print(f"{counts['watchlists']} watchlists over {counts['from_day']}..{counts['to_day']}: "
          f"{counts['new_matches']} new matches")
    return 0
