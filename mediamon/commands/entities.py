"""``mediamon entities``: named entities, normal forms and canonical links.

- ``mediamon entities --in docs.jsonl --out spans.jsonl``: no database; input lines ``{"id", "text"}``,
  output one line per input ``{"id", "spans": [{"start", "stop", "type", "text", "normal",
  "entity_id", "canonical"}]}`` (offsets are character offsets into the given text).
- ``mediamon entities --pending``: the pipeline stage on ``core.articles`` (what the DAG runs).
- ``mediamon entities --relink``: re-link stored mentions after alias edits, without NER.
- ``mediamon entities merge FROM_KEY INTO_KEY``: every mention of FROM_KEY goes to INTO_KEY.
- ``mediamon entities split KEY ALIAS NEW_KEY [--canonical NAME]``: mentions named ALIAS leave KEY
  for a new entity. Both are analysts' edits (schema ``analyst``, see ``mediamon aliases``), kept
  by every later run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import psycopg

from mediamon.cli import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "entities", help="NER + normal forms + canonical entities (file mode, or the DB stage)",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("edit", nargs="*", metavar="merge FROM INTO | split KEY ALIAS NEW_KEY",
                        help="analysts' entity edits (see above)")
    parser.add_argument("--canonical", help="split: canonical name of the new entity (default: ALIAS)")
    parser.add_argument("--note", help="merge/split: why")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--in", dest="input", type=Path, help="JSON-lines input {id, text}; '-' for stdin")
    mode.add_argument("--pending", action="store_true", help="extract articles not yet done (database)")
    mode.add_argument("--relink", action="store_true", help="re-link stored mentions with current aliases")
    parser.add_argument("--out", type=Path, help="JSON-lines output (default: stdout)")
    parser.add_argument("--aliases", type=Path,
                        help="alias table CSV (default: seeds/aliases.csv plus seeds/organizations.csv)")
    parser.add_argument("--facts", action="store_true", help="file mode: also facts, quotes, skip reason")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes for NER (default: 2 or the CPU count if smaller)")
    parser.set_defaults(handler=_run, parser=parser)


def _read_docs(path: Path) -> list[dict]:
    handle = sys.stdin if str(path) == "-" else None
    if handle is None and not path.exists():
        raise UserError(f"{path}: no such file")
    docs = []
    lines = (handle or path.open(encoding="utf-8"))
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as error:
            raise UserError(f"{path}:{number}: not JSON ({error.msg})") from None
        if not isinstance(doc, dict) or "id" not in doc or not isinstance(doc.get("text"), str | None):
            raise UserError(f"{path}:{number}: expected an object with 'id' and a string 'text'")
        docs.append(doc)
    return docs


def _edit(args: argparse.Namespace) -> int:
    from mediamon.commands.edits import _connect, apply_entity_edits_if_allowed
    from transforms.entities.edits import record_entity_merge, record_entity_split

    action, *rest = args.edit
    shapes = {"merge": 2, "split": 3}
    if action not in shapes or len(rest) != shapes[action]:
        raise UserError("expected `entities merge FROM_KEY INTO_KEY` or `entities split KEY ALIAS NEW_KEY`")
    with _connect() as conn:
        try:
            if action == "merge":
                edit_id = record_entity_merge(conn, rest[0], rest[1], note=args.note)
            else:
                edit_id = record_entity_split(conn, rest[0], rest[1], rest[2], canonical_name=args.canonical,
                                              note=args.note)
        except ValueError as error:
            raise UserError(str(error)) from None
        except psycopg.errors.InsufficientPrivilege as error:
            raise UserError(f"not allowed: {error.diag.message_primary}") from None
        print(f"entity edit {edit_id} {apply_entity_edits_if_allowed(conn)}")
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.edit:
        if args.input is not None or args.pending or args.relink:
            raise UserError("an edit (merge/split) takes no --in/--pending/--relink")
        return _edit(args)
    if args.input is None and not args.pending and not args.relink:
        args.parser.error("one of --in, --pending, --relink, or an edit (merge/split) is required")
    if args.input is not None:
        return _file_mode(args)
    from mediamon import database
    from transforms import entities

    with database.connect(database.database_url()) as conn:
        if args.pending:
            counts = entities.extract_pending(conn, workers=args.workers, alias_file=args.aliases)
        else:
            counts = entities.relink(conn)
    print(json.dumps(counts, ensure_ascii=False))
    return 0


def _year(value: object) -> int | None:
    """Year of an optional ISO ``published_at`` field: completes dates written without a year."""
    text = str(value or "")
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


def _file_mode(args: argparse.Namespace) -> int:
    from transforms.entities.linking import AliasTableError, load_index
    from transforms.entities.pipeline import analyze_many

    docs = _read_docs(args.input)
    try:
        index = load_index(args.aliases)
    except (AliasTableError, OSError) as error:
        raise UserError(str(error)) from None
    results = analyze_many([(d.get("text"), d.get("language")) for d in docs], index, workers=args.workers,
                           default_years=[_year(d.get("published_at")) for d in docs])
    out = sys.stdout if args.out is None else args.out.open("w", encoding="utf-8")
    try:
        for doc, result in zip(docs, results, strict=True):
            record: dict = {"id": doc["id"], "spans": [
                {"start": s.start, "stop": s.stop, "type": s.type, "text": s.text, "normal": s.normal,
                 "entity_id": s.entity_key, "canonical": s.canonical} for s in result.spans]}
            if args.facts:
                record["facts"] = [vars(f) for f in result.facts]
                record["quotes"] = [vars(q) for q in result.quotes]
                record["skipped"] = result.skipped
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0
