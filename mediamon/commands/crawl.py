"""``mediamon crawl SPIDER``: run a spider (in a subprocess) and print what it landed.

The crawl is judged like the DAG's crawl task (:func:`mediamon.crawl_tasks.crawl_verdict`, the
same ``MEDIAMON_CRAWL_MAX_ERROR_RATE``): a crawl the DAG would fail exits 1 here too. While it
runs, a progress line every few seconds; Scrapy's own log only with ``-v`` (errors are counted
and the first few shown).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from mediamon import crawl_tasks, database, migrations
from mediamon.cli import UserError

#: Scrapy ERROR lines shown without -v (the rest are counted; the crawl's row has them all).
SHOWN_ERRORS = 5


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("crawl", help="run a spider and land its articles in raw.articles")
    parser.add_argument("spider", nargs="?", default=None,
                        help="spider name, e.g. seed_files or news (default: news with --source/--feed)")
    parser.add_argument("--dir", type=Path, help="seed_files: folder of .txt articles (default: seeds/)")
    parser.add_argument("--source", help="news: registry source(s), comma-separated (default: all enabled)")
    parser.add_argument("--base-url", help="news: fetch the sources' feeds from this origin instead, "
                        "e.g. http://127.0.0.1:8000/{source}/ (the local fixture site)")
    parser.add_argument("--feed", help="news: crawl one RSS/Atom feed or sitemap URL; filed under the registered "
                        "outlet of its domain (or, with --base-url, of its mirror folder), else feed:<host>")
    parser.set_defaults(handler=_crawl)


def _check_sources(names: str) -> None:
    from transforms import sources

    try:
        sources.select(sources.load_registry(), [n.strip() for n in names.split(",") if n.strip()])
    except sources.RegistryError as error:
        raise UserError(f"{error} (see `mediamon sources list`)") from None


def _crawl(args: argparse.Namespace) -> int:
    from mediamon.crawling import run_spider

    spider_args: dict[str, str] = {}
    news_args = {"source": args.source, "base_url": args.base_url, "feed": args.feed}
    if args.spider is None:
        if not any(news_args.values()):
            raise UserError("name a spider (seed_files, news) or give --source/--feed")
        args.spider = "news"
    if args.spider not in ("news", "seed_files"):
        raise UserError(f"no spider {args.spider!r}: choose seed_files or news")
    if any(news_args.values()):
        if args.spider != "news":
            raise UserError("--source, --base-url and --feed belong to the news spider")
        if args.feed and args.source:
            raise UserError("--feed crawls one feed on its own; drop --source")
        if args.source:
            _check_sources(args.source)
        spider_args.update({k: v for k, v in news_args.items() if v})
    if args.dir is not None:
        if not args.dir.is_dir():
            raise UserError(f"--dir {args.dir} is not a folder")
        spider_args["directory"] = str(args.dir.resolve())
    url = database.database_url()
    migrations.apply_all(url)
    errors: list[str] = []

    def show(level: int, message: str) -> None:
        if args.verbose:
            print(message, file=sys.stderr, flush=True)
        elif "progress: " in message:
            print("progress: " + message.split("progress: ", 1)[1], file=sys.stderr, flush=True)
        elif level >= logging.ERROR and message.startswith("["):
            errors.append(message)
            if len(errors) <= SHOWN_ERRORS:
                print(f"error: {message}", file=sys.stderr, flush=True)

    result = run_spider(url, args.spider, spider_args, on_line=show)
    if len(errors) > SHOWN_ERRORS:
        print(f"... {len(errors) - SHOWN_ERRORS} more errors (-v shows Scrapy's whole log)", file=sys.stderr)
    print(result.summary)
    if result.run is None:
        reason = result.last_error or "see `mediamon -v crawl ...`"
        raise UserError(f"the {args.spider} crawl did not start: {reason}")
    problem = crawl_tasks.crawl_verdict(result.run, crawl_tasks.max_crawl_error_rate())
    if problem is None and result.exit_code != 0:
        problem = f"scrapy crawl {args.spider} exited with {result.exit_code}"
    if problem:
        print(f"mediamon: error: {problem} (MEDIAMON_CRAWL_MAX_ERROR_RATE; the errors are in "
              f"ops.crawl_urls and ops.crawl_runs.stats)", file=sys.stderr)
        return 1
    return 0
