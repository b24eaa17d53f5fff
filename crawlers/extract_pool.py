"""Article extraction in worker processes, so a crawl uses every core.

Why: extraction (trafilatura and the field rules, pure Python over an lxml tree) is the CPU cost
of a crawl, and Scrapy runs in one process: on a 2-core machine one core idled while the other
extracted. The spider stays asynchronous — it awaits each page's extraction like a download —
and a page's result does not depend on which process extracted it (``extract`` is a pure
function of the bytes, the URL and the outlet's settings), so what lands is the same as with
in-process extraction.

Workers are forked from a forkserver that has imported ``crawlers.extraction`` once (no fork of
the Scrapy process and its threads; no per-worker import of trafilatura). Warnings the
extraction logs in a worker (a body from a fallback) travel back with the result and are logged
in the crawl's process under their own logger, so crawl logs read the same either way.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from crawlers import extraction

#: Loggers whose records a worker sends back (the extraction's own modules).
_LOGGER = "crawlers"


class _Collect(logging.Handler):
    """Keeps a worker's log records, made picklable, until the page's result is sent."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)


_collector: _Collect | None = None


def _init_worker(level: int) -> None:
    global _collector
    _collector = _Collect()
    logger = logging.getLogger(_LOGGER)
    logger.handlers[:] = [_collector]
    logger.setLevel(level)
    logger.propagate = False


def _extract_in_worker(body: bytes, url: str, kwargs: dict[str, Any]
                       ) -> tuple[extraction.Extracted | extraction.NotHtmlError, list[logging.LogRecord], float]:
    assert _collector is not None
    _collector.records = []
    started = time.process_time()
    try:
        result: extraction.Extracted | extraction.NotHtmlError = extraction.extract(body, url, **kwargs)
    except extraction.NotHtmlError as error:
        result = error
    return result, _collector.records, time.process_time() - started


def _ready() -> bool:
    return True


class ExtractionPool:
    """``workers`` processes running :func:`crawlers.extraction.extract`."""

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["crawlers.extraction"])
        self.workers = workers
        self._executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init_worker,
            initargs=(logging.getLogger(_LOGGER).getEffectiveLevel(),))
        # Start the workers now; until they all answered, the crawl extracts in its own process
        # (a worker's start, importing trafilatura, takes seconds on a busy machine).
        self._started = [self._executor.submit(_ready) for _ in range(workers)]

    @property
    def ready(self) -> bool:
        """True once every worker has started."""
        if self._started and all(f.done() for f in self._started):
            self._started = []
        return not self._started

    async def extract(self, body: bytes, url: str, **kwargs: Any) -> tuple[extraction.Extracted, float]:
        """``extraction.extract(body, url, **kwargs)`` in a worker, and the CPU seconds it took
        there; raises its NotHtmlError."""
        future = self._executor.submit(_extract_in_worker, body, url, kwargs)
        result, records, seconds = await asyncio.wrap_future(future)
        for record in records:
            logging.getLogger(record.name).handle(record)
        if isinstance(result, extraction.NotHtmlError):
            raise result
        return result, seconds

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
