# Reference Desk's image: `refdesk` is the entrypoint, so the command is what runs, e.g.
#   docker run ... refdesk-image serve --no-worker      docker run ... refdesk-image worker
# compose.yaml runs the production topology; docs/operating.md says how.
FROM python:3.11-slim-bookworm

# pg_dump / pg_restore for `refdesk db backup` and `db restore` on PostgreSQL (the client must be
# as new as the server: Debian bookworm's is 15, compose.yaml's server too)
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# the pinned dependencies first: a change of the code alone reuses this layer
COPY requirements.lock ./
RUN pip install --requirement requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY store ./store
RUN pip install --no-deps .

# not root: the app needs no privilege; /data holds an SQLite database when no DATABASE_URL is set
RUN useradd --system --uid 10001 --home-dir /data --create-home refdesk
USER refdesk
WORKDIR /data
VOLUME ["/data"]
ENV DATABASE_URL=sqlite:////data/refdesk.db

EXPOSE 3000 9100
# /livez of `serve` (port 3000); compose.yaml points the worker's at its own port
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/livez', timeout=2)"]

ENTRYPOINT ["refdesk"]
CMD ["serve"]
