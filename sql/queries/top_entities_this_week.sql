-- Question: which people, places and organisations were named most this week?
-- Counts articles by publication day; undated articles are in no week (their crawl day is not a publication day).
-- The week is the 7 days ending on the as-of day: today in Almaty (the marts' days are Almaty days), or the day in the setting mediamon.as_of
-- (SET mediamon.as_of = '2025-08-31'; to look back). One row per entity, most articles first.
WITH params AS (
    SELECT coalesce(nullif(current_setting('mediamon.as_of', true), '')::date,
                    (now() AT TIME ZONE 'Asia/Almaty')::date) AS as_of
),
week AS (
    SELECT t.*
    FROM mart.entity_daily_totals AS t, params AS p
    WHERE t.day > p.as_of - 7 AND t.day <= p.as_of
)
SELECT canonical_name,
       entity_type,
       sum(articles)::bigint  AS articles,
       sum(mentions)::bigint  AS mentions,
       max(sources)   AS most_sources_in_a_day,
       count(*)       AS days_mentioned
FROM week
GROUP BY entity_id, canonical_name, entity_type
ORDER BY articles DESC, mentions DESC, canonical_name
LIMIT 20;
