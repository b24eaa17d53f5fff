-- needs: core.mentions core.entities
-- The canonical entities mentioned most, with how many articles mention them.
SELECT e.canonical_name AS entity, e.type, count(*) AS mentions, count(DISTINCT m.article_id) AS articles
FROM core.mentions AS m
JOIN core.entities AS e USING (entity_id)
GROUP BY e.canonical_name, e.type
ORDER BY mentions DESC, articles DESC, entity
LIMIT 10
