"""What spiders yield: a fetched document before it is known to be a usable article."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class FetchedDocument:
    """Bytes as fetched (or the reason they were not read), plus where and when.

    ``body`` is None when the spider refused to read the input (for example a file over the size
    limit); ``rejection_code``/``rejection_reason`` then say why, and ``content_path`` where it is.
    """

    url: str
    source: str
    spider: str
    fetched_at: datetime
    body: bytes | None = field(repr=False)
    declared_encoding: str | None = None
    http_status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, object] = field(default_factory=dict)
    content_path: str | None = None
    rejection_code: str | None = None
    rejection_reason: str | None = None
    #: True when the input must be plain text (seed files): markup alone is then refused.
    plain_text: bool = False
    #: The ``ops.crawl_urls`` row saying what happened to the URL, written by the pipelines in the
    #: same transaction as the article or quarantine row (None for spiders without URL state).
    crawl_state: dict[str, object] | None = None
