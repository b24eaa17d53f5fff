-- needs: core.duplicates
-- Duplicates found, by method (exact text hash or MinHash near-duplicate).
SELECT method, count(*) AS duplicates
FROM core.duplicates
GROUP BY method
ORDER BY method
