"""Scrapy settings for mediamon's crawlers.

The database comes from ``MEDIAMON_DATABASE_URL`` (or the embedded PostgreSQL when unset); it can
also be given per run with ``-s MEDIAMON_DATABASE_URL=...``.
"""

BOT_NAME = "mediamon"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = "mediamon/0.1 (+https://github.com/mediamon/mediamon; news monitoring)"
ROBOTSTXT_OBEY = True
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# Each pipeline does one thing, in this order: turn bytes into text or quarantine them, then land.
ITEM_PIPELINES = {
    "crawlers.pipelines.DecodeOrQuarantinePipeline": 100,
    "crawlers.pipelines.RawArticleLandingPipeline": 800,
}

# Opens and closes the ops.crawl_runs record and owns the database connection the pipelines share.
EXTENSIONS = {
    "crawlers.extensions.CrawlRunRecorder": 0,
    "crawlers.extensions.CrawlProgress": 10,
}

# Rows per INSERT batch into raw.articles.
MEDIAMON_LANDING_BATCH_SIZE = 100
