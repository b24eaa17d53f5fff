-- First-seen lookups in one index descent (issues 11 and 17).
--
-- Every core.articles write asks raw.articles for the earliest fetch of its URL:
--   SELECT min(fetched_at) FROM raw.articles WHERE url_fingerprint = $1
-- (the normalizer's upsert, and the honest-dates trigger of 0100 when a writer leaves
-- first_seen_at out). No index had both columns, so PostgreSQL chose between the
-- (url_fingerprint, content_sha256) unique index (find the URL's versions, then take the minimum)
-- and articles_fetched_at_idx (walk fetched_at upwards until a row of that URL turns up). Without
-- statistics on raw.articles — a fresh database, rows landed since the last ANALYZE, and always
-- inside the trigger, whose plan is cached for the session — it took the second: for a URL landed
-- after most of the table, that walk reads nearly every row, once per article written. Loading
-- core.articles slowed as raw.articles grew (1,750 → 140 rows/s over 20,000 rows; 45 rows/s further
-- on), which is why bench/stories_bench.py could not build a 100,000-article history.
--
-- With (url_fingerprint, fetched_at) the minimum is the first index entry of the URL whatever the
-- statistics say; the trigger and the normalizer are unchanged, so is what they store.

CREATE INDEX raw_articles_url_fingerprint_fetched_at_idx ON raw.articles (url_fingerprint, fetched_at);
COMMENT ON INDEX raw.raw_articles_url_fingerprint_fetched_at_idx IS
  'Earliest fetch of a URL (core.articles.first_seen_at) in one descent: min(fetched_at) WHERE url_fingerprint = ..., '
  'used by the normalizer''s upsert and the honest-dates trigger on every article written.';
