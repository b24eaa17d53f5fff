-- Honest dates (issue 15): an article whose text and page give no date has published_at NULL,
-- not its crawl time; first_seen_at says when the pipeline first fetched its URL, and
-- published_precision says whether the source gave a day or a time, so a date-only article is
-- never shown at "05:00" (midnight UTC in Almaty). published_at_method keeps its values:
-- 'crawl_time' now means "no date found" (published_at NULL), so code that tested it still works.

ALTER TABLE core.articles ADD COLUMN first_seen_at timestamptz;
ALTER TABLE core.articles ADD COLUMN published_precision text CHECK (published_precision IN ('day', 'time'));

UPDATE core.articles AS a
SET first_seen_at = (SELECT min(r.fetched_at) FROM raw.articles AS r WHERE r.url_fingerprint = a.url_fingerprint);
UPDATE core.articles AS a
SET first_seen_at = (SELECT r.fetched_at FROM raw.articles AS r WHERE r.raw_article_id = a.raw_article_id)
WHERE first_seen_at IS NULL;
ALTER TABLE core.articles ALTER COLUMN first_seen_at SET NOT NULL;

ALTER TABLE core.articles ALTER COLUMN published_at DROP NOT NULL;
UPDATE core.articles SET published_at = NULL WHERE published_at_method = 'crawl_time';
UPDATE core.articles
SET published_precision = CASE
    WHEN published_at IS NULL THEN NULL
    WHEN published_at_method = 'text' OR published_at = date_trunc('day', published_at, 'UTC') THEN 'day'
    ELSE 'time' END;
ALTER TABLE core.articles
    ADD CONSTRAINT articles_undated_check CHECK ((published_at IS NULL) = (published_at_method = 'crawl_time')),
    ADD CONSTRAINT articles_precision_check CHECK ((published_at IS NULL) = (published_precision IS NULL));
-- Every writer (the normalizer, tests, benchmarks, by-hand fixes) gets the same rules: an undated
-- row has no publication time, first_seen_at comes from raw when not given, and a midnight-UTC
-- header/text date is a day.
CREATE FUNCTION core.articles_honest_dates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.published_at_method = 'crawl_time' THEN
        NEW.published_at := NULL;
        NEW.published_precision := NULL;
    ELSIF NEW.published_precision IS NULL AND NEW.published_at IS NOT NULL THEN
        NEW.published_precision := CASE
            WHEN NEW.published_at_method = 'text' OR NEW.published_at = date_trunc('day', NEW.published_at, 'UTC')
            THEN 'day' ELSE 'time' END;
    END IF;
    IF NEW.first_seen_at IS NULL THEN
        NEW.first_seen_at := coalesce(
            (SELECT min(r.fetched_at) FROM raw.articles AS r WHERE r.url_fingerprint = NEW.url_fingerprint),
            (SELECT r.fetched_at FROM raw.articles AS r WHERE r.raw_article_id = NEW.raw_article_id));
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION core.articles_honest_dates() IS
  'Trigger: undated articles (published_at_method = crawl_time) get published_at null; fills published_precision and first_seen_at when a writer leaves them out.';
CREATE TRIGGER articles_honest_dates BEFORE INSERT OR UPDATE ON core.articles
    FOR EACH ROW EXECUTE FUNCTION core.articles_honest_dates();

CREATE INDEX core_articles_first_seen_at_idx ON core.articles (first_seen_at);

COMMENT ON COLUMN core.articles.published_at IS
  'Publication time as the source gave it; null when neither page nor text dates the article (never the crawl time). '
  'Day-precision dates (published_precision = day) are stored at 00:00 UTC.';
COMMENT ON COLUMN core.articles.published_at_method IS
  'header (fixture header line or page metadata), text (a dated phrase, never after the crawl), '
  'crawl_time (no date found: published_at is null, see first_seen_at).';
COMMENT ON COLUMN core.articles.first_seen_at IS
  'When the pipeline first fetched this URL (earliest raw.articles.fetched_at): not a publication date; '
  'use it only where a query says so, e.g. COALESCE(published_at, first_seen_at) to order undated articles.';
COMMENT ON COLUMN core.articles.published_precision IS
  'day (the source gave a date only: show no time) or time (the source gave a time); null when undated.';
