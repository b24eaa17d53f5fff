"""docker-compose.local.yml (the override for registry-less machines) replaces every image the
default compose file would pull, with images that docker/local/build-images.sh builds. Starting it
for real is ``make compose-smoke`` (minutes, needs dockerd), not part of the suite."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent


def _load(name: str) -> dict:
    return yaml.safe_load((REPO_ROOT / name).read_text(encoding="utf-8"))


def test_the_override_gives_every_service_a_locally_built_image():
    default, local = _load("docker-compose.yml")["services"], _load("docker-compose.local.yml")["services"]
    assert set(local) == set(default)
    script = (REPO_ROOT / "docker" / "local" / "build-images.sh").read_text()
    built = set(re.findall(r"\b(mediamon-(?:local/[a-z]+|airflow):[\w.]+)", script))
    for name, service in local.items():
        assert service["image"] in built, (name, service["image"], built)


def test_the_local_app_image_installs_from_the_wheelhouse_only():
    dockerfile = (REPO_ROOT / "docker" / "local" / "Dockerfile").read_text()
    installs = [line for line in dockerfile.splitlines() if "pip install" in line]
    assert installs and all("--no-index" in line for line in installs)
    assert "FROM mediamon-local/python:3.11" in dockerfile
    ignore = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    assert ".venv" in ignore and "!.local/wheelhouse" in ignore


def test_the_image_scripts_are_valid_bash():
    for script in ("build-images.sh", "compose-smoke.sh", "postgres-entrypoint.sh"):
        path = REPO_ROOT / "docker" / "local" / script
        assert path.stat().st_mode & 0o111, script
        result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, (script, result.stderr)
