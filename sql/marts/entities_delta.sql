-- mart.entities for the entities %(entities)s after an incremental refresh: the entity's current
-- names, ids and aliases, and its counts as stored (mart_entities_before, the rows just deleted)
-- plus the change of the mentions re-derived this refresh (mart_mentions_gone, mart_mentions_added:
-- every mention of a changed article or entity is deleted and re-inserted whole, so an article
-- leaves and joins an entity's distinct-article count exactly once).
INSERT INTO mart.entities
WITH delta AS (
    SELECT entity_id, sum(mentions)::bigint AS mentions, sum(articles)::bigint AS articles
    FROM (SELECT entity_id, count(*) AS mentions, count(DISTINCT article_id) AS articles
          FROM mart_mentions_added GROUP BY entity_id
          UNION ALL
          SELECT entity_id, -count(*), -count(DISTINCT article_id)
          FROM mart_mentions_gone GROUP BY entity_id) AS x
    GROUP BY entity_id
),
counted AS (
    SELECT e.*, coalesce(b.mentions, 0) + coalesce(d.mentions, 0) AS mention_count,
           coalesce(b.articles, 0) + coalesce(d.articles, 0) AS article_count
    FROM core.entities AS e
    LEFT JOIN mart_entities_before AS b ON b.entity_id = e.entity_id
    LEFT JOIN delta AS d ON d.entity_id = e.entity_id
    WHERE e.entity_id = ANY (%(entities)s::bigint[])
)
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
       e.mention_count,
       e.article_count
FROM counted AS e
WHERE e.origin <> 'auto' OR e.mention_count > 0
