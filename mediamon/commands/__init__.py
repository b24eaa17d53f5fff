"""Subcommands of ``mediamon``; each module has ``register(subparsers)``."""
