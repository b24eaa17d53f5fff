-- Stories that at least breaking_outlets outlets took up on day for the first time: the outlets
-- new to the story that day, and how many it had before (over its whole life, not the window).
WITH today AS (
    SELECT story_id, array_agg(DISTINCT source ORDER BY source) AS sources
    FROM follow_days WHERE day = %(day)s AND story_id IS NOT NULL
    GROUP BY story_id
    HAVING count(DISTINCT source) >= %(breaking_outlets)s
),
earlier AS (
    SELECT t.story_id, array_agg(DISTINCT m.source) AS sources
    FROM today AS t
    JOIN mart.articles AS m ON m.story_id = t.story_id
    JOIN core.article_days AS d ON d.article_id = m.article_id AND d.day < %(day)s
    GROUP BY t.story_id
)
SELECT t.story_id, coalesce(s.title, 'story ' || t.story_id) AS subject,
       ARRAY(SELECT x FROM unnest(t.sources) AS x WHERE x <> ALL (coalesce(e.sources, '{}'))) AS new_sources,
       cardinality(coalesce(e.sources, '{}')) AS outlets_before
FROM today AS t
LEFT JOIN earlier AS e ON e.story_id = t.story_id
LEFT JOIN core.stories AS s ON s.story_id = t.story_id
ORDER BY t.story_id
