-- Daily article counts over [day - window_days, day] for every entity, entity pair and story
-- with at least min_count articles on day: the input of the spike test. Reads follow_days, the
-- session's temporary table of analyst-visible articles with their day (publication day, or the
-- first-seen day of undated articles), so undated articles count on the day they appeared.
WITH article_entities AS (
    SELECT DISTINCT f.article_id, f.day, em.entity_id
    FROM follow_days AS f
    JOIN mart.entity_mentions AS em ON em.article_id = f.article_id
),
days AS (
    SELECT g.day::date AS day
    FROM generate_series(%(day)s::date - %(window_days)s, %(day)s::date, interval '1 day') AS g (day)
),
entity_counts AS (
    SELECT entity_id, day, count(*) AS n FROM article_entities GROUP BY entity_id, day
),
entity_candidates AS (
    SELECT entity_id FROM entity_counts WHERE day = %(day)s AND n >= %(min_count)s
),
pair_today AS (
    SELECT a.entity_id AS a_id, b.entity_id AS b_id
    FROM article_entities AS a
    JOIN article_entities AS b ON b.article_id = a.article_id AND b.entity_id > a.entity_id
    WHERE a.day = %(day)s
    GROUP BY a.entity_id, b.entity_id
    HAVING count(*) >= %(min_count)s
),
pair_counts AS (
    SELECT p.a_id, p.b_id, a.day, count(*) AS n
    FROM pair_today AS p
    JOIN article_entities AS a ON a.entity_id = p.a_id
    JOIN article_entities AS b ON b.article_id = a.article_id AND b.entity_id = p.b_id
    GROUP BY p.a_id, p.b_id, a.day
),
story_counts AS (
    SELECT story_id, day, count(*) AS n FROM follow_days WHERE story_id IS NOT NULL GROUP BY story_id, day
),
story_candidates AS (
    SELECT story_id FROM story_counts WHERE day = %(day)s AND n >= %(min_count)s
)
SELECT 'entity' AS kind, 'entity:' || c.entity_id AS subject_key, e.canonical_name AS subject,
       ARRAY[c.entity_id] AS entity_ids, NULL::bigint AS story_id, NULL::date AS story_first_day,
       array_agg(coalesce(n.n, 0)::int ORDER BY d.day) AS series
FROM entity_candidates AS c
JOIN core.entities AS e ON e.entity_id = c.entity_id
CROSS JOIN days AS d
LEFT JOIN entity_counts AS n ON n.entity_id = c.entity_id AND n.day = d.day
GROUP BY c.entity_id, e.canonical_name
UNION ALL
SELECT 'dyad', 'dyad:' || p.a_id || ':' || p.b_id, ea.canonical_name || ' + ' || eb.canonical_name,
       ARRAY[p.a_id, p.b_id], NULL::bigint, NULL::date,
       array_agg(coalesce(n.n, 0)::int ORDER BY d.day)
FROM pair_today AS p
JOIN core.entities AS ea ON ea.entity_id = p.a_id
JOIN core.entities AS eb ON eb.entity_id = p.b_id
CROSS JOIN days AS d
LEFT JOIN pair_counts AS n ON n.a_id = p.a_id AND n.b_id = p.b_id AND n.day = d.day
GROUP BY p.a_id, p.b_id, ea.canonical_name, eb.canonical_name
UNION ALL
SELECT 'story', 'story:' || c.story_id, coalesce(s.title, 'story ' || c.story_id),
       '{}'::bigint[], c.story_id,
       (SELECT min(fd.day) FROM mart.articles AS m JOIN core.article_days AS fd ON fd.article_id = m.article_id
        WHERE m.story_id = c.story_id),
       array_agg(coalesce(n.n, 0)::int ORDER BY d.day)
FROM story_candidates AS c
LEFT JOIN core.stories AS s ON s.story_id = c.story_id
CROSS JOIN days AS d
LEFT JOIN story_counts AS n ON n.story_id = c.story_id AND n.day = d.day
GROUP BY c.story_id, s.title
ORDER BY 1, 2
