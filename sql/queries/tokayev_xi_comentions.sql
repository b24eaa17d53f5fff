-- Question: how often are Tokayev and Xi Jinping named in the same article, week by week?
-- Counts articles by publication day; undated articles are in no week (their crawl day is not a publication day).
-- Counts articles naming both (mart.entity_cooccurrence_daily keeps unordered pairs, so both
-- orders are matched). Entities are matched by canonical name, so alias spellings are covered.
WITH pair AS (
    SELECT day, articles
    FROM mart.entity_cooccurrence_daily
    WHERE (entity_a ILIKE '%Токаев%' AND entity_b ILIKE '%Си Цзиньпин%')
       OR (entity_a ILIKE '%Си Цзиньпин%' AND entity_b ILIKE '%Токаев%')
)
SELECT date_trunc('week', day)::date AS week,
       sum(articles)::bigint        AS articles_naming_both,
       min(day)                     AS first_day,
       max(day)                     AS last_day
FROM pair
GROUP BY 1
ORDER BY week;
