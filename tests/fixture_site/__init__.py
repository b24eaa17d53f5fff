"""The local fixture news site (see site.py); ``python -m tests.fixture_site --port 8000`` serves it
for a demo: ``mediamon crawl --source tengrinews --base-url http://127.0.0.1:8000/{source}/``."""

from .site import Expected, FixtureServer, FixtureSite

__all__ = ["Expected", "FixtureServer", "FixtureSite"]
