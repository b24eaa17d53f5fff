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


ENTITY_CONVENTIONS = ("flat", "outer")


def entity_convention() -> str:
    """Span convention of the entity stage: ``flat`` (factRuEval's: "МВД" + "России" apart, no
    common-noun bodies) or ``outer`` (NEREL's: "МВД России" one ORG, "полиция" an ORG, place
    adjectives LOC). docs/entities.md compares them; a change re-extracts every article."""
    value = os.environ.get("MEDIAMON_ENTITY_CONVENTION", "flat").strip().lower() or "flat"
    if value not in ENTITY_CONVENTIONS:
        raise ValueError(f"MEDIAMON_ENTITY_CONVENTION={value!r}: choose one of {', '.join(ENTITY_CONVENTIONS)}")
    return value


def migrations_dir() -> Path:
    return REPO_ROOT / "sql" / "migrations"
