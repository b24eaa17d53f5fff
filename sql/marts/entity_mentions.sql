-- mart.entity_mentions for the mentions in the articles %(articles)s or of the entities
-- %(entities)s (every mention when %(all)s): linked mentions in analyst-visible articles, minus
-- quarantined mention rows.
INSERT INTO mart.entity_mentions
SELECT m.mention_id,
       m.article_id,
       a.source,
       a.day,
       a.published_at,
       m.entity_id,
       e.canonical_name,
       e.type AS entity_type,
       e.wikidata_qid,
       m.surface,
       m.sentence
FROM core.mentions AS m
JOIN mart.articles AS a ON a.article_id = m.article_id
JOIN core.entities AS e ON e.entity_id = m.entity_id
WHERE (%(all)s OR m.article_id = ANY (%(articles)s::bigint[]) OR m.entity_id = ANY (%(entities)s::bigint[]))
  AND NOT EXISTS (
    SELECT 1 FROM ops.quality_quarantined_rows AS q
    WHERE q.table_name = 'core.mentions' AND q.row_key = m.mention_id::text)
