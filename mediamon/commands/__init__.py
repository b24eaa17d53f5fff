"""Subcommands of ``mediamon``; each module has ``register(subparsers)``."""

from __future__ import annotations

import argparse
from datetime import date


def iso_date(text: str) -> date:
    """argparse type for a day given as YYYY-MM-DD, with an error message that shows the format."""
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-08-30") from error
