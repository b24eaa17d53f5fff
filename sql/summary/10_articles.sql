-- needs: core.articles
-- Articles in core, by language and by how their publication date was found.
SELECT count(*)                                                    AS articles,
       count(*) FILTER (WHERE language = 'ru')                     AS russian,
       count(*) FILTER (WHERE language = 'kk')                     AS kazakh,
       count(*) FILTER (WHERE published_at_method <> 'crawl_time') AS dated_from_article
FROM core.articles
