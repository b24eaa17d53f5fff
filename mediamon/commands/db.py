"""``mediamon db up|url|migrate``: start the embedded database, show its URL, apply migrations."""

from __future__ import annotations

import argparse

from mediamon import database, migrations


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="database: start the embedded one, show the URL, migrate")
    commands = parser.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    commands.add_parser("up", help="start the embedded PostgreSQL (no-op when MEDIAMON_DATABASE_URL is set)"
                        ).set_defaults(handler=_up)
    commands.add_parser("down", help="stop the embedded PostgreSQL (its data stays in .local/pg)"
                        ).set_defaults(handler=_down)
    commands.add_parser("url", help="print the database URL mediamon uses").set_defaults(handler=_url)
    commands.add_parser("migrate", help="apply pending sql/migrations").set_defaults(handler=_migrate)


def _up(args: argparse.Namespace) -> int:
    url = database.database_url()
    with database.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    print(f"PostgreSQL {version} is up at {url}")
    return 0


def _down(args: argparse.Namespace) -> int:
    if database.stop_embedded():
        print(f"stopped the embedded PostgreSQL in {database.embedded_data_dir()}")
    else:
        print("the embedded PostgreSQL was not running")
    return 0


def _url(args: argparse.Namespace) -> int:
    print(database.database_url())
    return 0


def _migrate(args: argparse.Namespace) -> int:
    url = database.database_url()
    applied = migrations.apply_all(url)
    if applied:
        for migration in applied:
            print(f"applied {migration.path.name}")
    else:
        print("database is up to date")
    return 0
