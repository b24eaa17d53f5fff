-- needs: core.stories
-- The largest stories (articles about the same event), newest first among equals.
-- first_day is the earliest publication day among the story's dated articles (null when none is dated).
SELECT s.story_id, s.article_count AS articles,
       (SELECT min(a.published_at)::date FROM core.story_articles AS sa JOIN core.articles AS a USING (article_id)
        WHERE sa.story_id = s.story_id) AS first_day,
       s.title
FROM core.stories AS s
ORDER BY s.article_count DESC, s.first_published_at DESC
LIMIT 10
