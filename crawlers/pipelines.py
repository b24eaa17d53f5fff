"""Item pipelines, each with one job, in the order set in settings.ITEM_PIPELINES."""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers.extensions import CrawlRunRecorder
from crawlers.items import FetchedDocument
from transforms import crawl_state, landing
from transforms.quarantine import Rejection, quarantine

log = logging.getLogger(__name__)


class DecodeOrQuarantinePipeline:
    """Turn a fetched document into a :class:`landing.RawArticle`, or quarantine it with its reason.

    Empty, binary, undecodable and oversized inputs never reach ``raw.articles``; they land in
    ``ops.quarantine`` (bytes inline, or the path to them) and the crawl goes on.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_bytes = crawler.settings.getint("MEDIAMON_MAX_ARTICLE_BYTES") or _default_max_bytes()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DecodeOrQuarantinePipeline:
        return cls(crawler)

    def process_item(self, item: FetchedDocument) -> landing.RawArticle:
        stats = self.crawler.stats
        stats.inc_value("mediamon/items_seen")
        try:
            article = self._decode(item)
        except landing.RejectedInput as rejected:
            recorder = CrawlRunRecorder.of(self.crawler)
            keep_inline = item.body is not None and len(item.body) <= self.max_bytes
            rejection = Rejection(
                stage="crawl", item_key=item.url, code=rejected.code, reason=rejected.reason,
                content=item.body if keep_inline else None,
                content_path=item.content_path,
                details={"size": len(item.body) if item.body is not None else item.metadata.get("size"),
                         "source": item.source, "http_status": item.http_status},
            )
            # The URL counts as done only together with its quarantine row (one transaction).
            with recorder.conn.transaction():
                quarantine(recorder.conn, [rejection], recorder.crawl_run_id)
                if item.crawl_state is not None:
                    crawl_state.record_many(recorder.conn, [
                        {**item.crawl_state, "outcome": f"quarantined:{rejected.code}"}])
            stats.inc_value("mediamon/items_quarantined")
            stats.inc_value(f"mediamon/quarantined/{rejected.code}")
            log.warning("quarantined %s: %s (%s)", item.url, rejected.reason, rejected.code)
            raise DropItem(f"quarantined ({rejected.code}): {rejected.reason}") from None
        return article

    def _decode(self, item: FetchedDocument) -> landing.RawArticle:
        if item.rejection_code:
            raise landing.RejectedInput(item.rejection_code, item.rejection_reason or item.rejection_code)
        assert item.body is not None
        landing.check_size(len(item.body), self.max_bytes)
        decoded = landing.decode_article_bytes(item.body, item.declared_encoding)
        if item.plain_text:
            landing.check_plain_text(decoded.text)
        return landing.RawArticle(
            url=item.url, source=item.source, spider=item.spider, fetched_at=item.fetched_at,
            content=item.body, text=decoded.text, encoding=decoded.encoding, http_status=item.http_status,
            headers=item.headers, metadata=item.metadata, crawl_state=item.crawl_state,
        )


class RawArticleLandingPipeline:
    """Write articles to ``raw.articles`` in batches; bytes already landed for a URL add no row.

    Each batch and the spider's ``ops.crawl_urls`` rows for it are one transaction: a crawl killed
    before a batch commits leaves those URLs unknown, so the next crawl fetches them again.
    """

    def __init__(self, crawler: Crawler, batch_size: int) -> None:
        self.crawler = crawler
        self.batch_size = batch_size
        self.batch: list[landing.RawArticle] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RawArticleLandingPipeline:
        return cls(crawler, crawler.settings.getint("MEDIAMON_LANDING_BATCH_SIZE", 100))

    def process_item(self, item: landing.RawArticle) -> landing.RawArticle:
        self.batch.append(item)
        if len(self.batch) >= self.batch_size:
            self._flush()
        return item

    def close_spider(self) -> None:
        self._flush()

    def _flush(self) -> None:
        if not self.batch:
            return
        recorder = CrawlRunRecorder.of(self.crawler)
        with recorder.conn.transaction():
            new = landing.land_articles(recorder.conn, self.batch, recorder.crawl_run_id)
            crawl_state.record_many(recorder.conn, [a.crawl_state for a in self.batch if a.crawl_state])
        self.crawler.stats.inc_value("mediamon/items_new", new)
        self.crawler.stats.inc_value("mediamon/items_known", len(self.batch) - new)
        log.info("landed %d articles (%d new)", len(self.batch), new)
        self.batch = []


def _default_max_bytes() -> int:
    from mediamon import settings

    return settings.max_article_bytes()
