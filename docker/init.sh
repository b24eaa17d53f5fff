#!/usr/bin/env bash
# The compose init service: project migrations, Airflow metadata migrations + the crawl pool, and
# the admin login of the simple auth manager (its passwords file lives in the shared airflow-home
# volume, so the api-server reads the same password).
set -euo pipefail
mediamon db migrate
python -m mediamon.airflow_tool init
python - <<'PY'
import json, os, pathlib
path = pathlib.Path(os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps({"admin": os.environ["AIRFLOW_ADMIN_PASSWORD"]}))
PY
echo "init done: log in as admin with AIRFLOW_ADMIN_PASSWORD from .env"
