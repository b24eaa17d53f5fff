"""The ``mediamon`` command. Each subcommand lives in its own module under ``mediamon.commands``
and registers itself with ``register(subparsers)``; this file only assembles them."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

import psycopg

# One module per command group; order is the order of ``mediamon --help``.
COMMAND_MODULES: tuple[str, ...] = (
    "mediamon.commands.db",
    "mediamon.commands.crawl",
    "mediamon.commands.run",
    "mediamon.commands.normalize",
    "mediamon.commands.dedup",
    "mediamon.commands.entities",
    "mediamon.commands.extract",
    "mediamon.commands.sources",
    "mediamon.commands.quality",
    "mediamon.commands.docs",
    "mediamon.commands.report",
    "mediamon.commands.airflow",
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake ends in one line ``mediamon: error: …`` that says where the help
    is (argparse prints the whole usage first; every subcommand parser inherits this class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"mediamon: error: {self.prog.removeprefix('mediamon ')}: {message} "
                     f"(see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mediamon",
        description="Media monitoring for Russian-language news on Kazakhstan–China relations.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except UserError as error:
        print(f"mediamon: error: {error}", file=sys.stderr)
        return 2
    except psycopg.OperationalError as error:
        print(f"mediamon: error: {database_error(error)}", file=sys.stderr)
        return 2


def database_error(error: Exception) -> str:
    """One line for a database that cannot be reached: libpq's first line and what to do."""
    from mediamon import settings

    first = next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)
    if settings.database_url_from_env():
        return (f"cannot connect to the database in MEDIAMON_DATABASE_URL ({first}); check that the server "
                "runs and the URL is right, or unset MEDIAMON_DATABASE_URL to use the embedded PostgreSQL")
    return f"cannot connect to the embedded PostgreSQL ({first}); try `mediamon db up`"


class UserError(Exception):
    """A problem the user can fix (bad argument, missing file); printed without a traceback."""


if __name__ == "__main__":
    sys.exit(main())
