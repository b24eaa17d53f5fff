-- mart.money_facts for the articles %(articles)s (every article when %(all)s).
INSERT INTO mart.money_facts
SELECT f.fact_id,
       f.article_id,
       a.source,
       a.day,
       a.published_at,
       a.published_precision,
       a.first_seen_at,
       a.title,
       a.url,
       a.story_id,
       f.amount,
       f.currency,
       f.text,
       btrim(substr(c.text, greatest(f.start - 120, 1), (f.stop - greatest(f.start - 120, 1)) + 120)) AS context
FROM core.facts AS f
JOIN mart.articles AS a ON a.article_id = f.article_id
JOIN core.articles AS c ON c.article_id = f.article_id
WHERE f.kind = 'money'
  AND (%(all)s OR f.article_id = ANY (%(articles)s::bigint[]))
  AND NOT EXISTS (SELECT 1 FROM ops.quality_quarantined_rows AS q
                  WHERE q.table_name = 'core.facts' AND q.row_key = f.fact_id::text)
