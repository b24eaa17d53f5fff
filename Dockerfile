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
# WITH_CELERY=1 (default) adds the `celery` extra (Airflow's Celery provider + the Redis client), locked
# in uv.lock like everything else, for the compose `celery` profile; WITH_CELERY=0 leaves it out.
ARG WITH_CELERY=1
RUN uv sync --frozen --no-dev --no-install-project --python 3.11 $([ "$WITH_CELERY" = 1 ] && echo --extra celery)

COPY mediamon ./mediamon
COPY transforms ./transforms
COPY crawlers ./crawlers
COPY dags ./dags
COPY sql ./sql
COPY seeds ./seeds
COPY scrapy.cfg ./
COPY docker ./docker
RUN uv sync --frozen --no-dev --python 3.11 $([ "$WITH_CELERY" = 1 ] && echo --extra celery) \
 && mkdir -p /opt/airflow

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["airflow", "version"]
