-- Honest outcomes (issue 12):
-- 1. A crawl or stage whose process was killed stayed 'running' forever. Each run now records the
--    PostgreSQL backend of the connection that holds it open (pid + backend start); the next run
--    marks 'abandoned' every 'running' row whose backend is gone (transforms/run_log.py).
-- 2. A text cut by the normalizer (flag text_truncated in core.articles.flags) was not visible in
--    mart: mart.article_flags carries the normalizer's flags of every analyst-visible article.

ALTER TABLE ops.crawl_runs DROP CONSTRAINT crawl_runs_status_check;
ALTER TABLE ops.crawl_runs ADD CONSTRAINT crawl_runs_status_check
    CHECK (status IN ('running', 'finished', 'failed', 'abandoned'));
ALTER TABLE ops.crawl_runs ADD COLUMN backend_pid integer;
ALTER TABLE ops.crawl_runs ADD COLUMN backend_started_at timestamptz;
COMMENT ON COLUMN ops.crawl_runs.status IS
  'running, finished, failed (the spider closed for another reason than finished), or abandoned '
  '(its process died without closing the run: marked so by the next run).';
COMMENT ON COLUMN ops.crawl_runs.backend_pid IS
  'PostgreSQL backend pid of the connection the running crawl holds open; with backend_started_at it '
  'tells a live run from one whose process was killed.';
COMMENT ON COLUMN ops.crawl_runs.backend_started_at IS 'Start time of that backend (pids are reused).';

ALTER TABLE ops.stage_runs DROP CONSTRAINT stage_runs_status_check;
ALTER TABLE ops.stage_runs ADD CONSTRAINT stage_runs_status_check
    CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned'));
ALTER TABLE ops.stage_runs ADD COLUMN backend_pid integer;
ALTER TABLE ops.stage_runs ADD COLUMN backend_started_at timestamptz;
COMMENT ON COLUMN ops.stage_runs.status IS
  'running, succeeded, failed, or abandoned (its process died mid-run: marked so by the next run).';
COMMENT ON COLUMN ops.stage_runs.backend_pid IS
  'PostgreSQL backend pid of the connection holding the run record open (null for stages that do not '
  'record it; those are never marked abandoned).';
COMMENT ON COLUMN ops.stage_runs.backend_started_at IS 'Start time of that backend (pids are reused).';

CREATE MATERIALIZED VIEW mart.article_flags AS
SELECT a.article_id,
       'text_truncated' = ANY (c.flags) AS text_truncated,
       c.flags
FROM mart.articles AS a
JOIN core.articles AS c ON c.article_id = a.article_id;
CREATE UNIQUE INDEX mart_article_flags_pk ON mart.article_flags (article_id);
COMMENT ON MATERIALIZED VIEW mart.article_flags IS
  'What the normalizer noticed about each article of mart.articles; text_truncated marks a text cut to '
  'the length limit, so counts over its text (mentions, quotes) cover only its first part.';
COMMENT ON COLUMN mart.article_flags.article_id IS 'The article, as in mart.articles.';
COMMENT ON COLUMN mart.article_flags.text_truncated IS
  'True when the cleaned text was cut at the normalizer''s limit (200,000 characters).';
COMMENT ON COLUMN mart.article_flags.flags IS
  'Every normalizer flag (core.articles.flags): title_missing, text_truncated, very_short, language_kk, ...';
GRANT SELECT ON mart.article_flags TO mediamon_analyst;
