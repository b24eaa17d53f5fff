-- The four layers and the tables the crawl writes: raw.articles, ops.crawl_runs, ops.quarantine,
-- ops.stage_runs. raw is append-only; everything downstream can be rebuilt from it.

CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS mart;
COMMENT ON SCHEMA raw  IS 'As crawled, never updated: the bytes and decoded text of every landed article.';
COMMENT ON SCHEMA core IS 'Normalized and linked data, rebuilt from raw by versioned transforms.';
COMMENT ON SCHEMA mart IS 'Documented, read-only views for analysts.';

CREATE TABLE ops.crawl_runs (
    crawl_run_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    spider             text        NOT NULL,
    source             text,
    args               jsonb       NOT NULL DEFAULT '{}'::jsonb,
    started_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    status             text        NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'finished', 'failed')),
    items_seen         integer     NOT NULL DEFAULT 0 CHECK (items_seen >= 0),
    items_new          integer     NOT NULL DEFAULT 0 CHECK (items_new >= 0),
    items_quarantined  integer     NOT NULL DEFAULT 0 CHECK (items_quarantined >= 0),
    errors             integer     NOT NULL DEFAULT 0 CHECK (errors >= 0),
    stats              jsonb       NOT NULL DEFAULT '{}'::jsonb
);
COMMENT ON TABLE ops.crawl_runs IS 'One row per spider run: what it saw, landed, quarantined and failed on.';
COMMENT ON COLUMN ops.crawl_runs.crawl_run_id IS 'Surrogate key of the crawl run.';
COMMENT ON COLUMN ops.crawl_runs.spider IS 'Scrapy spider name, e.g. seed_files or news.';
COMMENT ON COLUMN ops.crawl_runs.source IS 'Registry source the run was limited to, if any.';
COMMENT ON COLUMN ops.crawl_runs.args IS 'Spider arguments the run was started with.';
COMMENT ON COLUMN ops.crawl_runs.started_at IS 'When the spider opened.';
COMMENT ON COLUMN ops.crawl_runs.finished_at IS 'When the spider closed; null while running or after a crash.';
COMMENT ON COLUMN ops.crawl_runs.status IS 'running, finished, or failed (the spider closed for another reason than finished).';
COMMENT ON COLUMN ops.crawl_runs.items_seen IS 'Articles the spider produced (landed, already known, or quarantined).';
COMMENT ON COLUMN ops.crawl_runs.items_new IS 'Articles that added a row to raw.articles.';
COMMENT ON COLUMN ops.crawl_runs.items_quarantined IS 'Inputs that went to ops.quarantine instead.';
COMMENT ON COLUMN ops.crawl_runs.errors IS 'Errors Scrapy logged or counted (download errors, spider exceptions).';
COMMENT ON COLUMN ops.crawl_runs.stats IS 'Scrapy''s own stats at close, for diagnosis.';

CREATE TABLE raw.articles (
    raw_article_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url_fingerprint  text        NOT NULL,
    url              text        NOT NULL,
    source           text        NOT NULL,
    spider           text        NOT NULL,
    fetched_at       timestamptz NOT NULL,
    content_sha256   text        NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
    content          bytea       NOT NULL,
    text             text        NOT NULL,
    encoding         text        NOT NULL,
    http_status      integer,
    headers          jsonb       NOT NULL DEFAULT '{}'::jsonb,
    metadata         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    crawl_run_id     bigint      REFERENCES ops.crawl_runs,
    landed_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (url_fingerprint, content_sha256)
);
CREATE INDEX articles_landed_at_idx ON raw.articles (landed_at);
CREATE INDEX articles_fetched_at_idx ON raw.articles (fetched_at);
COMMENT ON TABLE raw.articles IS
  'Articles exactly as crawled. Append-only: a page whose bytes change lands as a new version '
  '(same url_fingerprint, new content_sha256); landing the same bytes again adds nothing.';
COMMENT ON COLUMN raw.articles.raw_article_id IS 'Surrogate key of this landed version.';
COMMENT ON COLUMN raw.articles.url_fingerprint IS 'SHA-1 of the canonical URL: the article''s stable identity.';
COMMENT ON COLUMN raw.articles.url IS 'Where the article came from: http(s) URL, or seed://<file name> for fixture files.';
COMMENT ON COLUMN raw.articles.source IS 'Outlet or registry name (seeds for the fixture files).';
COMMENT ON COLUMN raw.articles.spider IS 'Spider that landed the row.';
COMMENT ON COLUMN raw.articles.fetched_at IS 'When the bytes were fetched or read.';
COMMENT ON COLUMN raw.articles.content_sha256 IS 'SHA-256 of the raw bytes.';
COMMENT ON COLUMN raw.articles.content IS 'The raw bytes as received.';
COMMENT ON COLUMN raw.articles.text IS 'The bytes decoded with the detected encoding (never mojibake: undecodable input is quarantined).';
COMMENT ON COLUMN raw.articles.encoding IS 'Encoding used to decode content (utf-8, cp1251, koi8-r, ...).';
COMMENT ON COLUMN raw.articles.http_status IS 'HTTP status of the response; null for files.';
COMMENT ON COLUMN raw.articles.headers IS 'Selected response headers (content-type, etag, last-modified).';
COMMENT ON COLUMN raw.articles.metadata IS 'What the spider extracted alongside the text (title, date, author hints), as found.';
COMMENT ON COLUMN raw.articles.crawl_run_id IS 'Crawl run that landed the row.';
COMMENT ON COLUMN raw.articles.landed_at IS 'When the row was written.';

CREATE TABLE ops.quarantine (
    quarantine_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stage           text        NOT NULL,
    item_key        text        NOT NULL,
    reason_code     text        NOT NULL,
    reason          text        NOT NULL,
    content         bytea,
    content_path    text,
    content_sha256  text,
    details         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    crawl_run_id    bigint      REFERENCES ops.crawl_runs,
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    times_seen      integer     NOT NULL DEFAULT 1,
    released_at     timestamptz,
    released_note   text
);
CREATE UNIQUE INDEX quarantine_item_once ON ops.quarantine
    (stage, item_key, reason_code, coalesce(content_sha256, ''));
COMMENT ON TABLE ops.quarantine IS
  'Bad input set aside with its reason, never dropped: one row per (stage, item, reason, content); '
  'seeing it again bumps times_seen. Release a fixed row by setting released_at.';
COMMENT ON COLUMN ops.quarantine.quarantine_id IS 'Surrogate key.';
COMMENT ON COLUMN ops.quarantine.stage IS 'Which step refused the input: crawl, normalize, entities, quality.';
COMMENT ON COLUMN ops.quarantine.item_key IS 'What was refused: a URL, a file path, or a table key.';
COMMENT ON COLUMN ops.quarantine.reason_code IS 'Machine-readable reason, e.g. empty, binary, not_utf8, too_large.';
COMMENT ON COLUMN ops.quarantine.reason IS 'Human-readable explanation.';
COMMENT ON COLUMN ops.quarantine.content IS 'The refused bytes, when small enough to keep inline.';
COMMENT ON COLUMN ops.quarantine.content_path IS 'Where the refused bytes are when not inline (e.g. the original file).';
COMMENT ON COLUMN ops.quarantine.content_sha256 IS 'SHA-256 of the refused bytes, when there were any.';
COMMENT ON COLUMN ops.quarantine.details IS 'Anything else useful for diagnosis (size, detected encoding, row values).';
COMMENT ON COLUMN ops.quarantine.crawl_run_id IS 'Crawl run that quarantined it, for crawl-stage rows.';
COMMENT ON COLUMN ops.quarantine.first_seen_at IS 'When it was first refused.';
COMMENT ON COLUMN ops.quarantine.last_seen_at IS 'When it was last refused.';
COMMENT ON COLUMN ops.quarantine.times_seen IS 'How many times it was refused.';
COMMENT ON COLUMN ops.quarantine.released_at IS 'When an operator released the fixed row back; null while quarantined.';
COMMENT ON COLUMN ops.quarantine.released_note IS 'Why it was released.';

CREATE TABLE ops.stage_runs (
    stage_run_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stage              text        NOT NULL,
    logical_date       date,
    transform_version  text,
    started_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    status             text        NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'succeeded', 'failed')),
    counts             jsonb       NOT NULL DEFAULT '{}'::jsonb,
    error              text
);
CREATE INDEX stage_runs_stage_date_idx ON ops.stage_runs (stage, logical_date);
COMMENT ON TABLE ops.stage_runs IS 'One row per run of a pipeline stage (normalize, deduplicate, entities, quality, marts).';
COMMENT ON COLUMN ops.stage_runs.stage_run_id IS 'Surrogate key.';
COMMENT ON COLUMN ops.stage_runs.stage IS 'Stage name.';
COMMENT ON COLUMN ops.stage_runs.logical_date IS 'The day of data the run worked on (Airflow logical date), if any.';
COMMENT ON COLUMN ops.stage_runs.transform_version IS 'Version of the transform code that ran.';
COMMENT ON COLUMN ops.stage_runs.started_at IS 'When the stage started.';
COMMENT ON COLUMN ops.stage_runs.finished_at IS 'When it finished.';
COMMENT ON COLUMN ops.stage_runs.status IS 'running, succeeded or failed.';
COMMENT ON COLUMN ops.stage_runs.counts IS 'What the stage counted: in, out, quarantined, duplicates, entities...';
COMMENT ON COLUMN ops.stage_runs.error IS 'The error message when it failed.';
