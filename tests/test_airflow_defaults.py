"""Safe defaults of ``make airflow`` (issue 12, defect 6): local address, no log server on every
interface, a generated admin password kept 0600, admin/admin only when asked for."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mediamon import airflow_auth, airflow_local
from mediamon.commands.airflow import local_components

NEWS_URL = "postgresql://postgres:@/news?host=/tmp/socket"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDIAMON_AIRFLOW_HOST", raising=False)
    monkeypatch.delenv("MEDIAMON_AIRFLOW_ADMIN_PASSWORD", raising=False)


def test_the_api_server_binds_localhost_and_the_log_server_is_not_started(tmp_path: Path) -> None:
    env = airflow_local.airflow_env(NEWS_URL, metadata_url="sqlite://", home=tmp_path, port=8999)
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8999/execution/"
    components = local_components("airflow", env["AIRFLOW__API__HOST"], 8999)
    assert components["api-server"] == ["airflow", "api-server", "--host", "127.0.0.1", "--port", "8999"]
    assert "--skip-serve-logs" in components["scheduler"]


def test_mediamon_airflow_host_opens_it_to_the_network_on_request(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MEDIAMON_AIRFLOW_HOST", "0.0.0.0")
    env = airflow_local.airflow_env(NEWS_URL, metadata_url="sqlite://", home=tmp_path, port=8999)
    assert env["AIRFLOW__API__HOST"] == "0.0.0.0"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8999/execution/"
    components = local_components("airflow", "0.0.0.0", 8999)
    assert components["api-server"][2:4] == ["--host", "0.0.0.0"]
    assert "--skip-serve-logs" not in components["scheduler"]


def test_a_random_admin_password_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    path = tmp_path / "home" / airflow_auth.PASSWORDS_FILE
    first = airflow_auth.pin_admin_password(path)
    assert first.generated and first.user == "admin" and len(first.password) >= 20
    assert first.password not in ("admin", "")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = airflow_auth.pin_admin_password(path)
    assert (again.password, again.generated) == (first.password, False)  # printed only the first time
    other = airflow_auth.pin_admin_password(tmp_path / "elsewhere" / airflow_auth.PASSWORDS_FILE)
    assert other.password != first.password


def test_a_chosen_password_wins_admin_included(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / airflow_auth.PASSWORDS_FILE
    path.write_text('{"admin": "old"}')
    path.chmod(0o644)
    monkeypatch.setenv("MEDIAMON_AIRFLOW_ADMIN_PASSWORD", "admin")
    login = airflow_auth.pin_admin_password(path)
    assert (login.password, login.generated) == ("admin", False)
    assert path.read_text() == '{"admin": "admin"}' and stat.S_IMODE(path.stat().st_mode) == 0o600
