-- The evidence of an alert: up to top_articles articles of the day naming all of entity_ids
-- (entity, dyad) or belonging to story_id (story, breaking); the ones naming the subject most
-- first, originals before duplicates, then the earliest.
SELECT f.article_id, m.source, m.title, m.url
FROM follow_days AS f
JOIN mart.articles AS m ON m.article_id = f.article_id
WHERE f.day = %(day)s
  AND (%(story_id)s::bigint IS NULL OR f.story_id = %(story_id)s::bigint)
  AND cardinality(%(entity_ids)s::bigint[]) = (
        SELECT count(DISTINCT mn.entity_id) FROM core.mentions AS mn
        WHERE mn.article_id = f.article_id AND mn.entity_id = ANY (%(entity_ids)s::bigint[]))
ORDER BY (SELECT count(*) FROM core.mentions AS mn
          WHERE mn.article_id = f.article_id AND mn.entity_id = ANY (%(entity_ids)s::bigint[])) DESC,
         m.duplicate_of IS NOT NULL, f.dated_at, f.article_id
LIMIT %(top_articles)s
