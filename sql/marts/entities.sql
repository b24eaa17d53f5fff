-- mart.entities, whole (a full rebuild). Its counts are over all history, so an incremental
-- refresh does not recount them: entities_delta.sql adds the re-derived mentions' change to the
-- stored counts instead.
INSERT INTO mart.entities
SELECT e.entity_id,
       e.entity_key,
       e.canonical_name,
       e.type,
       e.origin,
       e.wikidata_qid,
       CASE WHEN e.wikidata_qid IS NOT NULL THEN 'https://www.wikidata.org/wiki/' || e.wikidata_qid END AS wikidata_url,
       e.wikidata_source,
       (SELECT array_agg(a.alias ORDER BY a.alias) FROM core.entity_aliases AS a
        WHERE a.entity_id = e.entity_id AND a.origin <> 'auto') AS aliases,
       count(m.mention_id)                 AS mentions,
       count(DISTINCT m.article_id)        AS articles
FROM core.entities AS e
LEFT JOIN mart.entity_mentions AS m ON m.entity_id = e.entity_id
WHERE e.origin <> 'auto' OR m.mention_id IS NOT NULL
GROUP BY e.entity_id
