-- Data-quality history: one ops.dq_runs row per run of the suites, one ops.dq_results row per
-- expectation checked. Rows that fail row-level checks go to ops.quarantine (stage 'quality').

CREATE TABLE ops.dq_runs (
    dq_run_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          text        NOT NULL,
    logical_date    date        NOT NULL,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    status          text        NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'passed', 'warned', 'failed', 'error')),
    data_docs_path  text,
    counts          jsonb       NOT NULL DEFAULT '{}'::jsonb,
    error           text
);
CREATE INDEX dq_runs_logical_date_idx ON ops.dq_runs (logical_date, started_at);
COMMENT ON TABLE ops.dq_runs IS
  'One row per run of the great-expectations suites: when, for which logical date, the outcome and '
  'where its Data Docs HTML was written.';
COMMENT ON COLUMN ops.dq_runs.dq_run_id IS 'Surrogate key.';
COMMENT ON COLUMN ops.dq_runs.run_id IS 'Caller''s run id (Airflow run_id, or manual-<timestamp> from the command line).';
COMMENT ON COLUMN ops.dq_runs.logical_date IS 'The day of data checked: volume and freshness are measured for this day.';
COMMENT ON COLUMN ops.dq_runs.started_at IS 'When the run started.';
COMMENT ON COLUMN ops.dq_runs.finished_at IS 'When the run finished; null while running or after a crash.';
COMMENT ON COLUMN ops.dq_runs.status IS
  'passed (all expectations met), warned (only warnings failed), failed (a critical expectation failed: '
  'marts are not refreshed), error (the run itself broke), running.';
COMMENT ON COLUMN ops.dq_runs.data_docs_path IS 'index.html of the GX Data Docs written for this run.';
COMMENT ON COLUMN ops.dq_runs.counts IS 'Summary: suites run/skipped, expectations, failures by severity, rows quarantined/released.';
COMMENT ON COLUMN ops.dq_runs.error IS 'What broke when status is error.';

CREATE TABLE ops.dq_results (
    dq_result_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dq_run_id         bigint      NOT NULL REFERENCES ops.dq_runs ON DELETE CASCADE,
    run_id            text        NOT NULL,
    logical_date      date        NOT NULL,
    suite             text        NOT NULL,
    expectation       text        NOT NULL,
    expectation_type  text        NOT NULL,
    severity          text        NOT NULL CHECK (severity IN ('critical', 'warning')),
    success           boolean     NOT NULL,
    observed_value    jsonb,
    unexpected_count  bigint,
    element_count     bigint,
    details           jsonb       NOT NULL DEFAULT '{}'::jsonb,
    checked_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (dq_run_id, suite, expectation)
);
CREATE INDEX dq_results_suite_idx ON ops.dq_results (suite, expectation, logical_date);
COMMENT ON TABLE ops.dq_results IS 'One row per expectation per quality run: the history analysts, the UI and tests read.';
COMMENT ON COLUMN ops.dq_results.dq_result_id IS 'Surrogate key.';
COMMENT ON COLUMN ops.dq_results.dq_run_id IS 'The quality run (ops.dq_runs) this result belongs to.';
COMMENT ON COLUMN ops.dq_results.run_id IS 'Caller''s run id, copied from ops.dq_runs for easy filtering.';
COMMENT ON COLUMN ops.dq_results.logical_date IS 'Logical date of the run, copied from ops.dq_runs.';
COMMENT ON COLUMN ops.dq_results.suite IS 'Suite name: the table it guards, e.g. raw.articles.';
COMMENT ON COLUMN ops.dq_results.expectation IS 'The check''s stable name from the suite file, e.g. title.not_null.';
COMMENT ON COLUMN ops.dq_results.expectation_type IS 'The great-expectations expectation type that ran it.';
COMMENT ON COLUMN ops.dq_results.severity IS 'critical (fails the run and blocks the mart refresh) or warning (recorded, run goes on).';
COMMENT ON COLUMN ops.dq_results.success IS 'Whether the expectation was met.';
COMMENT ON COLUMN ops.dq_results.observed_value IS 'What GX observed: a count of offending rows, a row count, or per-source figures.';
COMMENT ON COLUMN ops.dq_results.unexpected_count IS 'Rows (or sources) that broke the expectation.';
COMMENT ON COLUMN ops.dq_results.element_count IS 'Rows examined, when the expectation counts them.';
COMMENT ON COLUMN ops.dq_results.details IS 'A sample of the offending rows or values, for diagnosis.';
COMMENT ON COLUMN ops.dq_results.checked_at IS 'When the result was recorded.';

-- Active (unreleased) quarantine entries set by the quality stage, keyed by table and row key, so
-- marts can leave quarantined rows out with one join.
CREATE VIEW ops.quality_quarantined_rows AS
SELECT split_part(q.item_key, ':', 1)            AS table_name,
       substr(q.item_key, length(split_part(q.item_key, ':', 1)) + 2) AS row_key,
       q.quarantine_id,
       q.reason_code,
       q.reason,
       q.first_seen_at,
       q.last_seen_at
FROM ops.quarantine q
WHERE q.stage = 'quality' AND q.released_at IS NULL;
COMMENT ON VIEW ops.quality_quarantined_rows IS
  'Rows the quality stage has set aside and not yet released, one line per (row, failed check).';
COMMENT ON COLUMN ops.quality_quarantined_rows.table_name IS 'Table the row lives in, e.g. core.articles.';
COMMENT ON COLUMN ops.quality_quarantined_rows.row_key IS 'The row''s key as text (composite keys joined with |).';
COMMENT ON COLUMN ops.quality_quarantined_rows.quarantine_id IS 'The ops.quarantine row.';
COMMENT ON COLUMN ops.quality_quarantined_rows.reason_code IS 'The failed check''s name.';
COMMENT ON COLUMN ops.quality_quarantined_rows.reason IS 'Why the row was set aside.';
COMMENT ON COLUMN ops.quality_quarantined_rows.first_seen_at IS 'When the row first failed the check.';
COMMENT ON COLUMN ops.quality_quarantined_rows.last_seen_at IS 'When the row last failed the check.';
