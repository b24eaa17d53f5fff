-- mart.entity_daily_mentions for the days %(days)s (every day when %(all)s).
INSERT INTO mart.entity_daily_mentions
SELECT day,
       entity_id,
       canonical_name,
       entity_type,
       source,
       count(*)                   AS mentions,
       count(DISTINCT article_id) AS articles
FROM mart.entity_mentions
WHERE day IS NOT NULL AND (%(all)s OR day = ANY (%(days)s::date[]))
GROUP BY day, entity_id, canonical_name, entity_type, source
