"""Safe defaults of the project-local Airflow (``make airflow``): where it listens, who may log in.

- **Address.** The api-server binds ``MEDIAMON_AIRFLOW_HOST``, by default ``127.0.0.1``: the UI
  and the REST API (which can trigger DAGs and read connections) are not offered to the network
  unless asked for. Airflow's worker log server cannot be bound to an address (it listens on
  every interface), and the LocalExecutor does not need it — the api-server reads the task logs
  from disk — so it is not started unless ``MEDIAMON_AIRFLOW_HOST`` opens Airflow to the network.
- **Password.** The ``admin`` password is ``MEDIAMON_AIRFLOW_ADMIN_PASSWORD`` when set (``admin``
  only if someone asks for it that way); otherwise a random one is generated on first start,
  stored with mode 0600 in ``AIRFLOW_HOME/simple_auth_manager_passwords.json`` and printed once.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ADMIN_USER = "admin"
DEFAULT_HOST = "127.0.0.1"
PASSWORDS_FILE = "simple_auth_manager_passwords.json"


def bind_host() -> str:
    """The address the api-server listens on (``MEDIAMON_AIRFLOW_HOST``, default 127.0.0.1)."""
    return os.environ.get("MEDIAMON_AIRFLOW_HOST", "").strip() or DEFAULT_HOST


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def client_host(host: str) -> str:
    """Where the local components reach the api-server bound to ``host``."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") or is_loopback(host) else host  # noqa: S104


@dataclass(frozen=True)
class AdminLogin:
    user: str
    password: str
    path: Path
    generated: bool  # True only on the start that created it: the one time it is printed


def pin_admin_password(path: Path) -> AdminLogin:
    """Write the admin password the simple auth manager checks (mode 0600) and return it.

    ``MEDIAMON_AIRFLOW_ADMIN_PASSWORD`` wins when set; otherwise the password already in the file
    is kept, and a missing or unreadable file gets a new random password.
    """
    chosen = os.environ.get("MEDIAMON_AIRFLOW_ADMIN_PASSWORD") or None
    password, generated = chosen, False
    if password is None:
        try:
            password = json.loads(path.read_text()).get(ADMIN_USER) or None
        except (OSError, ValueError, AttributeError):
            password = None
    if password is None:
        password, generated = secrets.token_urlsafe(18), True
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({ADMIN_USER: password}, handle)
    path.chmod(0o600)  # also when the file existed with wider permissions
    return AdminLogin(ADMIN_USER, password, path, generated)
