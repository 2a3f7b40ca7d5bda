# bingewatch on Airflow 3.3.2: the locked environment (uv.lock) on Debian bookworm's Python 3.11.
# Used by docker-compose.yml for every Airflow service; dags/, dbt_project/ and expectations/ are
# also bind-mounted there so a change does not need a rebuild.
FROM python:3.11-slim-bookworm

ENV DO_NOT_TRACK=1 \
    SCARF_ANALYTICS=false \
    GX_ANALYTICS_ENABLED=false \
    DBT_SEND_ANONYMOUS_USAGE_STATS=False \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    PYTHONPYCACHEPREFIX=/tmp/pycache

RUN apt-get update \
    && apt-get install -y --no-install-recommends curl libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv==0.13.8 \
    && useradd --uid 50000 --gid 0 --home-dir /opt/airflow --create-home airflow

WORKDIR /opt/bingewatch
# Dependencies first (cached layer), exactly as locked; then the project itself (editable, so
# PROJECT_ROOT is /opt/bingewatch and the bind mounts are what runs).
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY bingewatch ./bingewatch
COPY dags ./dags
COPY dbt_project ./dbt_project
COPY expectations ./expectations
RUN uv sync --frozen --no-dev \
    && mkdir -p /opt/bingewatch/data /opt/airflow/logs /opt/airflow/auth \
    && chown -R 50000:0 /opt/bingewatch /opt/airflow && chmod -R g+rwX /opt/bingewatch /opt/airflow

USER 50000
ENTRYPOINT ["airflow"]
CMD ["version"]
