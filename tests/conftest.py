"""Shared fixtures: a real PostgreSQL for every test.

The session creates its own database on the server (embedded by default, or the one at
``MEDIAMON_DATABASE_URL``), migrates it once, and drops it at the end. Each test that asks for
``db_url`` gets a fresh copy of that migrated database (``CREATE DATABASE … TEMPLATE``, tens of
milliseconds), so no test sees another's rows and none needs cleaning up after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from mediamon import database, migrations

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def server_url() -> str:
    """URL of the server's maintenance database (``postgres``)."""
    return database.with_database(database.database_url(), "postgres")


@pytest.fixture(scope="session")
def template_database(server_url: str) -> Iterator[str]:
    """Name of this session's migrated database, used as the template for per-test copies."""
    name = f"mediamon_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    url = database.create_database(server_url, name)
    migrations.apply_all(url)
    yield name
    database.drop_database(server_url, name)


@pytest.fixture()
def db_url(server_url: str, template_database: str) -> Iterator[str]:
    """A fresh, migrated database for this test only."""
    name = f"{template_database}_{uuid.uuid4().hex[:8]}"
    url = database.create_database(server_url, name, template=template_database)
    yield url
    database.drop_database(server_url, name)


@pytest.fixture()
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the test's fresh database."""
    with psycopg.connect(db_url, autocommit=True) as connection:
        yield connection


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return REPO_ROOT / "seeds"
