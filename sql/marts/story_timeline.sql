-- mart.story_timeline for the stories %(stories)s (every story when %(all)s), as 0170's view.
INSERT INTO mart.story_timeline
WITH members AS (
    SELECT a.story_id, a.article_id, a.source, a.title, a.url, a.published_at, a.first_seen_at,
           row_number() OVER (PARTITION BY a.story_id
                              ORDER BY a.published_at NULLS LAST, a.first_seen_at, a.article_id) AS position
    FROM mart.articles AS a
    WHERE a.story_id IS NOT NULL AND (%(all)s OR a.story_id = ANY (%(stories)s::bigint[]))
),
outlets AS (
    SELECT story_id, source, min(published_at) AS first_at, min(first_seen_at) AS first_seen
    FROM members GROUP BY story_id, source
),
outlet_order AS (
    SELECT story_id,
           array_agg(source ORDER BY first_at NULLS LAST, first_seen, source) AS outlets,
           count(*) AS outlet_count
    FROM outlets GROUP BY story_id
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
       o.outlets,
       o.outlet_count
FROM core.stories AS s
JOIN members AS m ON m.story_id = s.story_id
JOIN outlet_order AS o ON o.story_id = s.story_id
GROUP BY s.story_id, s.title, o.outlets, o.outlet_count
