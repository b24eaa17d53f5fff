"""The DAG's detect_alerts → notify branch, run for real twice with dag.test() on the seeds:
watchlist matches are recorded once, delivered once by e-mail (a real aiosmtpd server), and a
webhook that fails every try of the first run is recorded as failed without failing the DagRun,
then delivered by the second run."""

from __future__ import annotations

import psycopg
import pytest
from helpers_dag import airflow_test_env, assert_succeeded, run_day
from helpers_follow import smtp_server, webhook_server

DAY = "2025-08-30"


@pytest.mark.slow
@pytest.mark.extended
def test_alerts_branch_delivers_once_and_a_failing_webhook_does_not_fail_the_run(db_url, tmp_path):
    with psycopg.connect(db_url) as conn:
        conn.execute("INSERT INTO analyst.watchlists (name, query) VALUES ('tokayev', 'Токаев')")
    with smtp_server() as (smtp_port, sink), webhook_server(fail_first=3) as (url, posts):
        env = airflow_test_env(db_url, tmp_path, MEDIAMON_SMTP_HOST="127.0.0.1", MEDIAMON_SMTP_PORT=str(smtp_port),
                               MEDIAMON_ALERT_MAIL_TO="analyst@example.org", MEDIAMON_WEBHOOK_URL=url,
                               MEDIAMON_NOTIFY_ATTEMPTS="3", MEDIAMON_NOTIFY_BACKOFF="0.05")
        result, (first, second) = run_day(env, DAY, tmp_path / "runs.json", runs=2)
    assert_succeeded(result, [first, second])
    states = {t["task_id"]: t["state"] for t in first["tasks"]}
    assert states["detect_alerts"] == states["notify"] == "success"
    matches = first["returns"]["detect_alerts"][0]["watchlists"]["new_matches"]
    assert matches >= 1  # seed 001 (30 August) names Токаев; the undated ones count on their first-seen day
    assert second["returns"]["detect_alerts"][0]["watchlists"]["new_matches"] == 0
    assert first["table_counts"]["mart.watch_matches"] == second["table_counts"]["mart.watch_matches"] == matches
    sent_first = first["returns"]["notify"][0]
    assert sent_first["email"]["sent"] == matches
    assert sent_first["webhook"]["failed"] == matches and "500" in sent_first["webhook"]["error"]
    sent_second = second["returns"]["notify"][0]
    assert sent_second["email"] == {"sent": 0, "failed": 0}
    assert sent_second["webhook"]["sent"] == matches
    assert len(sink.messages) == 1 and len(posts) == 1  # one e-mail, one POST: nothing twice
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT channel, status, attempts FROM ops.deliveries").fetchall()
        stages = conn.execute("SELECT stage, status FROM ops.stage_runs WHERE stage IN ('alerts', 'notify')"
                              ).fetchall()
    assert {(c, s) for c, s, _ in rows} == {("email", "sent"), ("webhook", "sent")}
    assert {a for c, _, a in rows if c == "webhook"} == {4}  # three failed tries, then one that worked
    assert sorted(stages) == [("alerts", "succeeded")] * 2 + [("notify", "succeeded")] * 2
