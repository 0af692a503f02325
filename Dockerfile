# resolute in a container: `resolute run` as a non-root user, with a HEALTHCHECK on /healthz.
# Build from the repository root:  docker build -t resolute .
# Several instances on PostgreSQL: deploy/compose.yaml.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY engine engine
COPY storage storage
COPY templates templates
# The installed package only: a wheel of this checkout into a venv the final stage copies.
RUN python -m venv /opt/resolute \
    && /opt/resolute/bin/pip install --no-compile . \
    && /opt/resolute/bin/python -m compileall -q /opt/resolute/lib

FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/resolute --create-home \
        --shell /usr/sbin/nologin resolute
COPY --from=build /opt/resolute /opt/resolute
ENV PATH=/opt/resolute/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    RESOLUTE_DB_URL=sqlite:///var/lib/resolute/resolute.sqlite3 \
    RESOLUTE_LOG_FORMAT=json \
    RESOLUTE_METRICS_PORT=9108
USER 10001:10001
WORKDIR /var/lib/resolute
VOLUME ["/var/lib/resolute"]
# Metrics listen on loopback; set RESOLUTE_METRICS_HOST=0.0.0.0 to scrape from outside.
EXPOSE 9108
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('RESOLUTE_METRICS_PORT', '9108'), timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["resolute"]
CMD ["run"]
