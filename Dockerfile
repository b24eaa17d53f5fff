# mediamon + Airflow 3.3 in one image: the project is installed from uv.lock, exactly as locally.
# Build: docker compose build   (the compose file uses this image for every Airflow service)
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow

RUN pip install --no-cache-dir uv

WORKDIR /app
# Dependencies first (cached layer), then the project itself.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project --python 3.11

# The celery profile needs Airflow's Celery provider and the Redis client; they are not in the
# lock (LocalExecutor needs neither), so they are added here, pinned to the locked Airflow.
ARG WITH_CELERY=1
RUN if [ "$WITH_CELERY" = "1" ]; then \
      uv pip install --python /app/.venv/bin/python \
        "apache-airflow-providers-celery>=3.12" "redis>=5" \
        "apache-airflow==$(/app/.venv/bin/python -c 'import importlib.metadata as m; print(m.version("apache-airflow"))')"; \
    fi

COPY mediamon ./mediamon
COPY transforms ./transforms
COPY crawlers ./crawlers
COPY dags ./dags
COPY sql ./sql
COPY seeds ./seeds
COPY scrapy.cfg ./
COPY docker ./docker
RUN uv sync --frozen --no-dev --python 3.11 --inexact && mkdir -p /opt/airflow

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["airflow", "version"]
