-- mart.article_flags for the articles %(articles)s (every article when %(all)s).
INSERT INTO mart.article_flags
SELECT a.article_id,
       'text_truncated' = ANY (c.flags) AS text_truncated,
       c.flags
FROM mart.articles AS a
JOIN core.articles AS c ON c.article_id = a.article_id
WHERE (%(all)s OR a.article_id = ANY (%(articles)s::bigint[]))
