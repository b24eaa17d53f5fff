-- New matches of every enabled watchlist among the analyst-visible articles whose day is in
-- [%(from_day)s, %(to_day)s] (publication day, or first-seen day when undated): step by step,
-- the watchlists with their parsed query, the candidate articles, the matches, and their insert.
-- The unique (watchlist, article) key makes a re-run insert nothing.
WITH watchlists AS (
    SELECT w.watchlist_id, w.name, w.entities, w.sources,
           CASE WHEN w.query IS NULL THEN NULL ELSE mart.search_query(w.query) END AS tsq
    FROM analyst.watchlists AS w
    WHERE w.enabled
),
candidates AS (
    SELECT m.article_id, m.story_id, m.source, m.title, m.url, d.day, c.text, c.search_vector
    FROM mart.articles AS m
    JOIN core.article_days AS d ON d.article_id = m.article_id
    JOIN core.articles AS c ON c.article_id = m.article_id
    WHERE d.day BETWEEN %(from_day)s AND %(to_day)s
),
matches AS (
    SELECT w.watchlist_id, w.name, w.entities, w.tsq, a.*
    FROM watchlists AS w
    JOIN candidates AS a
      ON (w.tsq IS NULL OR a.search_vector @@ w.tsq)
     AND (cardinality(w.sources) = 0 OR a.source = ANY (w.sources))
     AND NOT EXISTS (  -- every listed entity is named in the article
            SELECT 1 FROM unnest(w.entities) AS e (name)
            WHERE NOT EXISTS (SELECT 1 FROM core.mentions AS mn
                              WHERE mn.article_id = a.article_id AND mn.entity_id = ANY (mart.entity_ids(e.name))))
)
INSERT INTO mart.watch_matches (watchlist_id, watchlist, article_id, story_id, day, source, title, url,
                                snippet, rank, run_day)
SELECT x.watchlist_id, x.name, x.article_id, x.story_id, x.day, x.source, x.title, x.url,
       CASE WHEN x.tsq IS NOT NULL
            THEN ts_headline('russian'::regconfig, x.text, x.tsq,
                             'MaxFragments=2, MinWords=6, MaxWords=18, FragmentDelimiter=" … ", StartSel=[, StopSel=]')
            ELSE coalesce((SELECT mn.sentence FROM core.mentions AS mn
                           WHERE mn.article_id = x.article_id AND mn.entity_id = ANY (mart.entity_ids(x.entities[1]))
                             AND mn.sentence IS NOT NULL
                           ORDER BY mn.start LIMIT 1), left(x.text, 200)) END,
       CASE WHEN x.tsq IS NOT NULL THEN ts_rank(x.search_vector, x.tsq, 1) END,
       %(run_day)s
FROM matches AS x
ORDER BY x.watchlist_id, x.day, x.article_id
ON CONFLICT (watchlist_id, article_id) DO NOTHING
RETURNING watch_match_id
