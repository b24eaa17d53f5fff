"""Progress of long loops, in the two forms people know: a tqdm bar when a person watches a
terminal, plain ``done/total (pct), rate`` log lines every few seconds otherwise (task logs, files).

Pure standard library unless the bar is used (tqdm is imported only then).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any


def interval_s() -> float:
    """Seconds between two progress lines (``MEDIAMON_PROGRESS_INTERVAL_S``, default 5)."""
    return float(os.environ.get("MEDIAMON_PROGRESS_INTERVAL_S", "5"))


def interactive() -> bool:
    """A person is watching: stderr is a terminal and we are not inside an Airflow task."""
    return sys.stderr.isatty() and "AIRFLOW_CTX_DAG_ID" not in os.environ


class Progress:
    """Count work done out of ``total`` and say so every ``every_s`` seconds, and at the end (unless
    the last line already said the final count).

    ``emit`` receives each line (default: ``logger.info``); ``clock`` is injectable for tests.
    With ``bar=True`` a tqdm bar replaces the lines.
    """

    def __init__(self, label: str, total: int, unit: str, *, logger: logging.Logger | None = None,
                 every_s: float | None = None, emit: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic, bar: bool | None = None) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.every_s = interval_s() if every_s is None else every_s
        self.emit = emit or (logger or logging.getLogger("mediamon.progress")).info
        self.clock = clock
        self.done = 0
        self._said = -1  # ``done`` when the last line was emitted
        self.started = self.last = clock()
        self._bar: Any = None
        if bar if bar is not None else (emit is None and interactive()):
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=label, unit=f" {unit}", file=sys.stderr)

    def line(self) -> str:
        elapsed = max(self.clock() - self.started, 1e-9)
        share = f" ({self.done / self.total:.0%})" if self.total else ""
        return (f"{self.label}: {self.done}/{self.total} {self.unit}{share}, "
                f"{self.done / elapsed:.1f} {self.unit}/s, {elapsed:.0f} s")

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
            return
        now = self.clock()
        if now - self.last >= self.every_s:
            self.last = now
            self._say()

    def _say(self) -> None:
        self._said = self.done
        self.emit(self.line())

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._said != self.done:  # the last line already said it
            self._say()
