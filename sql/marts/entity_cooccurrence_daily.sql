-- mart.entity_cooccurrence_daily for the days %(days)s (every day when %(all)s): pairs of
-- entities named in the same article (both sides of the pair are in the article's day).
INSERT INTO mart.entity_cooccurrence_daily
WITH article_entities AS (
    SELECT DISTINCT article_id, day, entity_id, canonical_name FROM mart.entity_mentions
    WHERE day IS NOT NULL AND (%(all)s OR day = ANY (%(days)s::date[]))
)
SELECT a.day,
       a.entity_id      AS entity_a_id,
       a.canonical_name AS entity_a,
       b.entity_id      AS entity_b_id,
       b.canonical_name AS entity_b,
       count(*)         AS articles
FROM article_entities AS a
JOIN article_entities AS b ON b.article_id = a.article_id AND b.entity_id > a.entity_id
GROUP BY a.day, a.entity_id, a.canonical_name, b.entity_id, b.canonical_name
