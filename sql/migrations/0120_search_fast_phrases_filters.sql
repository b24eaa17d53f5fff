-- mart.search() under 200 ms over 100,000 articles for phrases and entity/story filters too
-- (docs/benchmarks.md, "Search and alerts"). Same arguments, same results; two changes of plan:
--
-- 1. Phrases. For a query with "quoted words" the GIN index only knows which articles contain
--    the words, not where: PostgreSQL rechecked every such article on its full (TOASTed)
--    search_vector, i.e. detoasted ~22,000 vectors for «"Си Цзиньпин"». Now the index is asked
--    for the position-free form (mart.search_prefilter: phrase operators → AND, which the index
--    answers exactly), the candidates are ordered as before (headline/lead match first — checked
--    with the phrase on the small search_lead vector —, then the newest), and the phrase is
--    checked on the full vector only as far down that list as needed to fill the
--    10 × max_hits + 100 candidates. Articles without the adjacent words are still never returned.
-- 2. Entity and story filters. The correlated EXISTS (one mentions / story_articles lookup per
--    matching article, ~47,000 for «Токаев») is now an uncorrelated IN: PostgreSQL reads the
--    entity's mentions (or the story's articles) once into a hash and probes it per match.

CREATE FUNCTION mart.search_prefilter(tsq tsquery) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    -- Unchanged: a query without phrase operators; one with negation («!a <-> b», b not preceded
    -- by a, is not implied by «!a & b»); one with '<' inside a quoted lexeme (the text form is
    -- rewritten, and only operators may change).
    SELECT CASE
        WHEN x.t !~ '<(\d+|-)>' OR x.t ~ '!'
             OR length(x.t) - length(replace(x.t, '<', '')) <> length(x.ops) - length(replace(x.ops, '<', ''))
        THEN tsq
        ELSE regexp_replace(x.t, '<(\d+|-)>', '&', 'g')::tsquery
    END
    FROM (SELECT tsq::text AS t, regexp_replace(tsq::text, '''(?:[^'']|'''')*''', '', 'g') AS ops) AS x
$$;
COMMENT ON FUNCTION mart.search_prefilter(tsquery) IS
  'The query without word positions (phrase operators <-> and <N> turned into &), which the GIN index answers without '
  'rereading each article''s vector; every article matching the query matches it. Queries with negation are returned unchanged.';

CREATE INDEX core_articles_search_lead_idx ON core.articles USING gin (search_lead);
COMMENT ON INDEX core.core_articles_search_lead_idx IS
  'mart.search() finds headline/lead matches here first (a few hundred bytes per article), before the whole-text index.';
-- An entity's articles straight from the index (index-only), for the entity filter of search and
-- watchlists; it serves every lookup by entity_id the old one-column index served.
CREATE INDEX core_mentions_entity_article_idx ON core.mentions (entity_id, article_id);
DROP INDEX core.mentions_entity_idx;

CREATE OR REPLACE FUNCTION mart.search(
    query     text,
    from_day  date    DEFAULT NULL,
    to_day    date    DEFAULT NULL,
    outlet    text    DEFAULT NULL,
    entity    text    DEFAULT NULL,
    story     bigint  DEFAULT NULL,
    max_hits  integer DEFAULT 20
) RETURNS TABLE (
    article_id   bigint,
    rank         real,
    day          date,
    source       text,
    title        text,
    url          text,
    story_id     bigint,
    story_title  text,
    snippet      text
)
LANGUAGE sql STABLE AS $$
    WITH q AS MATERIALIZED (  -- parsed once, not once per row
        SELECT p.tsq, mart.search_prefilter(p.tsq) AS loose, mart.search_prefilter(p.tsq) <> p.tsq AS has_phrase
        FROM (SELECT mart.search_query(query) AS tsq) AS p
    ),
    -- Phase 1 keeps the order of 0090: articles matching in headline or lead first, newest first,
    -- then the others, newest first; the first 10 × max_hits + 100 are the candidates. The two
    -- groups are read one after the other (UNION ALL under LIMIT), so the second, which needs
    -- every match of the whole text, is only read when the first has too few.
    pool AS NOT MATERIALIZED (  -- the articles the filters allow; a story's few articles are read from the story
        SELECT u.*
        FROM (SELECT c.article_id, c.published_at, c.source, c.search_lead, c.search_vector
              FROM core.articles AS c
              WHERE story IS NULL
              UNION ALL
              SELECT c.article_id, c.published_at, c.source, c.search_lead, c.search_vector
              FROM core.story_articles AS sa
              JOIN core.articles AS c ON c.article_id = sa.article_id
              WHERE sa.story_id = story) AS u
        WHERE (from_day IS NULL OR u.published_at >= (from_day::timestamp AT TIME ZONE 'Asia/Almaty'))
          AND (to_day IS NULL OR u.published_at < ((to_day + 1)::timestamp AT TIME ZONE 'Asia/Almaty'))
          AND (outlet IS NULL OR u.source = outlet)
          AND (entity IS NULL OR u.article_id IN (  -- read once into a hash (index-only on (entity_id, article_id))
                SELECT mn.article_id FROM core.mentions AS mn WHERE mn.entity_id = ANY (mart.entity_ids(entity))))
    ),
    lead AS (  -- matches in headline/lead: found on the small search_lead index, phrases checked there
        SELECT p.article_id
        FROM pool AS p
        WHERE p.search_lead @@ (SELECT q.tsq FROM q)
        ORDER BY p.published_at DESC NULLS LAST, p.article_id DESC
    ),
    rest AS (  -- the other matches: words found on the whole-text index, positions not yet checked
        SELECT p.article_id
        FROM pool AS p
        WHERE p.search_vector @@ (SELECT q.loose FROM q) AND NOT (p.search_lead @@ (SELECT q.tsq FROM q))
        ORDER BY p.published_at DESC NULLS LAST, p.article_id DESC
    ),
    candidates AS (  -- every candidate checked on its whole-text vector (phrases: adjacency), one by one, in order
        SELECT u.article_id
        FROM (SELECT l.article_id FROM lead AS l
              WHERE (SELECT c.search_vector @@ q.tsq FROM core.articles AS c, q WHERE c.article_id = l.article_id)
              UNION ALL
              SELECT r.article_id FROM rest AS r
              WHERE (SELECT NOT q.has_phrase OR c.search_vector @@ q.tsq
                     FROM core.articles AS c, q WHERE c.article_id = r.article_id)) AS u
        LIMIT greatest(max_hits, 0) * 10 + 100
    ),
    hits AS (  -- phase 2: the analyst-visible candidates ranked on the whole text
        SELECT h.article_id, m.day, m.source, m.title, m.url, m.story_id, m.published_at,
               ts_rank(c.search_vector, q.tsq, 1) AS rank
        FROM candidates AS h
        CROSS JOIN q
        JOIN core.articles AS c ON c.article_id = h.article_id
        JOIN mart.articles AS m ON m.article_id = h.article_id
        ORDER BY rank DESC, m.published_at DESC NULLS LAST, h.article_id DESC
        LIMIT greatest(max_hits, 0)
    )
    SELECT h.article_id, h.rank, h.day, h.source, h.title, h.url, h.story_id, s.title,
           ts_headline('russian'::regconfig, c.text, q.tsq,
                       'MaxFragments=2, MinWords=6, MaxWords=18, FragmentDelimiter=" … ", StartSel=[, StopSel=]')
    FROM hits AS h
    CROSS JOIN q
    JOIN core.articles AS c ON c.article_id = h.article_id
    LEFT JOIN core.stories AS s ON s.story_id = h.story_id
    ORDER BY h.rank DESC, h.published_at DESC NULLS LAST, h.article_id DESC
$$;

GRANT EXECUTE ON FUNCTION mart.search_prefilter(tsquery) TO mediamon_analyst;
