"""``news``: the one generic news spider, driven by the sources registry (``seeds/sources.yaml``).

For each selected source it reads the feeds and sitemaps (conditional GET, so an unchanged feed
costs a 304), follows sitemap indexes, and fetches the articles it does not have yet — or whose
feed date moved since. Each article page is extracted (``crawlers.extraction``) and handed to the
landing pipelines as a :class:`FetchedDocument` whose metadata holds the title/date/author/body.

Arguments (``scrapy crawl news -a name=value``):

- ``source``: comma-separated registry names (default: every enabled source);
- ``base_url``: fetch the sources' feeds from this origin instead (``{source}`` is replaced by the
  source name) — the local fixture site, a mirror;
- ``feed``: one RSS/Atom feed or sitemap URL, no registry entry needed. A feed on a registered
  outlet's domain (or, with ``base_url``, under its mirror folder) is filed under that outlet
  (``transforms.sources.owner_of``); any other under ``feed:<host>``;
- ``registry``: another registry file.

Extraction runs in ``MEDIAMON_EXTRACT_WORKERS`` worker processes (default: one per core; 0 keeps
it in the crawl's process) once the crawl has requested ``MEDIAMON_EXTRACT_POOL_MIN_ARTICLES``
articles (``crawlers.extract_pool``): the crawl then uses every core.

Without ``source``/``base_url`` the environment variables ``MEDIAMON_NEWS_SOURCES`` and
``MEDIAMON_NEWS_BASE_URL`` are used (how the Airflow crawl task points at the fixture site).

Politeness: robots.txt, AutoThrottle, per-domain concurrency (settings below), redirects followed
only inside the source's own domains and never in a loop.

Safety (docs/security.md): every link, redirect and canonical URL must stay on the source's
registered origins (http(s), its domains, its registered ports: ``Source.refuses``), and no request
connects to a loopback, private or link-local address unless the source is named in
``MEDIAMON_LOCAL_SOURCES`` (``*`` for all: the fixture site on 127.0.0.1 needs it).

Crash safety: the state row of a URL whose page becomes a document (landed or quarantined) travels
with the document and is written by the pipelines in the same transaction as the article or the
quarantine row; a feed's validators (ETag) and the source watermarks are written only when the
crawl finishes. A crawl killed half-way therefore leaves no URL marked as done whose article is
missing, and the next crawl reads the whole feed again.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import psycopg
import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.python.failure import Failure

from crawlers import extraction
from crawlers.extensions import CrawlRunRecorder
from crawlers.extract_pool import ExtractionPool
from crawlers.feeds import FeedEntry, FeedError, parse_feed
from crawlers.items import FetchedDocument
from transforms import crawl_state, urls
from transforms import sources as reg
from transforms.landing import url_fingerprint

#: An extracted body shorter than this is "no body": a paywall stub, a gallery, an error page.
MIN_BODY_CHARS = 80
#: URL outcomes written to ops.crawl_urls per round trip.
STATE_BATCH = 200
#: Child sitemaps last modified this long before the source's watermark are not fetched again.
WATERMARK_OVERLAP = timedelta(days=1)
#: Articles a crawl must request before extraction moves to worker processes: starting them costs
#: about a second, more than a small incremental crawl (or a test) spends extracting.
EXTRACT_POOL_MIN_ARTICLES = 50


class Refused(IgnoreRequest):
    """A request the spider will not make; ``code`` is the counted error reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class RedirectRefused(Refused):
    """A redirect the spider will not follow."""


def local_sources_setting(value: str | None) -> frozenset[str]:
    """``MEDIAMON_LOCAL_SOURCES``: comma-separated source names (or ``*``) that may connect to
    loopback/private addresses. Empty by default: the open web only."""
    return frozenset(n.strip() for n in (value or "").split(",") if n.strip())


class AddressGuardMiddleware:
    """Refuse requests to loopback, private, link-local and other non-public addresses.

    Checked after DNS: the host is resolved through the reactor's resolver — Scrapy's caching
    resolver, whose answer the connection then reuses — so a public name pointing at 10.0.0.5 or
    127.0.0.1 is refused as well as the literal address. Sources named in
    ``MEDIAMON_LOCAL_SOURCES`` are exempt (the fixture site, a mirror on the LAN). Runs first
    (priority 50), before robots.txt is fetched for a new host.
    """

    def __init__(self, crawler: Crawler, resolve: Callable[[str], Awaitable[str]] | None = None) -> None:
        self.crawler = crawler
        self.local = local_sources_setting(
            crawler.settings.get("MEDIAMON_LOCAL_SOURCES") or os.environ.get("MEDIAMON_LOCAL_SOURCES"))
        self._resolve = resolve or self._reactor_resolve

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        return cls(crawler)

    @staticmethod
    async def _reactor_resolve(host: str) -> str:
        from twisted.internet import reactor

        return await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[attr-defined]

    def _exempt(self, source: reg.Source | None, host: str) -> bool:
        if "*" in self.local:
            return True
        if source is not None:
            return source.name in self.local
        spider = self.crawler.spider  # robots.txt requests carry no source: any local source of the host
        return any(s.name in self.local and s.allows_host(host) for s in getattr(spider, "sources", ()))

    async def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname
        if not host or self._exempt(request.meta.get("mediamon_source"), host):
            return None
        address = urls.ip_literal(host) or await self._resolve(host)
        if not urls.is_public_address(address):
            raise Refused("private_address", f"{host} resolves to {address}, a non-public address "
                                             "(name the source in MEDIAMON_LOCAL_SOURCES to allow it)")
        return None


class SourceRedirectMiddleware:
    """Stop redirects that leave the source's domains or come back to a URL already visited.

    Sits before Scrapy's RedirectMiddleware on the response path (higher number), so it sees the
    3xx response and its Location first. Raising here sends the request to its errback.
    """

    def process_response(self, request: Request, response: Response) -> Response:
        source: reg.Source | None = request.meta.get("mediamon_source")
        location = response.headers.get("Location")
        if source is None or response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        target = response.urljoin(location.decode("latin-1"))
        refusal = source.refuses(target)
        if refusal is not None:
            raise RedirectRefused("offsite_redirect", f"redirect to {target} leaves the origins of "
                                                      f"{source.name} ({refusal})")
        if target in (*request.meta.get("redirect_urls", []), request.url):
            raise RedirectRefused("redirect_loop", f"redirect loop: {request.url} -> {target}")
        return response


class NewsSpider(scrapy.Spider):
    name = "news"
    custom_settings = {
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "REDIRECT_MAX_TIMES": 5,
        "RETRY_TIMES": 1,
        "DOWNLOAD_TIMEOUT": 30,
        "COOKIES_ENABLED": False,
        "DOWNLOADER_MIDDLEWARES": {"crawlers.spiders.news.AddressGuardMiddleware": 50,
                                   "crawlers.spiders.news.SourceRedirectMiddleware": 650},
        "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.RFC2616Policy",
    }

    def __init__(self, source: str | None = None, base_url: str | None = None, feed: str | None = None,
                 registry: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Configuration for schedulers (the Airflow crawl task) that run `scrapy crawl news` bare:
        # MEDIAMON_NEWS_SOURCES / MEDIAMON_NEWS_BASE_URL stand in for the arguments.
        if not feed:
            source = source or os.environ.get("MEDIAMON_NEWS_SOURCES") or None
            base_url = base_url or os.environ.get("MEDIAMON_NEWS_BASE_URL") or None
        self.base_url = base_url
        self.feed = feed
        owner = None
        if feed:
            host = urlsplit(feed).hostname
            if not urls.is_web_url(feed) or not host:
                raise NotConfigured(f"feed {feed!r} is not an http(s) URL")
            try:
                owner = reg.owner_of(feed, reg.load_registry(registry),
                                     base_url or os.environ.get("MEDIAMON_NEWS_BASE_URL") or None)
            except reg.RegistryError as error:
                raise NotConfigured(str(error)) from None
        if owner is not None:
            # A feed on a registered outlet's domain is that outlet's: same name, domains, topic filter.
            self.sources = [replace(owner, feeds=(feed,), sitemaps=())]
        elif feed:
            name = f"feed:{host}"
            self.sources = [reg.Source(
                name=name, title=name, homepage=feed, domains=(host,), language="other", country="ZZ",
                feeds=(feed,), verification="fixture")]
        else:
            names = [n.strip() for n in source.split(",") if n.strip()] if source else None
            try:
                self.sources = reg.select(reg.load_registry(registry), names)
            except reg.RegistryError as error:
                raise NotConfigured(str(error)) from None
            if base_url:
                self.sources = [s.rebased(base_url) for s in self.sources]
        if not self.sources:
            raise NotConfigured("no source selected (the registry has no enabled source?)")
        self.registry_path = None if feed and owner is None else registry
        self.ad_hoc = bool(feed) and owner is None
        self.source_name = ",".join(s.name for s in self.sources)
        self.requested: set[str] = set()
        self.newest: dict[str, datetime] = {}
        self.outcomes: list[dict[str, Any]] = []
        self.listing_outcomes: list[dict[str, Any]] = []  # written when the crawl finishes
        self.pool: ExtractionPool | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        from mediamon import settings

        max_bytes = crawler.settings.getint("MEDIAMON_MAX_ARTICLE_BYTES") or settings.max_article_bytes()
        # Pages up to 4x the article limit are read (and quarantined by the pipeline as too_large);
        # anything bigger is cut off by Scrapy and quarantined here without its bytes.
        crawler.settings.set("DOWNLOAD_MAXSIZE", 4 * max_bytes, priority="spider")
        spider.max_bytes = max_bytes
        workers = crawler.settings.get("MEDIAMON_EXTRACT_WORKERS")
        spider.extract_workers = int(workers) if workers not in (None, "") else (os.cpu_count() or 1)
        spider.pool_min_articles = crawler.settings.getint("MEDIAMON_EXTRACT_POOL_MIN_ARTICLES",
                                                           EXTRACT_POOL_MIN_ARTICLES)
        return spider

    # ------------------------------------------------------------------------------------- state
    @property
    def _recorder(self) -> CrawlRunRecorder:
        return CrawlRunRecorder.of(self.crawler)

    def _state(self, url: str, source: reg.Source, kind: str, outcome: str, **fields: Any) -> dict[str, Any]:
        return crawl_state.outcome_row(url=url, source=source.name, kind=kind, outcome=outcome,
                                       crawl_run_id=self._recorder.crawl_run_id, **fields)

    def _record(self, url: str, source: reg.Source, kind: str, outcome: str, **fields: Any) -> None:
        """Remember what happened to a URL that yields no document (304, off topic, an error);
        written in batches (one round trip per URL cost a third of the crawl time in the benchmark).
        Outcomes of documents travel with them instead (:meth:`_document`), and listings wait for
        the end of the crawl (:meth:`closed`)."""
        row = self._state(url, source, kind, outcome, **fields)
        if kind != "article":
            self.listing_outcomes.append(row)
            return
        self.outcomes.append(row)
        if len(self.outcomes) >= STATE_BATCH:
            self._flush_outcomes()

    def _write(self, work: Callable[[psycopg.Connection], None]) -> None:
        recorder = self._recorder
        if recorder.conn.closed:  # the run recorder closed its connection first: use a short-lived one
            with psycopg.connect(recorder.database_url, autocommit=True) as conn:
                work(conn)
        else:
            work(recorder.conn)

    def _flush_outcomes(self) -> None:
        rows, self.outcomes = self.outcomes, []
        self._write(lambda conn: crawl_state.record_many(conn, rows))

    def closed(self, reason: str) -> None:
        """Write what is left; feed validators and watermarks only after a finished crawl, so an
        interrupted one reads its feeds in full next time."""
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        self._flush_outcomes()
        finished = reason == "finished"
        listings = [row if finished else {**row, "etag": None, "last_modified": None}
                    for row in self.listing_outcomes]

        def write(conn: psycopg.Connection) -> None:
            crawl_state.record_many(conn, listings)
            if finished:
                for name, newest in self.newest.items():
                    crawl_state.advance_watermark(conn, name, newest, self._recorder.crawl_run_id)

        self._write(write)

    def _count(self, key: str) -> None:
        self.crawler.stats.inc_value(f"mediamon/news/{key}")

    async def start(self) -> AsyncIterator[Any]:
        conn = self._recorder.conn
        if not self.ad_hoc:
            reg.sync_to_database(conn, self.registry_path)  # ops.sources mirrors the file crawled from
        names = [s.name for s in self.sources]
        self.state = crawl_state.load(conn, names)
        self.marks = crawl_state.watermarks(conn, names)
        self.logger.info("news crawl of %s: %d known URLs", ", ".join(names), len(self.state))
        for source in self.sources:
            for url in source.feeds:
                yield self._listing_request(url, source, "feed")
            for url in source.sitemaps:
                yield self._listing_request(url, source, "sitemap")

    def _conditional(self, url: str) -> dict[str, str]:
        known = self.state.get(url_fingerprint(url))
        headers = {}
        if known and known.etag:
            headers["If-None-Match"] = known.etag
        if known and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        return headers

    def _meta(self, source: reg.Source, kind: str, **extra: Any) -> dict[str, Any]:
        return {"mediamon_source": source, "kind": kind, "handle_httpstatus_list": [304], **extra}

    def _listing_request(self, url: str, source: reg.Source, kind: str) -> Request:
        self._count(f"{kind}s_requested")
        return Request(url, callback=self.parse_listing, errback=self.failed, dont_filter=True,
                       headers=self._conditional(url), meta=self._meta(source, kind))

    # ---------------------------------------------------------------------------------- listings
    def parse_listing(self, response: Response) -> Iterator[Any]:
        source: reg.Source = response.meta["mediamon_source"]
        kind = response.meta["kind"]
        url = response.request.url
        if response.status == 304:
            self._count(f"{kind}s_not_modified")
            self._record(url, source, kind, "not_modified", status=304)
            return
        validators = _validators(response)
        try:
            parsed = parse_feed(response.body, max_bytes=4 * self.max_bytes)
        except FeedError as error:
            self._count(f"{kind}s_refused/{error.code}")
            state = self._state(url, source, kind, f"quarantined:{error.code}", status=response.status,
                                **validators)
            yield self._document(response, source, rejection=(error.code, error.reason), state=state)
            return
        self._record(url, source, kind, "parsed", status=response.status, **validators)
        mark = self.marks.get(source.name)
        for child in parsed.children:
            if mark and child.lastmod and child.lastmod < mark - WATERMARK_OVERLAP:
                self._count("sitemaps_skipped_by_watermark")
                continue
            refusal = source.refuses(child.url)
            if refusal is None:
                yield self._listing_request(child.url, source, "sitemap")
            else:
                self._count_refused(refusal)
        for entry in parsed.entries:
            yield from self._article_request(entry, source, url)

    def _count_refused(self, refusal: str) -> None:
        self._count(f"refused_links/{refusal}")
        if refusal == "offsite_link":
            self._count("offsite_links")

    def _article_request(self, entry: FeedEntry, source: reg.Source, listing_url: str) -> Iterator[Request]:
        self._count("links_seen")
        if entry.lastmod and (source.name not in self.newest or entry.lastmod > self.newest[source.name]):
            self.newest[source.name] = entry.lastmod
        refusal = source.refuses(entry.url)
        if refusal is not None:
            self._count_refused(refusal)
            return
        if entry.url in self.requested:
            return
        known = self.state.get(url_fingerprint(entry.url))
        if known and known.is_final and not known.changed_since(entry.lastmod):
            self._count("links_known")
            return
        self.requested.add(entry.url)
        self._count("articles_requested")
        headers = self._conditional(entry.url) if known else {}
        yield Request(entry.url, callback=self.parse_article, errback=self.failed, dont_filter=True,
                      headers=headers,
                      meta=self._meta(source, "article", listing_url=listing_url, feed_lastmod=entry.lastmod,
                                      discovered_url=entry.url))

    # ---------------------------------------------------------------------------------- articles
    async def _extract(self, body: bytes, url: str, **kwargs: Any) -> extraction.Extracted:
        """The page's extraction: in the worker pool once the crawl is big enough for one and its
        workers have started. The CPU time it took is counted (``mediamon/news/extract_cpu_ms``)
        wherever it ran."""
        if self.pool is None and self.extract_workers > 0 and len(self.requested) >= self.pool_min_articles:
            self.pool = ExtractionPool(self.extract_workers)
            self.logger.info("extracting in %d worker processes", self.extract_workers)
        if self.pool is None or not self.pool.ready:  # in process, also while the workers start
            started = time.process_time()
            try:
                return extraction.extract(body, url, **kwargs)
            finally:
                self.crawler.stats.inc_value("mediamon/news/extract_cpu_ms",
                                             round(1000 * (time.process_time() - started)))
        try:
            page, seconds = await self.pool.extract(body, url, **kwargs)
        except BrokenProcessPool as error:  # a worker died (killed, out of memory): go on without the pool
            self.logger.error("extraction workers failed (%s); extracting in the crawl's process", error)
            self.pool.close()
            self.pool, self.extract_workers = None, 0
            return await self._extract(body, url, **kwargs)
        self.crawler.stats.inc_value("mediamon/news/extract_cpu_ms", round(1000 * seconds))
        return page

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        source: reg.Source = response.meta["mediamon_source"]
        discovered = response.meta["discovered_url"]
        feed_lastmod = response.meta.get("feed_lastmod")
        if response.status == 304:
            self._count("articles_not_modified")
            self._record(discovered, source, "article", "not_modified", status=304, feed_lastmod=feed_lastmod)
            return
        body = response.body
        state = {"status": response.status, "feed_lastmod": feed_lastmod,
                 "content_sha256": hashlib.sha256(body).hexdigest(), **_validators(response)}
        if len(body) > self.max_bytes:
            # Not extracted: the landing pipeline quarantines it as too_large (bytes not kept inline).
            yield self._document(response, source, state=self._state(
                discovered, source, "article", "quarantined:too_large", **state))
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        try:
            page = await self._extract(body, response.url, content_type=content_type,
                                       timezone=source.timezone, site_name=source.title)
        except extraction.NotHtmlError as error:
            yield self._document(response, source, rejection=(error.code, str(error)), state=self._state(
                discovered, source, "article", f"quarantined:{error.code}", **state))
            return
        if len(page.text) < MIN_BODY_CHARS:
            yield self._document(response, source, rejection=(
                "no_body", f"no article text found ({len(page.text)} characters after extraction)"),
                state=self._state(discovered, source, "article", "quarantined:no_body", **state))
            return
        if not source.mentions_topic(page.title, page.text):
            self._count("articles_off_topic")
            self._record(discovered, source, "article", "off_topic", **state)
            return
        # The canonical URL is stored (raw.articles.url) and rendered: only on the source's origins.
        canonical = page.url if source.refuses(page.url) is None else response.url
        metadata = {
            **page.as_dict(), "canonical_url": canonical, "discovered_url": discovered,
            "listing_url": response.meta.get("listing_url"),
            "feed_lastmod": feed_lastmod.isoformat() if feed_lastmod else None,
        }
        metadata.pop("url")
        self._count("articles_extracted")
        yield self._document(response, source, url=canonical, metadata=metadata, encoding=page.encoding,
                             state=self._state(discovered, source, "article", "fetched", **state))

    def _document(self, response: Response, source: reg.Source, *, state: dict[str, Any],
                  url: str | None = None, metadata: dict[str, Any] | None = None, encoding: str | None = None,
                  rejection: tuple[str, str] | None = None) -> FetchedDocument:
        """The page as a document; ``state`` is its ``ops.crawl_urls`` row, written by the pipelines
        together with the article or quarantine row."""
        code, reason = rejection or (None, None)
        return FetchedDocument(
            url=url or response.request.url, source=source.name, spider=self.name,
            fetched_at=datetime.now(UTC), body=response.body, declared_encoding=encoding,
            http_status=response.status, headers=_selected_headers(response),
            metadata=metadata or {"fetched_url": response.url, "size": len(response.body)},
            rejection_code=code, rejection_reason=reason, crawl_state=state,
        )

    # ------------------------------------------------------------------------------------ errors
    def failed(self, failure: Failure) -> Iterator[Any]:
        """Every request that got no usable response: a counted error with its reason, or — for a
        body over the download limit — a quarantine row without the bytes."""
        request = failure.request
        source: reg.Source = request.meta["mediamon_source"]
        kind = request.meta["kind"]
        url = request.meta.get("discovered_url", request.url)
        status = None
        message = str(failure.value)
        if failure.check(HttpError):
            status = failure.value.response.status
            code = f"http_{status}"
        elif failure.check(Refused):
            code = failure.value.code
        elif "larger than download max size" in message or "during decompression" in message:
            # Over the download limit, as sent or once decompressed (a gzip bomb): quarantined
            # without its bytes, so the crawl record counts it.
            code = "too_large" if "larger than download max size" in message else "decompression_bomb"
            yield FetchedDocument(url=url, source=source.name, spider=self.name, fetched_at=datetime.now(UTC),
                                  body=None, metadata={"size": None, "limit": 4 * self.max_bytes},
                                  rejection_code=code, rejection_reason=message,
                                  crawl_state=self._state(url, source, kind, f"quarantined:{code}"))
            return
        elif failure.check(IgnoreRequest) and "robots.txt" in message:
            code = "robots_forbidden"
        elif failure.check(IgnoreRequest) and "redirections" in message:
            code = "too_many_redirects"
        else:
            code = type(failure.value).__name__.lower()
        self._count(f"errors/{code}")
        self._record(url, source, kind, f"error:{code}", status=status)
        retried = status is not None and self.settings.getbool("RETRY_ENABLED") and status in set(
            self.settings.getlist("RETRY_HTTP_CODES", []))
        # A refusal raised in process_request (private_address) is counted by Scrapy's
        # downloader/exception_count already; a refused redirect (process_response) is not.
        if failure.check(HttpError, RedirectRefused) and not retried:
            # Not counted by Scrapy's downloader/exception_count (nor logged as an error by its retry
            # middleware, which does so for retried statuses): log as ERROR so the crawl run counts it.
            self.logger.error("%s %s failed: %s (%s)", kind, url, message, code)
        else:
            self.logger.warning("%s %s failed: %s (%s)", kind, url, message, code)


def _validators(response: Response) -> dict[str, str | None]:
    def header(name: str) -> str | None:
        value = response.headers.get(name)
        return value.decode("latin-1") if value else None

    return {"etag": header("ETag"), "last_modified": header("Last-Modified")}


def _selected_headers(response: Response) -> dict[str, str]:
    keep = ("Content-Type", "ETag", "Last-Modified", "Content-Length", "Date")
    return {k.lower(): response.headers.get(k).decode("latin-1") for k in keep if response.headers.get(k)}
