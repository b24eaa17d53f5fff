"""``seed_files``: land the fixture articles in ``seeds/*.txt`` (or another folder) as raw articles.

Files are really fetched through Scrapy's ``file://`` handler, so they travel the same pipelines
as web pages. Their URL is ``seed://<file name>``, not the file path, so an article keeps its
identity whichever folder the repository was cloned into.

Only regular files inside the folder are read: a symlink (``seeds/x.txt -> /etc/passwd``), a
FIFO, a device or a directory named ``*.txt`` is quarantined with its reason and never opened, and
so is a path whose resolved location leaves the folder. A seed is plain text: a file that is only
HTML markup is refused (``markup_only``) by the landing pipeline.
"""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawlers.items import FetchedDocument


class SeedFilesSpider(scrapy.Spider):
    name = "seed_files"
    source_name = "seeds"
    custom_settings = {"ROBOTSTXT_OBEY": False}  # local files have no robots.txt

    def __init__(self, directory: str | None = None, pattern: str = "*.txt", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        from mediamon import settings

        self.directory = str(Path(directory).resolve()) if directory else str(settings.seeds_dir())
        self.pattern = pattern

    async def start(self) -> AsyncIterator[Any]:
        from mediamon import settings

        directory = Path(self.directory)
        if not directory.is_dir():
            raise NotConfigured(f"seed directory {directory} does not exist")
        max_bytes = self.settings.getint("MEDIAMON_MAX_ARTICLE_BYTES") or settings.max_article_bytes()
        paths = sorted(directory.glob(self.pattern))
        self.logger.info("%d seed files in %s", len(paths), directory)
        for path in paths:
            refusal = _not_a_seed_file(path, directory)
            if refusal is not None:
                yield self._document(path, body=None, rejection_code=refusal[0], rejection_reason=refusal[1])
                continue
            size = path.lstat().st_size
            if size > max_bytes:
                # Not read at all: the quarantine row points at the file instead of holding it.
                yield self._document(path, body=None, rejection_code="too_large",
                                     rejection_reason=f"{size} bytes is over the {max_bytes}-byte limit")
                continue
            yield scrapy.Request(path.as_uri(), callback=self.parse, cb_kwargs={"path": path}, dont_filter=True)

    def parse(self, response: Response, path: Path) -> FetchedDocument:
        return self._document(path, body=response.body)

    def _document(self, path: Path, body: bytes | None, **rejection: str) -> FetchedDocument:
        return FetchedDocument(
            url=f"seed://{path.name}", source=self.source_name, spider=self.name,
            fetched_at=datetime.now(UTC), body=body, content_path=str(path), plain_text=True,
            metadata={"file_name": path.name, "size": path.lstat().st_size}, **rejection,
        )


def _not_a_seed_file(path: Path, directory: Path) -> tuple[str, str] | None:
    """``(code, reason)`` when ``path`` must not be read as a seed, None for a regular file inside
    ``directory``. Judged on the entry itself (``lstat``): a symlink is refused whatever it points
    at, so a link cannot smuggle a file from elsewhere into raw and the analysts' marts."""
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return "symlink", f"{path.name} is a symbolic link (to {path.readlink()}); only regular files are read"
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file (FIFO, socket or device)"
        return "not_regular_file", f"{path.name} is {kind}; only regular files are read"
    if not path.resolve().is_relative_to(directory):
        return "outside_seed_dir", f"{path.name} resolves to {path.resolve()}, outside {directory}"
    return None
