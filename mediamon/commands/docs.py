"""``mediamon docs data-dictionary``: regenerate docs/data-dictionary.md from the database's comments."""

from __future__ import annotations

import argparse
from pathlib import Path

from mediamon import database, migrations, settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("docs", help="generated documentation")
    commands = parser.add_subparsers(dest="docs_command", required=True, metavar="WHAT")
    dictionary = commands.add_parser("data-dictionary", help="write docs/data-dictionary.md from COMMENT ON")
    dictionary.add_argument("--output", type=Path, default=settings.REPO_ROOT / "docs" / "data-dictionary.md")
    dictionary.add_argument("--check", action="store_true", help="only report whether the file is up to date")
    dictionary.set_defaults(handler=_data_dictionary)


def _data_dictionary(args: argparse.Namespace) -> int:
    from transforms.marts import data_dictionary

    url = database.database_url()
    migrations.apply_all(url)
    with database.connect(url) as conn:
        text = data_dictionary(conn)
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        print(f"{args.output}: {'up to date' if current == text else 'OUT OF DATE'}")
        return 0 if current == text else 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({'unchanged' if current == text else 'updated'})")
    return 0
