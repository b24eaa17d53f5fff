-- needs: ops.dq_runs
-- The latest data-quality run: its status and counts.
SELECT run_id, logical_date, status, counts
FROM ops.dq_runs
ORDER BY dq_run_id DESC
LIMIT 1
