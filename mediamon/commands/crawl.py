"""``mediamon crawl SPIDER``: run a spider (in a subprocess) and print what it landed."""

from __future__ import annotations

import argparse
from pathlib import Path

from mediamon import database, migrations
from mediamon.cli import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("crawl", help="run a spider and land its articles in raw.articles")
    parser.add_argument("spider", nargs="?", default=None,
                        help="spider name, e.g. seed_files or news (default: news with --source/--feed)")
    parser.add_argument("--dir", type=Path, help="seed_files: folder of .txt articles (default: seeds/)")
    parser.add_argument("--source", help="news: registry source(s), comma-separated (default: all enabled)")
    parser.add_argument("--base-url", help="news: fetch the sources' feeds from this origin instead, "
                        "e.g. http://127.0.0.1:8000/{source}/ (the local fixture site)")
    parser.add_argument("--feed", help="news: crawl one ad-hoc RSS/Atom feed or sitemap URL, no registry entry")
    parser.set_defaults(handler=_crawl)


def _crawl(args: argparse.Namespace) -> int:
    from mediamon.crawling import run_spider

    spider_args: dict[str, str] = {}
    news_args = {"source": args.source, "base_url": args.base_url, "feed": args.feed}
    if args.spider is None:
        if not any(news_args.values()):
            raise UserError("name a spider (seed_files, news) or give --source/--feed")
        args.spider = "news"
    if any(news_args.values()):
        if args.spider != "news":
            raise UserError("--source, --base-url and --feed belong to the news spider")
        if args.feed and (args.source or args.base_url):
            raise UserError("--feed crawls one feed on its own; drop --source/--base-url")
        spider_args.update({k: v for k, v in news_args.items() if v})
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
