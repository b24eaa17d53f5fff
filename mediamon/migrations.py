"""Apply ``sql/migrations/NNNN_name.sql`` in order, each once, each in its own transaction.

Applied versions are recorded in ``ops.schema_migrations`` with the file's checksum, so applying
twice is a no-op and an edited, already-applied migration is reported instead of silently
ignored. An advisory lock keeps two processes (say, Airflow's init and ``make run``) from
migrating at once.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from mediamon import settings

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_ADVISORY_LOCK_KEY = 4_271_007  # any constant shared by all mediamon processes

BOOTSTRAP_SQL = """
CREATE SCHEMA IF NOT EXISTS ops;
COMMENT ON SCHEMA ops IS 'Operations: runs, crawl stats, data-quality results, quarantine.';
CREATE TABLE IF NOT EXISTS ops.schema_migrations (
    version     integer PRIMARY KEY,
    name        text        NOT NULL,
    checksum    text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ops.schema_migrations IS 'Which sql/migrations files were applied, when, with which checksum.';
COMMENT ON COLUMN ops.schema_migrations.version IS 'The NNNN prefix of the migration file.';
COMMENT ON COLUMN ops.schema_migrations.name IS 'The file name without prefix and extension.';
COMMENT ON COLUMN ops.schema_migrations.checksum IS 'SHA-256 of the file as applied; a later edit is reported.';
COMMENT ON COLUMN ops.schema_migrations.applied_at IS 'When the migration was applied.';
"""


class MigrationError(RuntimeError):
    """A migration file is malformed, duplicated, or was edited after it was applied."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def discover(directory: Path | None = None) -> list[Migration]:
    """The migration files in version order; a stray or duplicated name is an error, not a skip."""
    directory = directory or settings.migrations_dir()
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_lower_snake.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(f"{path.name}: version {version:04d} is also used by {found[version].path.name}")
        found[version] = Migration(version, match.group(2), path)
    return [found[v] for v in sorted(found)]


def apply_all(url: str, directory: Path | None = None) -> list[Migration]:
    """Apply every pending migration; return the ones applied now (empty when up to date)."""
    migrations = discover(directory)
    applied_now: list[Migration] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_LOCK_KEY,))
        try:
            with conn.transaction():
                conn.execute(BOOTSTRAP_SQL)
            done = dict(conn.execute("SELECT version, checksum FROM ops.schema_migrations").fetchall())
            for migration in migrations:
                if migration.version in done:
                    if done[migration.version] != migration.checksum:
                        raise MigrationError(
                            f"{migration.path.name} changed after it was applied; add a new migration instead")
                    continue
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(
                        "INSERT INTO ops.schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum))
                applied_now.append(migration)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK_KEY,))
    return applied_now


@contextmanager
def scratch_database(prefix: str = "mediamon_scratch") -> Iterator[str]:
    """A freshly migrated database on the configured server, dropped afterwards; yields its URL.

    For benchmarks and one-off checks that must not touch the real data.
    """
    from mediamon import database

    server = database.with_database(database.database_url(), "postgres")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    url = database.create_database(server, name)
    try:
        apply_all(url)
        yield url
    finally:
        database.drop_database(server, name)
