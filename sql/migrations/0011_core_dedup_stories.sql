-- Deduplication and stories: the persisted MinHash LSH index (signatures + band keys), duplicate
-- pairs, each article's duplicate_of, stories with their term vectors, and corpus term statistics.
-- All rebuildable from core.articles by transforms.dedup.deduplicate_pending.

CREATE TABLE core.minhash_signatures (
    article_id     bigint      PRIMARY KEY REFERENCES core.articles ON DELETE CASCADE,
    text_sha256    text        NOT NULL,
    published_at   timestamptz NOT NULL,
    hashvalues     bytea       NOT NULL,
    n_shingles     integer     NOT NULL CHECK (n_shingles >= 0),
    dedup_version  text        NOT NULL,
    processed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX minhash_signatures_text_sha256_idx ON core.minhash_signatures (text_sha256);
COMMENT ON TABLE core.minhash_signatures IS
  'MinHash signature of each deduplicated article (which text and dedup version it was computed for): '
  'the dedup stage''s memory; an article whose text or the dedup version changed is pending again.';
COMMENT ON COLUMN core.minhash_signatures.article_id IS 'The article.';
COMMENT ON COLUMN core.minhash_signatures.text_sha256 IS 'core.articles.text_sha256 the signature was computed from.';
COMMENT ON COLUMN core.minhash_signatures.published_at IS 'Publication time used to pick the earliest member of a duplicate group.';
COMMENT ON COLUMN core.minhash_signatures.hashvalues IS 'MinHash values: 128 little-endian uint32 (datasketch affine32, seed 1, word 5-shingles).';
COMMENT ON COLUMN core.minhash_signatures.n_shingles IS 'Distinct shingles in the text (for containment estimates).';
COMMENT ON COLUMN core.minhash_signatures.dedup_version IS 'transforms.dedup.DEDUP_VERSION that processed the article.';
COMMENT ON COLUMN core.minhash_signatures.processed_at IS 'When the article was deduplicated.';

CREATE TABLE core.minhash_bands (
    band        smallint NOT NULL,
    band_key    bigint   NOT NULL,
    article_id  bigint   NOT NULL REFERENCES core.articles ON DELETE CASCADE,
    PRIMARY KEY (band, band_key, article_id)
);
CREATE INDEX minhash_bands_article_idx ON core.minhash_bands (article_id);
COMMENT ON TABLE core.minhash_bands IS
  'LSH buckets: one row per (band, hashed band of the signature, article). Articles sharing a bucket are '
  'near-duplicate candidates; a daily run looks up only its new articles'' buckets. Exact copies are not added.';
COMMENT ON COLUMN core.minhash_bands.band IS 'Band number (0..bands-1).';
COMMENT ON COLUMN core.minhash_bands.band_key IS '64-bit hash of the band''s rows of the signature.';
COMMENT ON COLUMN core.minhash_bands.article_id IS 'The article in this bucket.';

CREATE TABLE core.duplicate_pairs (
    article_id        bigint  NOT NULL REFERENCES core.articles ON DELETE CASCADE,
    other_article_id  bigint  NOT NULL REFERENCES core.articles ON DELETE CASCADE,
    similarity        numeric NOT NULL CHECK (similarity BETWEEN 0 AND 1),
    method            text    NOT NULL CHECK (method IN ('exact', 'minhash')),
    PRIMARY KEY (article_id, other_article_id),
    CHECK (article_id <> other_article_id)
);
CREATE INDEX duplicate_pairs_other_idx ON core.duplicate_pairs (other_article_id);
COMMENT ON TABLE core.duplicate_pairs IS 'Every exact or near-duplicate pair found (article_id is the one processed later).';
COMMENT ON COLUMN core.duplicate_pairs.article_id IS 'The article processed later.';
COMMENT ON COLUMN core.duplicate_pairs.other_article_id IS 'The earlier-processed article it duplicates.';
COMMENT ON COLUMN core.duplicate_pairs.similarity IS 'Estimated Jaccard similarity of word 5-shingles (1 for exact copies).';
COMMENT ON COLUMN core.duplicate_pairs.method IS 'exact (same text_sha256) or minhash (LSH candidate verified on signatures).';

CREATE TABLE core.duplicates (
    article_id    bigint  PRIMARY KEY REFERENCES core.articles ON DELETE CASCADE,
    duplicate_of  bigint  NOT NULL REFERENCES core.articles ON DELETE CASCADE,
    similarity    numeric NOT NULL CHECK (similarity BETWEEN 0 AND 1),
    method        text    NOT NULL CHECK (method IN ('exact', 'minhash')),
    CHECK (article_id <> duplicate_of)
);
CREATE INDEX duplicates_duplicate_of_idx ON core.duplicates (duplicate_of);
COMMENT ON TABLE core.duplicates IS
  'Articles that duplicate another: duplicate_of is the earliest-published member of the group (pairs linked '
  'transitively). Originals have no row.';
COMMENT ON COLUMN core.duplicates.article_id IS 'The duplicate.';
COMMENT ON COLUMN core.duplicates.duplicate_of IS 'Earliest-published article of its duplicate group (ties: smallest id).';
COMMENT ON COLUMN core.duplicates.similarity IS 'Estimated Jaccard similarity to duplicate_of (1 for exact copies).';
COMMENT ON COLUMN core.duplicates.method IS 'exact when its text equals duplicate_of''s, else minhash.';

CREATE TABLE core.stories (
    story_id            bigint      PRIMARY KEY,
    title               text,
    first_published_at  timestamptz NOT NULL,
    last_published_at   timestamptz NOT NULL,
    article_count       integer     NOT NULL DEFAULT 0 CHECK (article_count >= 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (first_published_at <= last_published_at)
);
CREATE INDEX stories_span_idx ON core.stories (first_published_at, last_published_at);
COMMENT ON TABLE core.stories IS
  'Stories: articles about the same event from any outlet. story_id is the article_id of the article that '
  'founded it, so it never changes.';
COMMENT ON COLUMN core.stories.story_id IS 'Stable id: the article_id of the founding article.';
COMMENT ON COLUMN core.stories.title IS 'Title of the founding article.';
COMMENT ON COLUMN core.stories.first_published_at IS 'Earliest publication time among its articles.';
COMMENT ON COLUMN core.stories.last_published_at IS 'Latest publication time among its articles.';
COMMENT ON COLUMN core.stories.article_count IS 'Articles in the story (duplicates included).';
COMMENT ON COLUMN core.stories.created_at IS 'When the story was founded.';

CREATE TABLE core.story_articles (
    article_id   bigint      PRIMARY KEY REFERENCES core.articles ON DELETE CASCADE,
    story_id     bigint      NOT NULL REFERENCES core.stories ON DELETE CASCADE,
    similarity   numeric     CHECK (similarity BETWEEN -1 AND 1),
    assigned_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX story_articles_story_idx ON core.story_articles (story_id);
COMMENT ON TABLE core.story_articles IS 'Which story each article belongs to; assigned once, never moved.';
COMMENT ON COLUMN core.story_articles.article_id IS 'The article.';
COMMENT ON COLUMN core.story_articles.story_id IS 'Its story.';
COMMENT ON COLUMN core.story_articles.similarity IS 'Cosine similarity to the story when it joined (1 for a duplicate joining its original''s story, null for the founder).';
COMMENT ON COLUMN core.story_articles.assigned_at IS 'When it was assigned.';

CREATE TABLE core.story_terms (
    story_id  bigint NOT NULL REFERENCES core.stories ON DELETE CASCADE,
    term      text   NOT NULL,
    weight    double precision NOT NULL,
    PRIMARY KEY (story_id, term)
);
CREATE INDEX story_terms_term_idx ON core.story_terms (term);
COMMENT ON TABLE core.story_terms IS 'Each story''s TF-IDF centroid (top 300 stems, L2-normed); indexed by term to find candidate stories.';
COMMENT ON COLUMN core.story_terms.story_id IS 'The story.';
COMMENT ON COLUMN core.story_terms.term IS 'A stem (first 5 letters of a word).';
COMMENT ON COLUMN core.story_terms.weight IS 'Its weight in the centroid.';

CREATE TABLE core.story_term_df (
    term  text    PRIMARY KEY,
    df    integer NOT NULL CHECK (df >= 0)
);
COMMENT ON TABLE core.story_term_df IS 'Document frequency of each stem over original (non-duplicate) articles: the IDF of story vectors.';
COMMENT ON COLUMN core.story_term_df.term IS 'A stem.';
COMMENT ON COLUMN core.story_term_df.df IS 'Original articles containing it.';

CREATE TABLE core.story_corpus (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    n_docs     integer NOT NULL CHECK (n_docs >= 0)
);
COMMENT ON TABLE core.story_corpus IS 'One row: how many original articles core.story_term_df counts (N of the IDF).';
COMMENT ON COLUMN core.story_corpus.singleton IS 'Always true: the table has one row.';
COMMENT ON COLUMN core.story_corpus.n_docs IS 'Original articles counted.';
