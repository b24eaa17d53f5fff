-- Operating the daily DAG (issue 13): why a crawl task failed, on the crawl's own row, and one
-- short report per DAG run (what ran, what failed, the counts) where operators look.

ALTER TABLE ops.crawl_runs ADD COLUMN failure text;
COMMENT ON COLUMN ops.crawl_runs.failure IS
  'Why the crawl task judged this run failed (exit code, status, error share above the threshold); '
  'null when it passed. A crawl that never opened its own row gets a row with status failed and this reason.';

CREATE TABLE ops.run_reports (
    run_report_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dag_id          text        NOT NULL,
    airflow_run_id  text        NOT NULL,
    logical_date    date,
    status          text        NOT NULL CHECK (status IN ('succeeded', 'partial', 'failed')),
    failed_tasks    jsonb       NOT NULL DEFAULT '[]'::jsonb,
    counts          jsonb       NOT NULL DEFAULT '{}'::jsonb,
    summary         text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX run_reports_by_run ON ops.run_reports (dag_id, airflow_run_id);
COMMENT ON TABLE ops.run_reports IS
  'One short report per finished DAG run (each attempt of the report task adds a row): task outcomes, '
  'failed crawls and stages, and the counts of every stage.';
COMMENT ON COLUMN ops.run_reports.run_report_id IS 'Surrogate key.';
COMMENT ON COLUMN ops.run_reports.dag_id IS 'Airflow DAG id, e.g. media_monitoring.';
COMMENT ON COLUMN ops.run_reports.airflow_run_id IS 'Airflow run id of the reported DAG run.';
COMMENT ON COLUMN ops.run_reports.logical_date IS 'The Almaty day the run covered (start of its data interval).';
COMMENT ON COLUMN ops.run_reports.status IS
  'succeeded (every task succeeded or was skipped), partial (some crawls failed, the stages ran on the rest), '
  'failed (a stage failed).';
COMMENT ON COLUMN ops.run_reports.failed_tasks IS 'The failed task instances: task id, outlet label or map index, state.';
COMMENT ON COLUMN ops.run_reports.counts IS 'What each task returned (its XCom counts), by task id.';
COMMENT ON COLUMN ops.run_reports.summary IS 'The report as printed in the task log, a few lines of text.';
COMMENT ON COLUMN ops.run_reports.created_at IS 'When the report was written.';
