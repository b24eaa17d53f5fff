"""NER's forked pool (``transforms.entities.extract.parallel_map``) finishes inside an Airflow task.

Airflow's task runner installs a SIGTERM handler that does nothing in a forked child. Pool workers
inherit it, so ``Pool.terminate()`` (run when the ``with`` block ends) could not stop an idle
worker and the task hung in ``join()``. The check runs in a subprocess with the same kind of
handler installed, several times (whether a worker is still alive at ``terminate()`` is a race),
under a timeout: a hang fails it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from mediamon import settings

SCRIPT = textwrap.dedent("""
    import os, signal
    from transforms.entities.extract import parallel_map

    parent = os.getpid()

    def on_term(signum, frame):  # what airflow.sdk's task runner does: act only in the task's own pid
        if os.getpid() != parent:
            return
        raise SystemExit("terminated")

    signal.signal(signal.SIGTERM, on_term)
    for round_ in range(8):
        assert list(parallel_map(abs, list(range(-40, 0)), 2, chunksize=4)) == list(range(40, 0, -1))
    print("ok")
""")


@pytest.mark.slow
def test_the_ner_pool_stops_under_a_sigterm_handler_that_ignores_forked_children():
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=settings.REPO_ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]
