"""Data quality: suites declared as YAML next to each other in ``suites/``, run with great-expectations.

``run_suites(conn_or_url, logical_date=..., run_id=...)`` is what the DAG and ``mediamon quality``
call; see ``runner`` for what a run records and ``quarantine`` for how rows are set aside and
released. GX itself is imported only when a run starts (it takes seconds to import).
"""

import logging

# GX logs INFO lines by the hundred at import and per expectation: keep mediamon's logs readable.
logging.getLogger("great_expectations").setLevel(logging.WARNING)

from transforms.quality.quarantine import release  # noqa: E402
from transforms.quality.runner import QualityGateFailed, format_summary, latest_run, run_suites  # noqa: E402
from transforms.quality.spec import Check, Suite, SuiteError, load_suites  # noqa: E402

__all__ = ["Check", "QualityGateFailed", "Suite", "SuiteError", "format_summary", "latest_run", "load_suites",
           "release", "run_suites"]
