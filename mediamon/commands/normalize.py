"""``mediamon normalize FILE... --out normalized.jsonl``: normalize raw text files without a database.

One JSON line per file (``id`` is the file name). The crawl time that bounds dates found in the
text is the file's modification time unless ``--crawled-at`` says otherwise. A file that cannot
become an article still gets a line, with ``flags: ["rejected", <code>]`` and an ``error``.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from mediamon.cli import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("normalize", help="normalize raw article text files into JSON lines")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="raw article text files (UTF-8)")
    parser.add_argument("--out", type=Path, default=None, help="output JSONL file (default: stdout)")
    parser.add_argument("--crawled-at", type=datetime.fromisoformat, default=None,
                        help="crawl time (ISO 8601) for every file; default: each file's modification time")
    parser.set_defaults(handler=_normalize)


def _normalize(args: argparse.Namespace) -> int:
    from transforms.normalize import dumps, normalize_json_line

    lines: list[str] = []
    rejected = 0
    for path in args.files:
        if not path.is_file():
            raise UserError(f"{path}: no such file")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise UserError(f"{path}: not UTF-8 ({error})") from error
        crawled_at = args.crawled_at or datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        record = normalize_json_line(path.name, text, crawled_at=crawled_at)
        if "error" in record:
            rejected += 1
            print(f"mediamon: {path}: rejected: {record['error']}", file=sys.stderr)
        lines.append(dumps(record))
    output = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(output, encoding="utf-8")
        print(f"normalized {len(lines) - rejected} file(s), rejected {rejected}, wrote {args.out}",
              file=sys.stderr)
    else:
        sys.stdout.write(output)
    return 0
