"""``mediamon dedup --in docs.jsonl --out clusters.jsonl``: duplicates, near duplicates and stories of
a JSONL batch, without a database.

Input lines ``{"id", "text"}`` with optional ``"title"``, ``"published_at"``, ``"source"``; output one
line per input, in input order: ``{"id", "duplicate_of", "near_duplicates": [{"id", "similarity"}],
"story_id"}``. Method and thresholds: ``transforms.dedup`` and ``transforms.stories``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mediamon.cli import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("dedup", help="find duplicates, near duplicates and stories in JSONL")
    parser.add_argument("--in", dest="input", type=Path, required=True, help="input JSONL: {id, text, ...}")
    parser.add_argument("--out", type=Path, default=None, help="output JSONL (default: stdout)")
    parser.add_argument("--no-stories", action="store_true", help="skip story grouping (story_id null)")
    parser.set_defaults(handler=_dedup)


def _dedup(args: argparse.Namespace) -> int:
    from transforms.dedup import dedup_documents, parse_document

    if not args.input.is_file():
        raise UserError(f"{args.input}: no such file")
    docs = []
    seen: set[str] = set()
    with args.input.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                doc = parse_document(json.loads(line))
            except (ValueError, TypeError) as error:
                raise UserError(f"{args.input}:{number}: {error}") from error
            if doc.id in seen:
                raise UserError(f"{args.input}:{number}: duplicate id {doc.id!r}")
            seen.add(doc.id)
            docs.append(doc)
    results = dedup_documents(docs, with_stories=not args.no_stories)
    output = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results)
    if args.out:
        args.out.write_text(output, encoding="utf-8")
        duplicates = sum(1 for r in results if r["duplicate_of"])
        stories = len({r["story_id"] for r in results})
        print(f"{len(results)} documents, {duplicates} duplicates, {stories} stories; wrote {args.out}",
              file=sys.stderr)
    else:
        sys.stdout.write(output)
    return 0
