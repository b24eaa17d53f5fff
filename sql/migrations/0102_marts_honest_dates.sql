-- Marts with honest dates and external ids (issue 15). Same views as 0041 plus:
-- mart.articles.published_precision / first_seen_at / first_seen_day; day and published_at are
-- null for undated articles, and the per-day views count dated articles only (an undated
-- article's crawl day is not its publication day); story spans come from dated articles only;
-- mart.quotes.speaker_type; mart.entity_mentions.wikidata_qid; new mart.entities.
-- Dropped in reverse dependency order and recreated (materialized views cannot be altered).

-- mart.article_flags (0070) reads mart.articles: dropped first, recreated at the end as it was.
DROP MATERIALIZED VIEW mart.article_flags;
DROP MATERIALIZED VIEW mart.quotes;
DROP MATERIALIZED VIEW mart.money_facts;
DROP MATERIALIZED VIEW mart.source_freshness;
DROP MATERIALIZED VIEW mart.source_daily_activity;
DROP MATERIALIZED VIEW mart.story_timeline;
DROP MATERIALIZED VIEW mart.entity_cooccurrence_daily;
DROP MATERIALIZED VIEW mart.entity_daily_totals;
DROP MATERIALIZED VIEW mart.entity_daily_mentions;
DROP MATERIALIZED VIEW mart.entity_mentions;
DROP MATERIALIZED VIEW mart.articles;

-- Articles analysts see: not quarantined by the quality stage, with their story and duplicate status.
CREATE MATERIALIZED VIEW mart.articles AS
WITH quarantined AS (
    SELECT DISTINCT row_key::bigint AS article_id
    FROM ops.quality_quarantined_rows WHERE table_name = 'core.articles'
),
kept AS (
    SELECT a.* FROM core.articles AS a
    WHERE NOT EXISTS (SELECT 1 FROM quarantined AS q WHERE q.article_id = a.article_id)
)
SELECT k.article_id,
       k.source,
       k.url,
       k.title,
       k.published_at,
       (k.published_at AT TIME ZONE 'Asia/Almaty')::date AS day,
       k.published_at_method,
       k.published_precision,
       k.first_seen_at,
       (k.first_seen_at AT TIME ZONE 'Asia/Almaty')::date AS first_seen_day,
       k.authors,
       k.language,
       k.word_count,
       sa.story_id,
       d.duplicate_of,
       d.method AS duplicate_method
FROM kept AS k
LEFT JOIN core.story_articles AS sa ON sa.article_id = k.article_id
LEFT JOIN core.duplicates AS d ON d.article_id = k.article_id;
CREATE UNIQUE INDEX mart_articles_pk ON mart.articles (article_id);
CREATE INDEX mart_articles_day_idx ON mart.articles (day);
COMMENT ON MATERIALIZED VIEW mart.articles IS
  'Every article analysts can use: core.articles minus rows quarantined by the quality checks, with its story and duplicate link.';
COMMENT ON COLUMN mart.articles.article_id IS 'Stable article id (one per URL), as in core.articles.';
COMMENT ON COLUMN mart.articles.source IS 'Outlet that published it.';
COMMENT ON COLUMN mart.articles.url IS 'Where it was published (seed://file for fixtures).';
COMMENT ON COLUMN mart.articles.title IS 'Headline.';
COMMENT ON COLUMN mart.articles.published_at IS 'Publication time (timestamptz); null when the article gives no date (never the crawl time).';
COMMENT ON COLUMN mart.articles.day IS 'Publication day in Kazakhstan time (Asia/Almaty); null when undated.';
COMMENT ON COLUMN mart.articles.published_at_method IS 'Where the date came from: header, text, or crawl_time (no date found: published_at and day are null).';
COMMENT ON COLUMN mart.articles.published_precision IS 'day (the source gave only a date: show no time) or time; null when undated.';
COMMENT ON COLUMN mart.articles.first_seen_at IS 'When the pipeline first fetched the URL: not a publication date.';
COMMENT ON COLUMN mart.articles.first_seen_day IS 'first_seen_at as a Kazakhstan day.';
COMMENT ON COLUMN mart.articles.authors IS 'Bylines found in the article.';
COMMENT ON COLUMN mart.articles.language IS 'ru, kk or other.';
COMMENT ON COLUMN mart.articles.word_count IS 'Words in the cleaned text.';
COMMENT ON COLUMN mart.articles.story_id IS 'The story (event) the article belongs to, if grouped.';
COMMENT ON COLUMN mart.articles.duplicate_of IS 'The article this one duplicates (reprint or copy), null for originals.';
COMMENT ON COLUMN mart.articles.duplicate_method IS 'How the duplicate was found: exact or minhash; null for originals.';

-- Linked mentions in analyst-visible articles, minus quarantined mention rows (shared by the views below).
CREATE MATERIALIZED VIEW mart.entity_mentions AS
SELECT m.mention_id,
       m.article_id,
       a.source,
       a.day,
       a.published_at,
       m.entity_id,
       e.canonical_name,
       e.type AS entity_type,
       e.wikidata_qid,
       m.surface,
       m.sentence
FROM core.mentions AS m
JOIN mart.articles AS a ON a.article_id = m.article_id
JOIN core.entities AS e ON e.entity_id = m.entity_id
WHERE NOT EXISTS (
    SELECT 1 FROM ops.quality_quarantined_rows AS q
    WHERE q.table_name = 'core.mentions' AND q.row_key = m.mention_id::text);
CREATE UNIQUE INDEX mart_entity_mentions_pk ON mart.entity_mentions (mention_id);
CREATE INDEX mart_entity_mentions_entity_day_idx ON mart.entity_mentions (entity_id, day);
COMMENT ON MATERIALIZED VIEW mart.entity_mentions IS
  'Each mention of a canonical entity in an analyst-visible article, with the article''s source and day.';
COMMENT ON COLUMN mart.entity_mentions.mention_id IS 'The mention (core.mentions).';
COMMENT ON COLUMN mart.entity_mentions.article_id IS 'Article it occurs in.';
COMMENT ON COLUMN mart.entity_mentions.source IS 'Outlet of the article.';
COMMENT ON COLUMN mart.entity_mentions.day IS 'Publication day of the article (Asia/Almaty); null when undated.';
COMMENT ON COLUMN mart.entity_mentions.wikidata_qid IS 'Wikidata item of the entity, when known (core.entities.wikidata_qid).';
COMMENT ON COLUMN mart.entity_mentions.published_at IS 'Publication time of the article.';
COMMENT ON COLUMN mart.entity_mentions.entity_id IS 'Canonical entity the mention is linked to.';
COMMENT ON COLUMN mart.entity_mentions.canonical_name IS 'The entity''s canonical name, e.g. Касым-Жомарт Токаев.';
COMMENT ON COLUMN mart.entity_mentions.entity_type IS 'PER, LOC or ORG.';
COMMENT ON COLUMN mart.entity_mentions.surface IS 'The words as written in the article.';
COMMENT ON COLUMN mart.entity_mentions.sentence IS 'The sentence the mention is in.';

CREATE MATERIALIZED VIEW mart.entity_daily_mentions AS
SELECT day,
       entity_id,
       canonical_name,
       entity_type,
       source,
       count(*)                   AS mentions,
       count(DISTINCT article_id) AS articles
FROM mart.entity_mentions
WHERE day IS NOT NULL
GROUP BY day, entity_id, canonical_name, entity_type, source;
CREATE UNIQUE INDEX mart_entity_daily_mentions_pk ON mart.entity_daily_mentions (day, entity_id, source);
COMMENT ON MATERIALIZED VIEW mart.entity_daily_mentions IS
  'Mentions per canonical entity per source per publication day; undated articles are not counted (see mart.entity_mentions). Sum over source for an entity''s daily total (or use mart.entity_daily_totals).';
COMMENT ON COLUMN mart.entity_daily_mentions.day IS 'Publication day (Asia/Almaty).';
COMMENT ON COLUMN mart.entity_daily_mentions.entity_id IS 'Canonical entity.';
COMMENT ON COLUMN mart.entity_daily_mentions.canonical_name IS 'Its canonical name.';
COMMENT ON COLUMN mart.entity_daily_mentions.entity_type IS 'PER, LOC or ORG.';
COMMENT ON COLUMN mart.entity_daily_mentions.source IS 'Outlet.';
COMMENT ON COLUMN mart.entity_daily_mentions.mentions IS 'Times the entity was named that day by that outlet.';
COMMENT ON COLUMN mart.entity_daily_mentions.articles IS 'Articles of that outlet naming the entity that day.';

CREATE MATERIALIZED VIEW mart.entity_daily_totals AS
SELECT day,
       entity_id,
       canonical_name,
       entity_type,
       count(*)                   AS mentions,
       count(DISTINCT article_id) AS articles,
       count(DISTINCT source)     AS sources
FROM mart.entity_mentions
WHERE day IS NOT NULL
GROUP BY day, entity_id, canonical_name, entity_type;
CREATE UNIQUE INDEX mart_entity_daily_totals_pk ON mart.entity_daily_totals (day, entity_id);
COMMENT ON MATERIALIZED VIEW mart.entity_daily_totals IS 'Mentions per canonical entity per publication day, all sources together; undated articles are not counted.';
COMMENT ON COLUMN mart.entity_daily_totals.day IS 'Publication day (Asia/Almaty).';
COMMENT ON COLUMN mart.entity_daily_totals.entity_id IS 'Canonical entity.';
COMMENT ON COLUMN mart.entity_daily_totals.canonical_name IS 'Its canonical name.';
COMMENT ON COLUMN mart.entity_daily_totals.entity_type IS 'PER, LOC or ORG.';
COMMENT ON COLUMN mart.entity_daily_totals.mentions IS 'Times the entity was named that day.';
COMMENT ON COLUMN mart.entity_daily_totals.articles IS 'Articles naming it that day.';
COMMENT ON COLUMN mart.entity_daily_totals.sources IS 'Outlets naming it that day.';

CREATE MATERIALIZED VIEW mart.entity_cooccurrence_daily AS
WITH article_entities AS (
    SELECT DISTINCT article_id, day, entity_id, canonical_name FROM mart.entity_mentions WHERE day IS NOT NULL
)
SELECT a.day,
       a.entity_id      AS entity_a_id,
       a.canonical_name AS entity_a,
       b.entity_id      AS entity_b_id,
       b.canonical_name AS entity_b,
       count(*)         AS articles
FROM article_entities AS a
JOIN article_entities AS b ON b.article_id = a.article_id AND b.entity_id > a.entity_id
GROUP BY a.day, a.entity_id, a.canonical_name, b.entity_id, b.canonical_name;
CREATE UNIQUE INDEX mart_entity_cooccurrence_daily_pk ON mart.entity_cooccurrence_daily (day, entity_a_id, entity_b_id);
COMMENT ON MATERIALIZED VIEW mart.entity_cooccurrence_daily IS
  'Pairs of canonical entities named in the same article, per publication day (undated articles not counted): one row per unordered pair (entity_a_id < entity_b_id).';
COMMENT ON COLUMN mart.entity_cooccurrence_daily.day IS 'Publication day (Asia/Almaty).';
COMMENT ON COLUMN mart.entity_cooccurrence_daily.entity_a_id IS 'The pair''s entity with the smaller id.';
COMMENT ON COLUMN mart.entity_cooccurrence_daily.entity_a IS 'Its canonical name.';
COMMENT ON COLUMN mart.entity_cooccurrence_daily.entity_b_id IS 'The pair''s entity with the larger id.';
COMMENT ON COLUMN mart.entity_cooccurrence_daily.entity_b IS 'Its canonical name.';
COMMENT ON COLUMN mart.entity_cooccurrence_daily.articles IS 'Articles that day naming both.';

CREATE MATERIALIZED VIEW mart.story_timeline AS
WITH members AS (
    SELECT a.story_id, a.article_id, a.source, a.title, a.url, a.published_at, a.first_seen_at,
           row_number() OVER (PARTITION BY a.story_id
                              ORDER BY a.published_at NULLS LAST, a.first_seen_at, a.article_id) AS position
    FROM mart.articles AS a
    WHERE a.story_id IS NOT NULL
),
outlets AS (
    SELECT story_id, source, min(published_at) AS first_at, min(first_seen_at) AS first_seen
    FROM members GROUP BY story_id, source
)
SELECT s.story_id,
       s.title,
       count(m.article_id)                        AS article_count,
       min(m.published_at)                        AS first_published_at,
       max(m.published_at)                        AS last_published_at,
       count(m.article_id) FILTER (WHERE m.published_at IS NULL) AS undated_articles,
       min(m.first_seen_at)                       AS first_seen_at,
       max(m.source)      FILTER (WHERE m.position = 1) AS first_source,
       max(m.article_id)  FILTER (WHERE m.position = 1) AS first_article_id,
       max(m.title)       FILTER (WHERE m.position = 1) AS first_title,
       max(m.url)         FILTER (WHERE m.position = 1) AS first_url,
       (SELECT array_agg(o.source ORDER BY o.first_at NULLS LAST, o.first_seen, o.source) FROM outlets AS o
        WHERE o.story_id = s.story_id)            AS outlets,
       (SELECT count(*) FROM outlets AS o WHERE o.story_id = s.story_id) AS outlet_count
FROM core.stories AS s
JOIN members AS m ON m.story_id = s.story_id
GROUP BY s.story_id, s.title;
CREATE UNIQUE INDEX mart_story_timeline_pk ON mart.story_timeline (story_id);
COMMENT ON MATERIALIZED VIEW mart.story_timeline IS
  'Each story (event) with who reported it first, the outlets that followed in order, its size and time span.';
COMMENT ON COLUMN mart.story_timeline.story_id IS 'Story id (core.stories).';
COMMENT ON COLUMN mart.story_timeline.title IS 'Story title (the grouping''s representative headline).';
COMMENT ON COLUMN mart.story_timeline.article_count IS 'Analyst-visible articles in the story.';
COMMENT ON COLUMN mart.story_timeline.first_published_at IS 'Publication time of the earliest dated article; null when no article of the story is dated.';
COMMENT ON COLUMN mart.story_timeline.last_published_at IS 'Publication time of the latest dated article (undated articles do not stretch the span).';
COMMENT ON COLUMN mart.story_timeline.undated_articles IS 'Articles of the story with no publication date (ordered after the dated ones, by first_seen_at).';
COMMENT ON COLUMN mart.story_timeline.first_seen_at IS 'When the pipeline first fetched any article of the story: not a publication date.';
COMMENT ON COLUMN mart.story_timeline.first_source IS 'The outlet that reported first: earliest dated article, then undated ones by first_seen_at (ties broken by article id).';
COMMENT ON COLUMN mart.story_timeline.first_article_id IS 'The first article.';
COMMENT ON COLUMN mart.story_timeline.first_title IS 'Headline of the first article.';
COMMENT ON COLUMN mart.story_timeline.first_url IS 'URL of the first article.';
COMMENT ON COLUMN mart.story_timeline.outlets IS 'Outlets in the order they first reported the story (the first one included).';
COMMENT ON COLUMN mart.story_timeline.outlet_count IS 'How many outlets reported the story.';

CREATE MATERIALIZED VIEW mart.source_daily_activity AS
SELECT source,
       day,
       count(*)                                       AS articles,
       count(*) FILTER (WHERE duplicate_of IS NULL)   AS original_articles,
       count(DISTINCT story_id)                       AS stories
FROM mart.articles
WHERE day IS NOT NULL
GROUP BY source, day;
CREATE UNIQUE INDEX mart_source_daily_activity_pk ON mart.source_daily_activity (source, day);
COMMENT ON MATERIALIZED VIEW mart.source_daily_activity IS 'Articles each outlet published per day (days without articles have no row; undated articles are not counted).';
COMMENT ON COLUMN mart.source_daily_activity.source IS 'Outlet.';
COMMENT ON COLUMN mart.source_daily_activity.day IS 'Publication day (Asia/Almaty).';
COMMENT ON COLUMN mart.source_daily_activity.articles IS 'Articles published that day.';
COMMENT ON COLUMN mart.source_daily_activity.original_articles IS 'Of which not duplicates of another article.';
COMMENT ON COLUMN mart.source_daily_activity.stories IS 'Distinct stories those articles belong to.';

CREATE MATERIALIZED VIEW mart.source_freshness AS
WITH crawled AS (
    SELECT source, max(fetched_at) AS last_fetched_at, count(*) AS versions_landed
    FROM raw.articles GROUP BY source
),
published AS (
    SELECT source, max(published_at) AS last_published_at, count(*) AS articles,
           count(*) FILTER (WHERE published_at >= now() - interval '7 days') AS articles_last_7_days
    FROM mart.articles GROUP BY source
)
SELECT coalesce(c.source, p.source)                   AS source,
       c.last_fetched_at,
       p.last_published_at,
       coalesce(p.articles, 0)                        AS articles,
       coalesce(p.articles_last_7_days, 0)            AS articles_last_7_days,
       coalesce(c.versions_landed, 0)                 AS versions_landed,
       round(extract(epoch FROM now() - c.last_fetched_at) / 3600.0, 1) AS hours_since_fetch,
       now()                                          AS as_of
FROM crawled AS c
FULL JOIN published AS p ON p.source = c.source;
CREATE UNIQUE INDEX mart_source_freshness_pk ON mart.source_freshness (source);
COMMENT ON MATERIALIZED VIEW mart.source_freshness IS
  'Per outlet: when it was last crawled and last published, and how much; figures are as of the last refresh (as_of).';
COMMENT ON COLUMN mart.source_freshness.source IS 'Outlet.';
COMMENT ON COLUMN mart.source_freshness.last_fetched_at IS 'When a page of this outlet was last fetched.';
COMMENT ON COLUMN mart.source_freshness.last_published_at IS 'Newest publication time among its analyst-visible dated articles (crawl times never count).';
COMMENT ON COLUMN mart.source_freshness.articles IS 'Analyst-visible articles in total.';
COMMENT ON COLUMN mart.source_freshness.articles_last_7_days IS 'Of which published in the 7 days before as_of.';
COMMENT ON COLUMN mart.source_freshness.versions_landed IS 'Raw page versions landed (every crawl that found new bytes).';
COMMENT ON COLUMN mart.source_freshness.hours_since_fetch IS 'Hours between the last fetch and as_of.';
COMMENT ON COLUMN mart.source_freshness.as_of IS 'When the view was refreshed: the moment the figures describe.';

CREATE MATERIALIZED VIEW mart.money_facts AS
SELECT f.fact_id,
       f.article_id,
       a.source,
       a.day,
       a.published_at,
       a.published_precision,
       a.first_seen_at,
       a.title,
       a.url,
       a.story_id,
       f.amount,
       f.currency,
       f.text,
       btrim(substr(c.text, greatest(f.start - 120, 1), (f.stop - greatest(f.start - 120, 1)) + 120)) AS context
FROM core.facts AS f
JOIN mart.articles AS a ON a.article_id = f.article_id
JOIN core.articles AS c ON c.article_id = f.article_id
WHERE f.kind = 'money'
  AND NOT EXISTS (SELECT 1 FROM ops.quality_quarantined_rows AS q
                  WHERE q.table_name = 'core.facts' AND q.row_key = f.fact_id::text);
CREATE UNIQUE INDEX mart_money_facts_pk ON mart.money_facts (fact_id);
COMMENT ON MATERIALIZED VIEW mart.money_facts IS 'Money amounts cited in articles, with the article, its source and date, and the surrounding text.';
COMMENT ON COLUMN mart.money_facts.fact_id IS 'The fact (core.facts).';
COMMENT ON COLUMN mart.money_facts.article_id IS 'Article that cites the amount.';
COMMENT ON COLUMN mart.money_facts.source IS 'Outlet.';
COMMENT ON COLUMN mart.money_facts.day IS 'Publication day (Asia/Almaty); null when the article is undated.';
COMMENT ON COLUMN mart.money_facts.published_at IS 'Publication time; null when undated.';
COMMENT ON COLUMN mart.money_facts.published_precision IS 'day or time (see mart.articles.published_precision).';
COMMENT ON COLUMN mart.money_facts.first_seen_at IS 'When the article was first fetched: not a publication date.';
COMMENT ON COLUMN mart.money_facts.title IS 'Article headline.';
COMMENT ON COLUMN mart.money_facts.url IS 'Article URL.';
COMMENT ON COLUMN mart.money_facts.story_id IS 'Story of the article, if grouped.';
COMMENT ON COLUMN mart.money_facts.amount IS 'The amount as a number, in units of currency (e.g. 1.5 billion = 1500000000).';
COMMENT ON COLUMN mart.money_facts.currency IS 'Currency code as extracted (USD, KZT, CNY, RUB, EUR...).';
COMMENT ON COLUMN mart.money_facts.text IS 'The amount as written.';
COMMENT ON COLUMN mart.money_facts.context IS 'Up to 120 characters either side, for reading the figure in context.';

CREATE MATERIALIZED VIEW mart.quotes AS
SELECT q.quote_id,
       q.article_id,
       a.source,
       a.day,
       a.published_at,
       a.published_precision,
       a.first_seen_at,
       a.title,
       a.url,
       a.story_id,
       q.speaker_entity_id,
       e.type AS speaker_type,
       coalesce(e.canonical_name, q.speaker_text) AS speaker,
       q.speaker_text,
       q.text
FROM core.quotes AS q
JOIN mart.articles AS a ON a.article_id = q.article_id
LEFT JOIN core.entities AS e ON e.entity_id = q.speaker_entity_id
WHERE NOT EXISTS (SELECT 1 FROM ops.quality_quarantined_rows AS r
                  WHERE r.table_name = 'core.quotes' AND r.row_key = q.quote_id::text);
CREATE UNIQUE INDEX mart_quotes_pk ON mart.quotes (quote_id);
COMMENT ON MATERIALIZED VIEW mart.quotes IS 'Quotations with their speaker, article, source and date.';
COMMENT ON COLUMN mart.quotes.quote_id IS 'The quote (core.quotes).';
COMMENT ON COLUMN mart.quotes.article_id IS 'Article it appears in.';
COMMENT ON COLUMN mart.quotes.source IS 'Outlet.';
COMMENT ON COLUMN mart.quotes.day IS 'Publication day (Asia/Almaty); null when the article is undated.';
COMMENT ON COLUMN mart.quotes.published_at IS 'Publication time; null when undated.';
COMMENT ON COLUMN mart.quotes.published_precision IS 'day or time (see mart.articles.published_precision).';
COMMENT ON COLUMN mart.quotes.first_seen_at IS 'When the article was first fetched: not a publication date.';
COMMENT ON COLUMN mart.quotes.title IS 'Article headline.';
COMMENT ON COLUMN mart.quotes.url IS 'Article URL.';
COMMENT ON COLUMN mart.quotes.story_id IS 'Story of the article, if grouped.';
COMMENT ON COLUMN mart.quotes.speaker_entity_id IS 'Canonical entity of the speaker, when linked.';
COMMENT ON COLUMN mart.quotes.speaker_type IS 'PER or ORG when the speaker is a linked entity; null when only words name the speaker.';
COMMENT ON COLUMN mart.quotes.speaker IS 'Canonical name of the speaker, else the speaker as written.';
COMMENT ON COLUMN mart.quotes.speaker_text IS 'The speaker as written in the article.';
COMMENT ON COLUMN mart.quotes.text IS 'The quoted words.';

CREATE MATERIALIZED VIEW mart.entities AS
SELECT e.entity_id,
       e.entity_key,
       e.canonical_name,
       e.type,
       e.origin,
       e.wikidata_qid,
       CASE WHEN e.wikidata_qid IS NOT NULL THEN 'https://www.wikidata.org/wiki/' || e.wikidata_qid END AS wikidata_url,
       e.wikidata_source,
       (SELECT array_agg(a.alias ORDER BY a.alias) FROM core.entity_aliases AS a
        WHERE a.entity_id = e.entity_id AND a.origin <> 'auto') AS aliases,
       count(m.mention_id)                 AS mentions,
       count(DISTINCT m.article_id)        AS articles
FROM core.entities AS e
LEFT JOIN mart.entity_mentions AS m ON m.entity_id = e.entity_id
WHERE e.origin <> 'auto' OR m.mention_id IS NOT NULL
GROUP BY e.entity_id;
CREATE UNIQUE INDEX mart_entities_pk ON mart.entities (entity_id);
COMMENT ON MATERIALIZED VIEW mart.entities IS
  'Canonical entities (curated ones, and auto ones that are mentioned) with their Wikidata id, aliases and how often they are named.';
COMMENT ON COLUMN mart.entities.entity_id IS 'Canonical entity (as in the other mart views).';
COMMENT ON COLUMN mart.entities.entity_key IS 'Stable text key: seed key (tokayev), analyst key, or auto:<TYPE>:<lemmas>.';
COMMENT ON COLUMN mart.entities.canonical_name IS 'The name to show.';
COMMENT ON COLUMN mart.entities.type IS 'PER, LOC or ORG.';
COMMENT ON COLUMN mart.entities.origin IS 'seed, analyst or auto.';
COMMENT ON COLUMN mart.entities.wikidata_qid IS 'Wikidata item (Q…), from a cited source; null when unknown (never guessed).';
COMMENT ON COLUMN mart.entities.wikidata_url IS 'The Wikidata page of the item.';
COMMENT ON COLUMN mart.entities.wikidata_source IS 'Where the QID was read.';
COMMENT ON COLUMN mart.entities.aliases IS 'Seed and analyst names of the entity (generated spelling variants are not stored).';
COMMENT ON COLUMN mart.entities.mentions IS 'Mentions in analyst-visible articles.';
COMMENT ON COLUMN mart.entities.articles IS 'Analyst-visible articles naming it.';

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
