"""``mediamon sources list|load``: show the sources registry, load it into ``ops.sources``."""

from __future__ import annotations

import argparse
from pathlib import Path

from mediamon import database, migrations
from mediamon.cli import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sources", help="the news sources registry (seeds/sources.yaml)")
    commands = parser.add_subparsers(dest="sources_command", required=True, metavar="ACTION")
    for name, handler, text in (("list", _list, "validate the registry and list its sources"),
                                ("load", _load, "validate the registry and load it into ops.sources")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--registry", type=Path, help="registry file (default: seeds/sources.yaml)")
        sub.set_defaults(handler=handler)


def _list(args: argparse.Namespace) -> int:
    from transforms import sources

    try:
        registry = sources.load_registry(args.registry)
    except sources.RegistryError as error:
        raise UserError(str(error)) from None
    for s in registry:
        flag = "enabled " if s.enabled else "disabled"
        print(f"{s.name:14} {flag} {s.language} {s.country} {s.title} — "
              f"{len(s.feeds)} feed(s), {len(s.sitemaps)} sitemap(s), {s.verification}")
    return 0


def _load(args: argparse.Namespace) -> int:
    from transforms import sources

    url = database.database_url()
    migrations.apply_all(url)
    try:
        with database.connect(url) as conn:
            counts = sources.sync_to_database(conn, args.registry)
    except sources.RegistryError as error:
        raise UserError(str(error)) from None
    print(f"loaded {counts['sources']} sources ({counts['enabled']} enabled, {counts['retired']} retired)")
    return 0
