-- mart.source_freshness, whole at every refresh: its figures are as of now() (one row per outlet;
-- two grouped scans of raw.articles and mart.articles).
INSERT INTO mart.source_freshness
WITH crawled AS (
    SELECT source, max(fetched_at) AS last_fetched_at, count(*) AS versions_landed
    FROM raw.articles GROUP BY source
),
published AS (
    SELECT source, max(published_at) AS last_published_at, count(*) AS articles,
           count(*) FILTER (WHERE published_at >= now() - interval '7 days') AS articles_last_7_days
    FROM mart.articles GROUP BY source
)
SELECT coalesce(c.source, p.source)                   AS source,
       c.last_fetched_at,
       p.last_published_at,
       coalesce(p.articles, 0)                        AS articles,
       coalesce(p.articles_last_7_days, 0)            AS articles_last_7_days,
       coalesce(c.versions_landed, 0)                 AS versions_landed,
       round(extract(epoch FROM now() - c.last_fetched_at) / 3600.0, 1) AS hours_since_fetch,
       now()                                          AS as_of
FROM crawled AS c
FULL JOIN published AS p ON p.source = c.source
