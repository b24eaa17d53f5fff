"""``mediamon extract FILE_OR_URL [--url ORIGINAL_URL]``: print the article extracted from one page.

The same extraction the news spider runs (``crawlers.extraction``), so it is the tool for checking
a new outlet by hand before adding it to ``seeds/sources.yaml``.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

from mediamon.cli import UserError

_MAX_BYTES = 20 * 1024 * 1024


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("extract", help="print the article extracted from one HTML page as JSON")
    parser.add_argument("page", help="a saved HTML file, '-' for stdin, or an http(s) URL to fetch")
    parser.add_argument("--url", help="the page's original URL (resolves relative links, gives a date hint)")
    parser.add_argument("--all", action="store_true", help="also print how each field was found")
    parser.set_defaults(handler=_extract)


def _read(page: str) -> tuple[bytes, str | None, str]:
    if page.startswith(("http://", "https://")):
        request = urllib.request.Request(page, headers={"User-Agent": "mediamon-extract/0.1"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http(s) only
                return response.read(_MAX_BYTES + 1), response.headers.get("Content-Type"), response.url
        except OSError as error:
            raise UserError(f"cannot fetch {page}: {error}") from None
    if page == "-":
        return sys.stdin.buffer.read(_MAX_BYTES + 1), None, "file:///dev/stdin"
    path = Path(page)
    if not path.is_file():
        raise UserError(f"{page} is neither a file nor an http(s) URL")
    return path.read_bytes(), None, path.resolve().as_uri()


def _extract(args: argparse.Namespace) -> int:
    from crawlers import extraction
    from transforms import sources

    body, content_type, fetched_url = _read(args.page)
    if len(body) > _MAX_BYTES:
        raise UserError(f"{args.page} is larger than {_MAX_BYTES} bytes")
    url = args.url or fetched_url
    # A page of a registered outlet is read as the spider reads it: in the outlet's timezone, with
    # its name known (cut from titles, never an author).
    try:
        source = sources.owner_of(url, sources.load_registry())
    except sources.RegistryError:
        source = None
    try:
        page = extraction.extract(body, url, content_type=content_type,
                                  timezone=source.timezone if source else None,
                                  site_name=source.title if source else None)
    except extraction.NotHtmlError as error:
        raise UserError(f"{args.page}: {error}") from None
    fields = page.as_dict()
    if not args.all:
        fields = {k: fields[k] for k in ("title", "published_at", "authors", "text", "language", "url")}
    print(json.dumps(fields, ensure_ascii=False, indent=2))
    return 0
