-- Following the news: analysts' watchlists (schema analyst, which they may write), the matches
-- each daily run finds for them (mart.watch_matches), spike alerts per canonical entity, entity
-- pair and story (mart.alerts), and the record of what was sent where (ops.deliveries), so every
-- match and alert goes out once. Written by transforms/follow; method in docs/alerts.md.

-- The day an article counts for: its publication day, or for an undated article (no published_at,
-- or a crawl-time stand-in) the day it was FIRST seen, not the time of the crawl that normalized
-- it. Works with published_at NOT NULL (today) and nullable (undated articles, identity issue).
CREATE VIEW core.article_days AS
SELECT a.article_id,
       (t.dated_at AT TIME ZONE 'Asia/Almaty')::date AS day,
       t.dated_at,
       t.dated_by
FROM core.articles AS a
CROSS JOIN LATERAL (
    SELECT CASE WHEN a.published_at IS NOT NULL AND a.published_at_method IS DISTINCT FROM 'crawl_time'
                THEN a.published_at
                ELSE coalesce((SELECT min(r.fetched_at) FROM raw.articles AS r
                               WHERE r.url_fingerprint = a.url_fingerprint), a.published_at) END AS dated_at,
           CASE WHEN a.published_at IS NOT NULL AND a.published_at_method IS DISTINCT FROM 'crawl_time'
                THEN 'published' ELSE 'first_seen' END AS dated_by
) AS t;
COMMENT ON VIEW core.article_days IS
  'The day each article counts for in watchlists and alerts: publication day, or first-seen day for undated articles.';
COMMENT ON COLUMN core.article_days.article_id IS 'The article.';
COMMENT ON COLUMN core.article_days.day IS 'Kazakhstan day (Asia/Almaty) of dated_at.';
COMMENT ON COLUMN core.article_days.dated_at IS 'Publication time, or when the URL was first fetched for an undated article.';
COMMENT ON COLUMN core.article_days.dated_by IS 'published or first_seen.';

CREATE SCHEMA IF NOT EXISTS analyst;
COMMENT ON SCHEMA analyst IS
  'Tables analysts edit themselves (watchlists, corrections): the mediamon_analyst role may read and write them; the pipeline reads them.';
GRANT USAGE ON SCHEMA analyst TO mediamon_analyst;

CREATE TABLE analyst.watchlists (
    watchlist_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text        NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    query         text        CHECK (query IS NULL OR btrim(query) <> ''),
    entities      text[]      NOT NULL DEFAULT '{}',
    sources       text[]      NOT NULL DEFAULT '{}',
    enabled       boolean     NOT NULL DEFAULT true,
    created_by    text        NOT NULL DEFAULT current_user,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (query IS NOT NULL OR cardinality(entities) > 0)
);
COMMENT ON TABLE analyst.watchlists IS
  'Saved searches analysts follow: each daily run records the new articles matching every enabled one in mart.watch_matches. '
  'An article matches when it satisfies the query (if any), names every entity listed, and comes from one of the outlets (if any).';
COMMENT ON COLUMN analyst.watchlists.watchlist_id IS 'Surrogate key.';
COMMENT ON COLUMN analyst.watchlists.name IS 'Short unique name, shown in alerts and the digest.';
COMMENT ON COLUMN analyst.watchlists.query IS 'Full-text query in web-search syntax, as for mart.search(); null for entity-only watchlists.';
COMMENT ON COLUMN analyst.watchlists.entities IS 'Canonical entities (names or aliases) the article must all name: one for an entity, two for a pair.';
COMMENT ON COLUMN analyst.watchlists.sources IS 'Outlets to restrict to; empty for all.';
COMMENT ON COLUMN analyst.watchlists.enabled IS 'false pauses the watchlist without losing it or its matches.';
COMMENT ON COLUMN analyst.watchlists.created_by IS 'Database user who created it.';
COMMENT ON COLUMN analyst.watchlists.created_at IS 'When it was created.';
GRANT SELECT, INSERT, UPDATE, DELETE ON analyst.watchlists TO mediamon_analyst;

CREATE TABLE mart.watch_matches (
    watch_match_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    watchlist_id    bigint      NOT NULL REFERENCES analyst.watchlists ON DELETE CASCADE,
    watchlist       text        NOT NULL,
    article_id      bigint      NOT NULL REFERENCES core.articles ON DELETE CASCADE,
    story_id        bigint,
    day             date        NOT NULL,
    source          text        NOT NULL,
    title           text,
    url             text        NOT NULL,
    snippet         text,
    rank            real,
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    run_day         date        NOT NULL,
    UNIQUE (watchlist_id, article_id)
);
CREATE INDEX watch_matches_day_idx ON mart.watch_matches (day);
COMMENT ON TABLE mart.watch_matches IS
  'Articles that matched a watchlist, one row per (watchlist, article), recorded by the daily run that first saw the match; re-runs add nothing.';
COMMENT ON COLUMN mart.watch_matches.watch_match_id IS 'Surrogate key (what ops.deliveries refers to).';
COMMENT ON COLUMN mart.watch_matches.watchlist_id IS 'The watchlist (analyst.watchlists).';
COMMENT ON COLUMN mart.watch_matches.watchlist IS 'Its name when the match was found.';
COMMENT ON COLUMN mart.watch_matches.article_id IS 'The matching article.';
COMMENT ON COLUMN mart.watch_matches.story_id IS 'Its story, if grouped.';
COMMENT ON COLUMN mart.watch_matches.day IS 'The article''s day (publication, or first seen when undated; Asia/Almaty).';
COMMENT ON COLUMN mart.watch_matches.source IS 'Outlet.';
COMMENT ON COLUMN mart.watch_matches.title IS 'Headline.';
COMMENT ON COLUMN mart.watch_matches.url IS 'Article URL.';
COMMENT ON COLUMN mart.watch_matches.snippet IS 'Where it matched: ts_headline of the query (matched words in [brackets]), else the sentence naming the entity.';
COMMENT ON COLUMN mart.watch_matches.rank IS 'ts_rank of the query (null for entity-only watchlists).';
COMMENT ON COLUMN mart.watch_matches.first_seen_at IS 'When the pipeline first found the match.';
COMMENT ON COLUMN mart.watch_matches.run_day IS 'Logical day of the run that found it.';

CREATE TABLE mart.alerts (
    alert_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text             NOT NULL CHECK (kind IN ('entity', 'dyad', 'story', 'breaking')),
    subject_key   text             NOT NULL,
    subject       text             NOT NULL,
    entity_ids    bigint[]         NOT NULL DEFAULT '{}',
    story_id      bigint,
    day           date             NOT NULL,
    count         integer          NOT NULL CHECK (count >= 0),
    baseline      double precision NOT NULL,
    score         double precision NOT NULL,
    top_articles  jsonb            NOT NULL DEFAULT '[]'::jsonb,
    method        text             NOT NULL,
    detected_at   timestamptz      NOT NULL DEFAULT now(),
    updated_at    timestamptz      NOT NULL DEFAULT now(),
    UNIQUE (kind, subject_key, day)
);
CREATE INDEX alerts_day_idx ON mart.alerts (day);
COMMENT ON TABLE mart.alerts IS
  'Spikes: a canonical entity, an entity pair (dyad) or a story with far more articles on a day than its trailing baseline, '
  'and breaking stories (many new outlets in one day). One row per (kind, subject, day); a re-run updates the figures, never duplicates. Method: docs/alerts.md.';
COMMENT ON COLUMN mart.alerts.alert_id IS 'Surrogate key (what ops.deliveries refers to).';
COMMENT ON COLUMN mart.alerts.kind IS 'entity, dyad (two entities named in the same articles), story (an existing story resurging) or breaking (a story many outlets took up that day).';
COMMENT ON COLUMN mart.alerts.subject_key IS 'Stable key of the subject: entity:<id>, dyad:<id>:<id> (smaller first) or story:<id>.';
COMMENT ON COLUMN mart.alerts.subject IS 'Readable subject: canonical name(s) or story title.';
COMMENT ON COLUMN mart.alerts.entity_ids IS 'Canonical entities of the subject (one or two; empty for stories).';
COMMENT ON COLUMN mart.alerts.story_id IS 'The story, for kinds story and breaking.';
COMMENT ON COLUMN mart.alerts.day IS 'The day of the spike (Asia/Almaty; undated articles count on their first-seen day).';
COMMENT ON COLUMN mart.alerts.count IS 'Articles that day (entity, dyad, story) or outlets new to the story that day (breaking).';
COMMENT ON COLUMN mart.alerts.baseline IS 'Expected value: mean articles per day over the trailing window (breaking: outlets the story had before).';
COMMENT ON COLUMN mart.alerts.score IS 'Surprise: -log10 of the probability of at least count under the baseline (Poisson or negative binomial); breaking: new outlets.';
COMMENT ON COLUMN mart.alerts.top_articles IS 'Evidence: up to five articles of the day, [{article_id, source, title, url}], most relevant first.';
COMMENT ON COLUMN mart.alerts.method IS 'Detector version and its settings when the alert was computed.';
COMMENT ON COLUMN mart.alerts.detected_at IS 'When the alert was first recorded.';
COMMENT ON COLUMN mart.alerts.updated_at IS 'When its figures last changed (a re-run with more articles).';

CREATE TABLE ops.deliveries (
    delivery_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_kind         text        NOT NULL CHECK (item_kind IN ('alert', 'watch_match')),
    item_id           bigint      NOT NULL,
    channel           text        NOT NULL CHECK (channel IN ('email', 'webhook')),
    status            text        NOT NULL CHECK (status IN ('sent', 'failed')),
    attempts          integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error        text,
    first_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_attempt_at   timestamptz NOT NULL DEFAULT now(),
    sent_at           timestamptz,
    UNIQUE (item_kind, item_id, channel),
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
COMMENT ON TABLE ops.deliveries IS
  'Each alert and watchlist match per channel: sent (never sent again) or failed (retried by the next notify, attempts counted).';
COMMENT ON COLUMN ops.deliveries.delivery_id IS 'Surrogate key.';
COMMENT ON COLUMN ops.deliveries.item_kind IS 'alert (mart.alerts) or watch_match (mart.watch_matches).';
COMMENT ON COLUMN ops.deliveries.item_id IS 'alert_id or watch_match_id.';
COMMENT ON COLUMN ops.deliveries.channel IS 'email (SMTP) or webhook (JSON POST).';
COMMENT ON COLUMN ops.deliveries.status IS 'sent or failed.';
COMMENT ON COLUMN ops.deliveries.attempts IS 'Attempts so far, over all runs.';
COMMENT ON COLUMN ops.deliveries.last_error IS 'The last failure, e.g. connection refused or HTTP 500.';
COMMENT ON COLUMN ops.deliveries.first_attempt_at IS 'When delivery was first tried.';
COMMENT ON COLUMN ops.deliveries.last_attempt_at IS 'When delivery was last tried.';
COMMENT ON COLUMN ops.deliveries.sent_at IS 'When it was delivered.';
