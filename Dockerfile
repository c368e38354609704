# rekobot in a container: a slim Python, runtime dependencies only, a non-root user, the SQLite
# file on the /data volume. Build: `docker build -t rekobot .`; run: see compose.yaml and
# docs/deploy.md. Any rekobot command works: `docker run --rm -v rekobot-data:/data rekobot check`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REKOBOT_DATABASE=/data/rekobot.sqlite3

RUN groupadd --system --gid 10001 rekobot \
 && useradd --system --uid 10001 --gid rekobot --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin rekobot \
 && mkdir /data \
 && chown rekobot:rekobot /data

# The code stays in /app, owned by root and read-only to the bot; the message catalogs
# (locales/) come with it. .dockerignore keeps tests, benchmarks and local files out.
WORKDIR /app
COPY . /app
# `pip install .` without the dev extra: no ruff, mypy or pytest in the image. The message
# catalogs are package data, so the installed package speaks every language on its own.
RUN pip install --no-compile /app \
 && rekobot --help > /dev/null

USER rekobot
WORKDIR /data
VOLUME ["/data"]

# No HTTP endpoint (the bot long-polls): healthy means the database opens read-only, is fully
# migrated and passes SQLite's quick_check. The bot migrates at start, hence the start period.
HEALTHCHECK --interval=60s --timeout=30s --start-period=60s --retries=3 \
    CMD ["rekobot", "check", "--quick"]

# PID 1 is rekobot itself (exec form), so `docker stop`'s SIGTERM reaches it and is a clean
# stop: what is in flight finishes and the database is closed.
STOPSIGNAL SIGTERM
ENTRYPOINT ["rekobot"]
CMD ["run"]
