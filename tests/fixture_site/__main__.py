"""Serve the fixture news site until interrupted: ``python -m tests.fixture_site --port 8000``."""

from __future__ import annotations

import argparse
import time

from .site import FixtureServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    with FixtureServer(args.port) as server:
        print(f"fixture news site at {server.base_url}/ — outlets: {', '.join(server.site.OUTLETS)}")
        print(f"try: MEDIAMON_LOCAL_SOURCES=tengrinews mediamon crawl --source tengrinews "
              f"--base-url '{server.base_url}/{{source}}/'")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
