-- The sources registry (seeds/sources.yaml loaded by transforms.sources) and the news spider's
-- incremental state: one row per URL it has seen (conditional-GET validators, what the feed said,
-- what happened last) and one watermark per source (the newest item seen).

CREATE TABLE ops.sources (
    name             text        PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]*$'),
    title            text        NOT NULL,
    homepage         text        NOT NULL,
    domains          text[]      NOT NULL CHECK (cardinality(domains) > 0),
    language         text        NOT NULL CHECK (language IN ('ru', 'kk', 'en', 'zh', 'other')),
    country          text        NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    feeds            text[]      NOT NULL DEFAULT '{}',
    sitemaps         text[]      NOT NULL DEFAULT '{}',
    topic_keywords   text[]      NOT NULL DEFAULT '{}',
    enabled          boolean     NOT NULL,
    verification     text        NOT NULL,
    notes            text,
    in_registry      boolean     NOT NULL DEFAULT true,
    registry_sha256  text        NOT NULL,
    loaded_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (cardinality(feeds) + cardinality(sitemaps) > 0)
);
COMMENT ON TABLE ops.sources IS
  'The news outlets mediamon follows, as loaded from seeds/sources.yaml (the file is the source of truth; '
  'a source removed from the file stays here with in_registry = false so old rows still resolve).';
COMMENT ON COLUMN ops.sources.name IS 'Stable identifier (lower_snake), the value of raw.articles.source.';
COMMENT ON COLUMN ops.sources.title IS 'Outlet name as readers know it (NUR.KZ, ТАСС).';
COMMENT ON COLUMN ops.sources.homepage IS 'Outlet home page.';
COMMENT ON COLUMN ops.sources.domains IS 'Domains (subdomains included) the spider may fetch and follow redirects to for this source.';
COMMENT ON COLUMN ops.sources.language IS 'Main language of the outlet: ru, kk, en, zh or other.';
COMMENT ON COLUMN ops.sources.country IS 'ISO 3166-1 alpha-2 country of the outlet.';
COMMENT ON COLUMN ops.sources.feeds IS 'RSS/Atom feed URLs.';
COMMENT ON COLUMN ops.sources.sitemaps IS 'News sitemap or sitemap index URLs.';
COMMENT ON COLUMN ops.sources.topic_keywords IS 'An article must mention one of these (case-insensitive substring) to be kept; empty keeps all.';
COMMENT ON COLUMN ops.sources.enabled IS 'Whether the daily crawl follows this source.';
COMMENT ON COLUMN ops.sources.verification IS 'How the feed/sitemap addresses were checked (see docs/sources.md).';
COMMENT ON COLUMN ops.sources.notes IS 'Free-form remarks about the outlet.';
COMMENT ON COLUMN ops.sources.in_registry IS 'False once the source was removed from seeds/sources.yaml.';
COMMENT ON COLUMN ops.sources.registry_sha256 IS 'SHA-256 of the registry file the row was loaded from.';
COMMENT ON COLUMN ops.sources.loaded_at IS 'When the row was last loaded from the registry.';

CREATE TABLE ops.crawl_urls (
    url_fingerprint      text        PRIMARY KEY,
    url                  text        NOT NULL,
    source               text        NOT NULL,
    kind                 text        NOT NULL CHECK (kind IN ('feed', 'sitemap', 'article')),
    etag                 text,
    last_modified        text,
    feed_lastmod         timestamptz,
    first_seen_at        timestamptz NOT NULL DEFAULT now(),
    last_fetched_at      timestamptz,
    last_status          integer,
    last_outcome         text,
    last_content_sha256  text,
    times_fetched        integer     NOT NULL DEFAULT 0 CHECK (times_fetched >= 0),
    crawl_run_id         bigint      REFERENCES ops.crawl_runs
);
CREATE INDEX crawl_urls_source_idx ON ops.crawl_urls (source, kind);
COMMENT ON TABLE ops.crawl_urls IS
  'The news spider''s memory of every URL it met: conditional-GET validators, the date its feed gave, and '
  'the last outcome. An article URL with a final outcome is not fetched again unless its feed date moves.';
COMMENT ON COLUMN ops.crawl_urls.url_fingerprint IS 'SHA-1 of the URL (same function as raw.articles.url_fingerprint).';
COMMENT ON COLUMN ops.crawl_urls.url IS 'The URL as discovered or fetched.';
COMMENT ON COLUMN ops.crawl_urls.source IS 'Registry source (or feed:<host> for ad-hoc feeds) it belongs to.';
COMMENT ON COLUMN ops.crawl_urls.kind IS 'feed, sitemap or article.';
COMMENT ON COLUMN ops.crawl_urls.etag IS 'ETag of the last 200 response, sent back as If-None-Match.';
COMMENT ON COLUMN ops.crawl_urls.last_modified IS 'Last-Modified of the last 200 response, sent back as If-Modified-Since.';
COMMENT ON COLUMN ops.crawl_urls.feed_lastmod IS 'Newest date a feed/sitemap gave for this URL (pubDate, updated, lastmod).';
COMMENT ON COLUMN ops.crawl_urls.first_seen_at IS 'When the URL was first discovered.';
COMMENT ON COLUMN ops.crawl_urls.last_fetched_at IS 'When it was last requested.';
COMMENT ON COLUMN ops.crawl_urls.last_status IS 'HTTP status of the last response, null if none came.';
COMMENT ON COLUMN ops.crawl_urls.last_outcome IS
  'What happened last: landed, not_modified, off_topic, quarantined:<reason>, error:<reason>.';
COMMENT ON COLUMN ops.crawl_urls.last_content_sha256 IS 'SHA-256 of the last body received.';
COMMENT ON COLUMN ops.crawl_urls.times_fetched IS 'How many times the spider requested it.';
COMMENT ON COLUMN ops.crawl_urls.crawl_run_id IS 'Crawl run that last touched the row.';

CREATE TABLE ops.source_watermarks (
    source          text        PRIMARY KEY,
    newest_item_at  timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    crawl_run_id    bigint      REFERENCES ops.crawl_runs
);
COMMENT ON TABLE ops.source_watermarks IS
  'Per source, the newest feed/sitemap date seen so far: sitemap entries and child sitemaps older than it '
  '(minus a safety overlap) are not looked at again.';
COMMENT ON COLUMN ops.source_watermarks.source IS 'Registry source name (or feed:<host>).';
COMMENT ON COLUMN ops.source_watermarks.newest_item_at IS 'Newest pubDate/updated/lastmod seen for the source.';
COMMENT ON COLUMN ops.source_watermarks.updated_at IS 'When the watermark last moved.';
COMMENT ON COLUMN ops.source_watermarks.crawl_run_id IS 'Crawl run that moved it.';
