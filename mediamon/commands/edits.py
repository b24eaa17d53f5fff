"""Analysts' corrections: ``mediamon aliases add|rm|list`` and ``mediamon stories merge|split``
(``mediamon entities merge|split`` lives with the entities command).

Each edit is one row in schema ``analyst`` written as the connected database user (an analyst
login granted ``mediamon_analyst`` may do this; it can write nothing else). When the user may
also write ``core`` (the pipeline's owner), the edit is applied at once; otherwise the next
pipeline run applies it. Every later run, ``--relink`` and re-clustering keep it.
"""

from __future__ import annotations

import argparse
import json

import psycopg

from mediamon.cli import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    aliases = subparsers.add_parser("aliases", help="analysts: add, remove or list entity aliases",
                                    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = aliases.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="the name ALIAS means entity KEY (a new KEY needs --type)")
    add.add_argument("alias")
    add.add_argument("entity_key", metavar="KEY")
    add.add_argument("--type", choices=("PER", "LOC", "ORG"), help="type of a new entity")
    add.add_argument("--canonical", help="canonical name of a new entity (default: ALIAS)")
    add.add_argument("--note", help="why")
    remove = actions.add_parser("rm", help="the name ALIAS no longer means entity KEY (seed files too)")
    remove.add_argument("alias")
    remove.add_argument("entity_key", metavar="KEY")
    remove.add_argument("--note", help="why")
    listing = actions.add_parser("list", help="seed and analyst aliases, with the last analyst edit")
    listing.add_argument("entity_key", metavar="KEY", nargs="?")
    aliases.set_defaults(handler=_aliases)

    stories = subparsers.add_parser("stories", help="analysts: merge or split stories",
                                    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = stories.add_subparsers(dest="action", required=True, metavar="ACTION")
    merge = actions.add_parser("merge", help="these stories are one event")
    merge.add_argument("story_ids", type=int, nargs="+", metavar="STORY_ID")
    merge.add_argument("--note", help="why")
    split = actions.add_parser("split", help="these articles of STORY_ID are an event of their own")
    split.add_argument("story_id", type=int, metavar="STORY_ID")
    split.add_argument("article_ids", type=int, nargs="+", metavar="ARTICLE_ID")
    split.add_argument("--note", help="why")
    stories.set_defaults(handler=_stories)


def _connect() -> psycopg.Connection:
    from mediamon import database

    return psycopg.connect(database.database_url(), autocommit=True)


def apply_entity_edits_if_allowed(conn: psycopg.Connection) -> str:
    """Re-link now when this user may write core; else say when it will happen."""
    from transforms.entities import relink

    try:
        counts = relink(conn)
    except psycopg.errors.InsufficientPrivilege:
        return "recorded; the next pipeline run (or `mediamon entities --relink` by its owner) applies it"
    return f"applied: {json.dumps(counts)}"


def _aliases(args: argparse.Namespace) -> int:
    from transforms.entities.edits import list_aliases, record_alias_edit

    with _connect() as conn:
        if args.action == "list":
            for key, alias, origin, edited in list_aliases(conn, args.entity_key):
                print("\t".join([key, alias, origin, edited or ""]))
            return 0
        try:
            edit_id = record_alias_edit(conn, "add" if args.action == "add" else "remove", args.alias,
                                        args.entity_key, type_=getattr(args, "type", None),
                                        canonical_name=getattr(args, "canonical", None), note=args.note)
        except ValueError as error:
            raise UserError(str(error)) from None
        except psycopg.errors.InsufficientPrivilege as error:
            raise UserError(f"not allowed: {error.diag.message_primary}") from None
        print(f"alias edit {edit_id} {apply_entity_edits_if_allowed(conn)}")
    return 0


def _stories(args: argparse.Namespace) -> int:
    from transforms.story_edits import apply_story_edits, record_story_merge, record_story_split

    with _connect() as conn:
        try:
            if args.action == "merge":
                edit_id = record_story_merge(conn, args.story_ids, args.note)
            else:
                edit_id = record_story_split(conn, args.story_id, args.article_ids, args.note)
        except ValueError as error:
            raise UserError(str(error)) from None
        except psycopg.errors.InsufficientPrivilege as error:
            raise UserError(f"not allowed: {error.diag.message_primary}") from None
        try:
            counts = apply_story_edits(conn)
            outcome = f"applied: {json.dumps(counts)} (marts show it after their next refresh)"
        except psycopg.errors.InsufficientPrivilege:
            outcome = "recorded; the next deduplicate run applies it"
        print(f"story edit {edit_id} {outcome}")
    return 0
