-- needs: core.stories
-- The largest stories (articles about the same event), newest first among equals.
SELECT story_id, article_count AS articles, first_published_at::date AS first_day, title
FROM core.stories
ORDER BY article_count DESC, first_published_at DESC
LIMIT 10
