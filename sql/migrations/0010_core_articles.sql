-- core.articles: one clean article per URL (url_fingerprint), rebuilt from raw.articles by the
-- normalizer; core.normalize_log: which raw version each normalizer version has handled, so a
-- run knows what is pending and a new version re-normalizes everything.

CREATE TABLE core.articles (
    article_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url_fingerprint      text        NOT NULL UNIQUE,
    raw_article_id       bigint      NOT NULL REFERENCES raw.articles,
    url                  text        NOT NULL,
    source               text        NOT NULL,
    title                text,
    title_method         text        CHECK (title_method IN
                         ('header', 'header_lede', 'first_line', 'first_sentence', 'metadata')),
    flags                text[]      NOT NULL DEFAULT '{}',
    published_at         timestamptz NOT NULL,
    published_at_method  text        NOT NULL CHECK (published_at_method IN ('header', 'text', 'crawl_time')),
    authors              text[]      NOT NULL DEFAULT '{}',
    attributed_sources   text[]      NOT NULL DEFAULT '{}',
    language             text        NOT NULL CHECK (language IN ('ru', 'kk', 'other')),
    text                 text        NOT NULL,
    text_sha256          text        NOT NULL CHECK (text_sha256 ~ '^[0-9a-f]{64}$'),
    word_count           integer     NOT NULL CHECK (word_count >= 0),
    normalizer_version   text        NOT NULL,
    normalized_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((title IS NULL) = (title_method IS NULL))
);
CREATE INDEX core_articles_text_sha256_idx ON core.articles (text_sha256);
CREATE INDEX core_articles_published_at_idx ON core.articles (published_at);
CREATE INDEX core_articles_raw_article_id_idx ON core.articles (raw_article_id);
COMMENT ON TABLE core.articles IS
  'Normalized articles: one row per URL (url_fingerprint), from its latest landed raw version. '
  'Rebuildable from raw.articles; normalizer_version says which normalizer produced the row.';
COMMENT ON COLUMN core.articles.article_id IS 'Stable article key: assigned once per url_fingerprint and kept across re-normalizations.';
COMMENT ON COLUMN core.articles.url_fingerprint IS 'SHA-1 of the canonical URL (raw.articles.url_fingerprint).';
COMMENT ON COLUMN core.articles.raw_article_id IS 'The raw.articles version this row was normalized from.';
COMMENT ON COLUMN core.articles.url IS 'Where the article came from.';
COMMENT ON COLUMN core.articles.source IS 'Outlet or registry name that landed it (raw.articles.source).';
COMMENT ON COLUMN core.articles.title IS 'Headline: header line, first line or short first sentence, or spider metadata; null when none reads as a headline.';
COMMENT ON COLUMN core.articles.title_method IS 'Where the title came from: header, header_lede (first sentence of a lede on the header line), first_line, first_sentence, metadata.';
COMMENT ON COLUMN core.articles.flags IS 'What the normalizer noticed or repaired: title_missing, lookalikes_repaired, invisible_chars_removed, text_truncated, very_short, language_kk, language_other, published_after_crawl, body_empty.';
COMMENT ON COLUMN core.articles.published_at IS 'Publication time; day-precision dates (header, text) are stored at 00:00 UTC.';
COMMENT ON COLUMN core.articles.published_at_method IS 'header (fixture header line or page metadata), text (a dated phrase, never after the crawl), crawl_time (fallback).';
COMMENT ON COLUMN core.articles.authors IS 'Authors from bylines such as «Текст: Денис Тельманов», or the spider''s author hint.';
COMMENT ON COLUMN core.articles.attributed_sources IS 'Outlets the text credits («передает ТАСС», «сообщает Zakon.kz», «газета ВЗГЛЯД»), in order of mention.';
COMMENT ON COLUMN core.articles.language IS 'ru, kk (Kazakh) or other, from letters and function words.';
COMMENT ON COLUMN core.articles.text IS 'Clean text: NFC, look-alikes repaired, «» quotes, consistent dashes, paragraphs separated by a blank line; title and bylines removed.';
COMMENT ON COLUMN core.articles.text_sha256 IS 'SHA-256 of text: equal hashes are exact duplicates.';
COMMENT ON COLUMN core.articles.word_count IS 'Words (letter runs) in text.';
COMMENT ON COLUMN core.articles.normalizer_version IS 'transforms.normalize.NORMALIZER_VERSION that produced the row.';
COMMENT ON COLUMN core.articles.normalized_at IS 'When the row last changed.';

CREATE TABLE core.normalize_log (
    raw_article_id      bigint      NOT NULL REFERENCES raw.articles,
    normalizer_version  text        NOT NULL,
    outcome             text        NOT NULL CHECK (outcome IN ('article', 'quarantined')),
    article_id          bigint      REFERENCES core.articles,
    reason_code         text,
    processed_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (raw_article_id, normalizer_version),
    CHECK ((outcome = 'article') = (article_id IS NOT NULL))
);
COMMENT ON TABLE core.normalize_log IS
  'Which raw version each normalizer version has handled and with what outcome; a raw row with no '
  'entry for the current version is pending.';
COMMENT ON COLUMN core.normalize_log.raw_article_id IS 'The raw.articles version handled.';
COMMENT ON COLUMN core.normalize_log.normalizer_version IS 'Normalizer version that handled it.';
COMMENT ON COLUMN core.normalize_log.outcome IS 'article (written to core.articles) or quarantined (see ops.quarantine, stage normalize).';
COMMENT ON COLUMN core.normalize_log.article_id IS 'The core.articles row written, for outcome article.';
COMMENT ON COLUMN core.normalize_log.reason_code IS 'Quarantine reason code, for outcome quarantined.';
COMMENT ON COLUMN core.normalize_log.processed_at IS 'When it was last handled.';
