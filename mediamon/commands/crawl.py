"""``mediamon crawl SPIDER``: run a spider (in a subprocess) and print what it landed."""

from __future__ import annotations

import argparse
from pathlib import Path

from mediamon import database, migrations
from mediamon.cli import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("crawl", help="run a spider and land its articles in raw.articles")
    parser.add_argument("spider", help="spider name, e.g. seed_files")
    parser.add_argument("--dir", type=Path, help="seed_files: folder of .txt articles (default: seeds/)")
    parser.set_defaults(handler=_crawl)


def _crawl(args: argparse.Namespace) -> int:
    from mediamon.crawling import run_spider

    spider_args: dict[str, str] = {}
    if args.dir is not None:
        if not args.dir.is_dir():
            raise UserError(f"--dir {args.dir} is not a folder")
        spider_args["directory"] = str(args.dir.resolve())
    url = database.database_url()
    migrations.apply_all(url)
    result = run_spider(url, args.spider, spider_args)
    print(result.summary)
    if result.exit_code != 0 or result.run is None or result.run["status"] != "finished":
        return 1
    return 0
