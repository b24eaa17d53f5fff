"""The glue the DAG relies on: the Airflow connection, stage-run records, crawl judgement."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pendulum
import psycopg
import pytest

from mediamon import airflow_connection, airflow_local, crawl_tasks, stage_runs


def test_connection_json_keeps_a_unix_socket_url_usable(db_url):
    """The embedded server's URL (socket dir in ``?host=``) survives the trip through Airflow."""
    from airflow.sdk import Connection

    if "host=/" not in db_url:
        pytest.skip("MEDIAMON_DATABASE_URL points at a TCP server; the TCP form is tested below")
    conn = Connection.from_json(airflow_connection.connection_json(db_url), conn_id="mediamon_db")
    assert conn.host.startswith("/")
    conninfo = airflow_connection.url_from_fields(
        host=conn.host, port=conn.port, login=conn.login, password=conn.password,
        schema=conn.schema, extra=conn.extra_dejson)
    with psycopg.connect(conninfo) as pg, psycopg.connect(db_url) as expected:
        query = "SELECT current_database(), inet_server_port()"
        assert pg.execute(query).fetchone() == expected.execute(query).fetchone()


def test_connection_json_for_a_tcp_url_with_password_and_sslmode():
    value = json.loads(airflow_connection.connection_json(
        "postgresql://news:s%40cret@db.example:6543/mediamon?sslmode=require"))
    assert value == {"conn_type": "postgres", "host": "db.example", "port": 6543, "login": "news",
                     "password": "s@cret", "schema": "mediamon", "extra": {"sslmode": "require"}}


def test_sqlalchemy_url_for_the_embedded_server_connects(db_url):
    import sqlalchemy

    engine = sqlalchemy.create_engine(airflow_connection.sqlalchemy_url(db_url))
    try:
        with engine.connect() as connection:
            name = connection.execute(sqlalchemy.text("SELECT current_database()")).scalar_one()
    finally:
        engine.dispose()
    assert name == psycopg.conninfo.conninfo_to_dict(db_url)["dbname"]


def test_run_stage_records_counts_of_a_successful_stage(db_url, conn):
    def work(stage_conn: psycopg.Connection) -> dict:
        return {"in": 3, "out": 2, "quarantined": 1}

    counts = stage_runs.run_stage(db_url, "normalize", None, work, transform_version="v1")
    assert counts == {"in": 3, "out": 2, "quarantined": 1}
    row = conn.execute("SELECT stage, status, counts, transform_version, finished_at IS NOT NULL"
                       " FROM ops.stage_runs").fetchone()
    assert row == ("normalize", "succeeded", counts, "v1", True)


def test_run_stage_rolls_back_the_stage_and_records_its_failure(db_url, conn):
    def work(stage_conn: psycopg.Connection) -> dict:
        stage_conn.execute("INSERT INTO ops.quarantine (stage, item_key, reason_code, reason)"
                           " VALUES ('normalize', 'x', 'test', 'written before the failure')")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        stage_runs.run_stage(db_url, "normalize", None, work)
    assert conn.execute("SELECT status, error FROM ops.stage_runs").fetchone() == ("failed", "ValueError: boom")
    assert conn.execute("SELECT count(*) FROM ops.quarantine").fetchone()[0] == 0


@pytest.mark.parametrize(("run", "failed"), [
    ({"status": "finished", "items_seen": 10, "errors": 0}, False),
    ({"status": "finished", "items_seen": 9, "errors": 1}, False),     # 10% of attempts
    ({"status": "finished", "items_seen": 5, "errors": 5}, True),      # 50%
    ({"status": "finished", "items_seen": 0, "errors": 1}, True),      # nothing but errors
    ({"status": "failed", "items_seen": 10, "errors": 0}, True),       # closed for another reason
    ({"status": "running", "items_seen": 0, "errors": 0}, True),       # never closed: crashed
])
def test_crawl_verdict_weighs_errors_against_attempts(run, failed):
    verdict = crawl_tasks.crawl_verdict({"crawl_run_id": 1, **run}, max_error_rate=0.2)
    assert (verdict is not None) is failed


def test_run_crawl_lands_the_seeds_and_returns_the_crawl_record(db_url, seeds_dir):
    spec = crawl_tasks.CrawlSpec("seed_files", "seeds", (("directory", str(seeds_dir)),))
    counts = crawl_tasks.run_crawl(db_url, spec)
    assert counts["items_seen"] == 5 and counts["items_new"] == 5 and counts["errors"] == 0
    again = crawl_tasks.run_crawl(db_url, spec)
    assert again["items_new"] == 0 and again["crawl_run_id"] != counts["crawl_run_id"]


def test_run_crawl_fails_when_the_spider_does_not_exist(db_url):
    with pytest.raises(crawl_tasks.CrawlFailed, match="no row in ops.crawl_runs"):
        crawl_tasks.run_crawl(db_url, crawl_tasks.CrawlSpec("no_such_spider"))


def test_manual_run_moment_puts_the_day_inside_the_run_data_interval():
    from airflow.sdk import CronDataIntervalTimetable
    from airflow.serialization.encoders import coerce_to_core_timetable

    timetable = coerce_to_core_timetable(CronDataIntervalTimetable("0 0 * * *", timezone="Asia/Almaty"))
    interval = timetable.infer_manual_data_interval(run_after=airflow_local.manual_run_moment("2025-08-30"))
    assert interval.start == datetime(2025, 8, 29, 19, tzinfo=UTC)  # 2025-08-30 00:00 in Almaty (UTC+5)
    assert interval.end == datetime(2025, 8, 30, 19, tzinfo=UTC)
    with pytest.raises(ValueError):
        airflow_local.manual_run_moment("2025-08-30T12:00")


def test_make_runs_logical_dates_are_never_ones_the_scheduler_uses():
    """A DAG has one run per logical date: make run must never take a scheduled run's (midnight)."""
    from airflow.sdk import CronDataIntervalTimetable
    from airflow.serialization.encoders import coerce_to_core_timetable

    timetable = coerce_to_core_timetable(CronDataIntervalTimetable("0 0 * * *", timezone="Asia/Almaty"))
    day = datetime(2025, 12, 25)
    for offset in range(400):  # across a year, a new year and both ends of every month
        name = (day + timedelta(days=offset)).date().isoformat()
        moment = airflow_local.manual_run_moment(name)
        local = pendulum.instance(moment).in_timezone("Asia/Almaty")
        assert local != local.start_of("day"), name  # every scheduled run sits at an Almaty midnight
        interval = timetable.infer_manual_data_interval(run_after=moment)
        assert pendulum.instance(interval.start).in_timezone("Asia/Almaty").date().isoformat() == name
        assert interval.end - interval.start == timedelta(days=1)


def test_crawl_plan_maps_the_seeds_and_one_news_crawl_per_selected_source(monkeypatch, seeds_dir):
    monkeypatch.setenv("MEDIAMON_CRAWL_NEWS", "1")
    monkeypatch.setenv("MEDIAMON_NEWS_SOURCES", "tengrinews,vz_ru")
    monkeypatch.setenv("MEDIAMON_NEWS_BASE_URL", "http://127.0.0.1:8000/{source}/")
    plan = crawl_tasks.crawl_plan()
    assert plan == [
        {"spider": "seed_files", "source": "seeds", "args": {"directory": str(seeds_dir)}},
        {"spider": "news", "source": "tengrinews",
         "args": {"base_url": "http://127.0.0.1:8000/{source}/", "source": "tengrinews"}},
        {"spider": "news", "source": "vz_ru",
         "args": {"base_url": "http://127.0.0.1:8000/{source}/", "source": "vz_ru"}},
    ]
    monkeypatch.setenv("MEDIAMON_CRAWL_NEWS", "0")
    monkeypatch.setenv("MEDIAMON_CRAWL_SEEDS", "0")
    assert crawl_tasks.crawl_plan() == []


@pytest.mark.slow
def test_a_news_crawl_that_exits_0_still_fails_when_its_own_record_shows_too_many_errors(db_url):
    """On the fixture site, tengrinews is clean; zakon_kz serves the bad cases (5 errors of 11
    attempts): Scrapy exits 0 for both, the crawl task fails only the second."""
    from fixture_site import FixtureServer

    fast = {"AUTOTHROTTLE_START_DELAY": "0.05", "AUTOTHROTTLE_MAX_DELAY": "0.2"}
    with FixtureServer() as server:
        def spec(source: str) -> crawl_tasks.CrawlSpec:
            return crawl_tasks.CrawlSpec("news", source, (("base_url", server.base_url + "/{source}/"),
                                                              ("source", source)))

        clean = crawl_tasks.run_crawl(db_url, spec("tengrinews"), scrapy_settings=fast)
        assert clean["items_new"] >= 1 and clean["errors"] == 0
        with pytest.raises(crawl_tasks.CrawlFailed, match=r"errors out of \d+ attempts"):
            crawl_tasks.run_crawl(db_url, spec("zakon_kz"), scrapy_settings=fast, max_error_rate=0.2)
    with psycopg.connect(db_url) as conn:
        statuses = conn.execute("SELECT status FROM ops.crawl_runs ORDER BY crawl_run_id").fetchall()
    assert statuses == [("finished",), ("finished",)]  # the spider itself saw no failure


def test_url_from_connection_fields_round_trips_tcp_settings():
    url = airflow_connection.url_from_fields(host="db.example", port=6543, login="news", password="s@c:ret/",
                                          schema="mediamon", extra={"sslmode": "require", "timeout": 5})
    assert url.startswith("postgresql://")  # a URL: great-expectations and the spiders need one
    assert psycopg.conninfo.conninfo_to_dict(url) == {
        "host": "db.example", "port": "6543", "user": "news", "password": "s@c:ret/", "dbname": "mediamon",
        "sslmode": "require"}
