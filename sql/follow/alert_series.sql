-- Daily article counts over [day - window_days, day] for every entity, entity pair and story
-- with at least min_count articles on day: the input of the spike test. Reads follow_days, the
-- session's temporary table of analyst-visible articles with their day (publication day, or the
-- first-seen day of undated articles), so undated articles count on the day they appeared, and
-- the per-day entity marts for the dated ones.
WITH undated_entities AS (
    -- The window's undated articles, which count on their first-seen day: the per-day marts leave
    -- them out (they have no publication day), so they are added here, from their mentions.
    SELECT DISTINCT f.article_id, f.day, em.entity_id
    FROM follow_days AS f
    JOIN mart.entity_mentions AS em ON em.article_id = f.article_id
    WHERE f.dated_by = 'first_seen'
),
days AS (
    SELECT g.day::date AS day
    FROM generate_series(%(day)s::date - %(window_days)s, %(day)s::date, interval '1 day') AS g (day)
),
-- Dated articles per entity and day are mart.entity_daily_totals.articles, per pair and day
-- mart.entity_cooccurrence_daily.articles (the same analyst-visible articles and mentions as
-- follow_days): kept by the mart refresh, so a day's counts are not re-derived from every mention
-- of the window at every run.
entity_counts AS (
    SELECT entity_id, day, sum(n)::bigint AS n
    FROM (SELECT t.entity_id, t.day, t.articles AS n FROM mart.entity_daily_totals AS t
          WHERE t.day BETWEEN %(day)s::date - %(window_days)s AND %(day)s::date
          UNION ALL
          SELECT entity_id, day, count(*) FROM undated_entities GROUP BY entity_id, day) AS x
    GROUP BY entity_id, day
),
entity_candidates AS (
    SELECT entity_id FROM entity_counts WHERE day = %(day)s AND n >= %(min_count)s
),
undated_pairs AS (
    SELECT a.entity_id AS a_id, b.entity_id AS b_id, a.day, count(*) AS n
    FROM undated_entities AS a
    JOIN undated_entities AS b ON b.article_id = a.article_id AND b.entity_id > a.entity_id
    GROUP BY a.entity_id, b.entity_id, a.day
),
pair_today AS (
    SELECT a_id, b_id
    FROM (SELECT c.entity_a_id AS a_id, c.entity_b_id AS b_id, c.articles AS n
          FROM mart.entity_cooccurrence_daily AS c WHERE c.day = %(day)s
          UNION ALL
          SELECT a_id, b_id, n FROM undated_pairs WHERE day = %(day)s) AS x
    GROUP BY a_id, b_id
    HAVING sum(n) >= %(min_count)s
),
undated_pair_days AS (  -- per pair: its undated articles' days and counts, for the series below
    SELECT a_id, b_id, array_agg(day) AS days, array_agg(n) AS ns FROM undated_pairs GROUP BY a_id, b_id
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
       -- one primary-key lookup per pair and day of the window: the same work whatever the history
       ARRAY(SELECT (coalesce((SELECT c.articles FROM mart.entity_cooccurrence_daily AS c
                               WHERE c.day = d.day AND c.entity_a_id = p.a_id AND c.entity_b_id = p.b_id), 0)
                     + coalesce(x.n, 0))::int
             FROM days AS d
             LEFT JOIN unnest(u.days, u.ns) AS x (day, n) ON x.day = d.day
             ORDER BY d.day)
FROM pair_today AS p
JOIN core.entities AS ea ON ea.entity_id = p.a_id
JOIN core.entities AS eb ON eb.entity_id = p.b_id
LEFT JOIN undated_pair_days AS u ON u.a_id = p.a_id AND u.b_id = p.b_id
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
