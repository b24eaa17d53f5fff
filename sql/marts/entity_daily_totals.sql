-- mart.entity_daily_totals for the days %(days)s (every day when %(all)s).
INSERT INTO mart.entity_daily_totals
SELECT day,
       entity_id,
       canonical_name,
       entity_type,
       count(*)                   AS mentions,
       count(DISTINCT article_id) AS articles,
       count(DISTINCT source)     AS sources
FROM mart.entity_mentions
WHERE day IS NOT NULL AND (%(all)s OR day = ANY (%(days)s::date[]))
GROUP BY day, entity_id, canonical_name, entity_type
