-- Question: who reported each story first, and who followed (and how fast)?
-- One row per story, newest first; followers are the other outlets in the order they reported.
-- Times are publication times of dated articles only: a story whose articles give no date has a
-- null first_published_at and coverage_span (it sorts last; undated_articles says how many).
SELECT story_id,
       coalesce(title, first_title)                       AS story,
       first_source                                       AS first_reported_by,
       first_published_at,
       first_url,
       outlets[2:]                                        AS followed_by,
       outlet_count,
       article_count,
       last_published_at - first_published_at             AS coverage_span,
       undated_articles
FROM mart.story_timeline
ORDER BY first_published_at DESC NULLS LAST, story_id;
