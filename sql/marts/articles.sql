-- mart.articles for the articles %(articles)s (every article when %(all)s): core.articles minus
-- rows quarantined by the quality checks, with the story and duplicate link (as 0102's view).
INSERT INTO mart.articles
SELECT k.article_id,
       k.source,
       k.url,
       k.title,
       k.published_at,
       (k.published_at AT TIME ZONE 'Asia/Almaty')::date AS day,
       k.published_at_method,
       k.published_precision,
       k.first_seen_at,
       (k.first_seen_at AT TIME ZONE 'Asia/Almaty')::date AS first_seen_day,
       k.authors,
       k.language,
       k.word_count,
       sa.story_id,
       d.duplicate_of,
       d.method AS duplicate_method
FROM core.articles AS k
LEFT JOIN core.story_articles AS sa ON sa.article_id = k.article_id
LEFT JOIN core.duplicates AS d ON d.article_id = k.article_id
WHERE (%(all)s OR k.article_id = ANY (%(articles)s::bigint[]))
  AND NOT EXISTS (SELECT 1 FROM ops.quality_quarantined_rows AS q
                  WHERE q.table_name = 'core.articles' AND q.row_key::bigint = k.article_id)
