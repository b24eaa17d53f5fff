"""docker-compose.yml has the structure the deployment needs (`make compose-smoke` really starts it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mediamon import airflow_connection

REPO_ROOT = Path(__file__).resolve().parent.parent
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _env(service: dict) -> dict[str, str]:
    return {k: str(v) for k, v in (service.get("environment") or {}).items()}


def test_compose_has_postgres_init_airflow_components_and_a_celery_profile(compose):
    services = compose["services"]
    assert {"postgres", "airflow-init", *AIRFLOW_SERVICES, "redis", "airflow-worker"} <= set(services)
    # PostgreSQL 16 with pgvector (stories store their embeddings in a vector column)
    assert services["postgres"]["image"].split(":")[1].removeprefix("pg").startswith("16")
    assert services["redis"]["profiles"] == ["celery"]
    assert services["airflow-worker"]["profiles"] == ["celery"]
    assert services["airflow-worker"]["command"][:3] == ["airflow", "celery", "worker"]
    for name in ("postgres", "airflow-init", *AIRFLOW_SERVICES):
        assert "profiles" not in services[name], f"{name} must start without a profile"


def test_every_long_running_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        if name == "airflow-init":
            continue
        assert service.get("healthcheck", {}).get("test"), name


def test_airflow_services_wait_for_a_healthy_database_and_a_finished_init(compose):
    for name in (*AIRFLOW_SERVICES, "airflow-worker"):
        depends = compose["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["airflow-init"]["condition"] == "service_completed_successfully", name
    assert compose["services"]["airflow-worker"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_news_and_airflow_metadata_live_in_separate_databases_on_a_volume(compose):
    services = compose["services"]
    env = _env(services["airflow-scheduler"])
    news_db = env["MEDIAMON_DATABASE_URL"].rsplit("/", 1)[1]
    metadata_db = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].rsplit("/", 1)[1]
    assert news_db != metadata_db
    init_sql = (REPO_ROOT / "docker" / "postgres-init.sh").read_text()
    assert f"CREATE DATABASE {news_db}" in init_sql and f"CREATE DATABASE {metadata_db}" in init_sql
    volumes = services["postgres"]["volumes"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in volumes)
    named = {v.split(":")[0] for v in volumes + services["airflow-scheduler"]["volumes"] if not v.startswith(".")}
    assert named <= set(compose["volumes"])


def test_all_airflow_components_share_one_jwt_secret_and_config(compose):
    envs = [_env(compose["services"][name]) for name in (*AIRFLOW_SERVICES, "airflow-init", "airflow-worker")]
    secrets = {env["AIRFLOW__API_AUTH__JWT_SECRET"] for env in envs}
    assert secrets == {"${AIRFLOW_JWT_SECRET:?set AIRFLOW_JWT_SECRET in .env}"}
    assert len({env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] for env in envs}) == 1
    assert all(env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("SimpleAuthManager") for env in envs)


def test_environment_names_match_what_the_code_reads(compose):
    """A typo in a variable name would silently fall back to a default: every MEDIAMON_* and
    AIRFLOW_CONN_* name the compose file sets must be read by the project's code or scripts."""
    code = "\n".join(p.read_text(encoding="utf-8") for folder in ("mediamon", "crawlers", "transforms", "docker")
                     for p in (REPO_ROOT / folder).rglob("*") if p.suffix in {".py", ".sh"})
    names = {name for service in compose["services"].values() for name in _env(service)}
    for name in sorted(n for n in names if n.startswith(("MEDIAMON_", "AIRFLOW_CONN_", "AIRFLOW_ADMIN"))):
        assert f'"{name}"' in code or f"${{{name}" in code or f"${name}" in code, name
    # The connection itself comes from MEDIAMON_DATABASE_URL in the entrypoint, under the name the DAG uses.
    entrypoint = (REPO_ROOT / "docker" / "entrypoint.sh").read_text()
    assert airflow_connection.CONN_ENV in entrypoint and "MEDIAMON_DATABASE_URL" in entrypoint
    assert airflow_connection.CONN_ENV == f"AIRFLOW_CONN_{airflow_connection.CONN_ID.upper()}"


def test_every_variable_the_compose_file_uses_is_in_env_example(compose):
    text = (REPO_ROOT / "docker-compose.yml").read_text()
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", text))  # $${X} is for the container shell
    example = {line.split("=", 1)[0] for line in (REPO_ROOT / ".env.example").read_text().splitlines()
               if line and not line.startswith("#")}
    assert used <= example, used - example


def test_image_scripts_exist_and_the_dockerfile_installs_the_locked_project():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen" in dockerfile
    for script in ("entrypoint.sh", "init.sh", "postgres-init.sh"):
        path = REPO_ROOT / "docker" / script
        assert path.exists() and path.stat().st_mode & 0o111, script
    init = (REPO_ROOT / "docker" / "init.sh").read_text()
    assert "mediamon db migrate" in init and "mediamon.airflow_tool init" in init


def test_container_entrypoint_derives_the_airflow_connection_from_the_database_url():
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
           "MEDIAMON_DATABASE_URL": "postgresql://mediamon:pw@postgres:5432/mediamon"}
    env.pop(airflow_connection.CONN_ENV, None)
    result = subprocess.run([str(REPO_ROOT / "docker" / "entrypoint.sh"), "env"], env=env,
                            capture_output=True, text=True, check=True)
    line = next(x for x in result.stdout.splitlines() if x.startswith(airflow_connection.CONN_ENV + "="))
    assert json.loads(line.split("=", 1)[1]) == {
        "conn_type": "postgres", "host": "postgres", "port": 5432, "login": "mediamon", "password": "pw",
        "schema": "mediamon"}


# --- safe defaults (issue 12) ------------------------------------------------------------------

def test_every_published_port_binds_to_localhost_unless_told_otherwise(compose):
    published = {name: service["ports"] for name, service in compose["services"].items() if service.get("ports")}
    assert set(published) == {"postgres", "airflow-apiserver"}
    for name, ports in published.items():
        for port in ports:
            assert str(port).startswith("${MEDIAMON_PUBLISH_ADDRESS:-127.0.0.1}:"), (name, port)


def test_every_service_starts_behind_the_placeholder_secret_check(compose):
    postgres = compose["services"]["postgres"]
    assert postgres["entrypoint"][0] == "/usr/local/bin/mediamon-check-secrets"
    assert "./docker/check-secrets.sh:/usr/local/bin/mediamon-check-secrets:ro" in postgres["volumes"]
    assert 'check-secrets.sh" true' in (REPO_ROOT / "docker" / "entrypoint.sh").read_text()
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in (REPO_ROOT / "Dockerfile").read_text()


def _example_env() -> dict[str, str]:
    lines = (REPO_ROOT / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def _run_checked(script: str, env: dict[str, str], *command: str):
    import os
    import subprocess

    return subprocess.run([str(REPO_ROOT / "docker" / script), *command], capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"], **env})


def test_the_env_example_placeholders_are_refused_with_a_reason_each():
    example = _example_env()
    result = _run_checked("check-secrets.sh", example, "echo", "started")
    assert result.returncode == 78 and "started" not in result.stdout
    for name in ("POSTGRES_PASSWORD", "MEDIAMON_DB_PASSWORD", "AIRFLOW_DB_PASSWORD", "AIRFLOW_ADMIN_PASSWORD",
                 "AIRFLOW_JWT_SECRET"):
        assert f"mediamon: error: {name} is a placeholder" in result.stderr, name


def test_real_secrets_pass_and_weak_ones_in_urls_do_not():
    import secrets

    strong = {name: secrets.token_urlsafe(24) for name in (
        "POSTGRES_PASSWORD", "MEDIAMON_DB_PASSWORD", "AIRFLOW_DB_PASSWORD", "AIRFLOW_ADMIN_PASSWORD",
        "AIRFLOW_JWT_SECRET")}
    ok = _run_checked("check-secrets.sh", strong, "echo", "started")
    assert ok.returncode == 0 and ok.stdout.strip() == "started"
    short = _run_checked("check-secrets.sh", {**strong, "AIRFLOW_ADMIN_PASSWORD": "hunter2"}, "true")
    assert short.returncode == 78 and "AIRFLOW_ADMIN_PASSWORD is shorter than 12 characters" in short.stderr
    url = _run_checked("entrypoint.sh", {"MEDIAMON_DATABASE_URL":
                                         "postgresql://mediamon:change-me-mediamon@postgres:5432/mediamon"}, "true")
    assert url.returncode == 78 and "MEDIAMON_DATABASE_URL contains a change-me placeholder" in url.stderr
