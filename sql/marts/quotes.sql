-- mart.quotes for the articles %(articles)s or the speakers %(entities)s (every quote when %(all)s).
INSERT INTO mart.quotes
SELECT q.quote_id,
       q.article_id,
       a.source,
       a.day,
       a.published_at,
       a.published_precision,
       a.first_seen_at,
       a.title,
       a.url,
       a.story_id,
       q.speaker_entity_id,
       e.type AS speaker_type,
       coalesce(e.canonical_name, q.speaker_text) AS speaker,
       q.speaker_text,
       q.text
FROM core.quotes AS q
JOIN mart.articles AS a ON a.article_id = q.article_id
LEFT JOIN core.entities AS e ON e.entity_id = q.speaker_entity_id
WHERE (%(all)s OR q.article_id = ANY (%(articles)s::bigint[]) OR q.speaker_entity_id = ANY (%(entities)s::bigint[]))
  AND NOT EXISTS (SELECT 1 FROM ops.quality_quarantined_rows AS r
                  WHERE r.table_name = 'core.quotes' AND r.row_key = q.quote_id::text)
