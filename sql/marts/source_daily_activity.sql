-- mart.source_daily_activity for the days of the changed articles %(article_days)s (every day when %(all)s).
INSERT INTO mart.source_daily_activity
SELECT source,
       day,
       count(*)                                       AS articles,
       count(*) FILTER (WHERE duplicate_of IS NULL)   AS original_articles,
       count(DISTINCT story_id)                       AS stories
FROM mart.articles
WHERE day IS NOT NULL AND (%(all)s OR day = ANY (%(article_days)s::date[]))
GROUP BY source, day
