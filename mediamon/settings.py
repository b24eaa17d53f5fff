"""Settings read from the environment, in one place so the README can list them all.

Every setting has a default that works on a fresh clone: no variable needs to be set to run
``make run`` or ``make test``.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def local_dir() -> Path:
    """Folder for project-owned state (embedded database, Airflow home, reports); git-ignored."""
    return Path(os.environ.get("MEDIAMON_LOCAL_DIR", REPO_ROOT / ".local")).resolve()


def database_url_from_env() -> str | None:
    """The external database URL, or None when the embedded PostgreSQL should be used."""
    value = os.environ.get("MEDIAMON_DATABASE_URL", "").strip()
    return value or None


def seeds_dir() -> Path:
    return Path(os.environ.get("MEDIAMON_SEEDS_DIR", REPO_ROOT / "seeds")).resolve()


def max_article_bytes() -> int:
    """Largest input accepted as an article; larger ones are quarantined (default 5 MB)."""
    return int(os.environ.get("MEDIAMON_MAX_ARTICLE_BYTES", 5 * 1024 * 1024))


def migrations_dir() -> Path:
    return REPO_ROOT / "sql" / "migrations"
