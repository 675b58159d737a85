# syntax=docker/dockerfile:1
# Posting Verifier image: the built wheel, the rule pack under /app/rules, SQLite data in a
# volume, a non-root user, a health check on /readyz. See docs/deploy.md.
#
# The base image is pinned to an exact release; to pin its digest as well, resolve it once
# (`docker buildx imagetools inspect python:3.11.10-slim-bookworm`) and append @sha256:...
ARG PYTHON_IMAGE=python:3.11.10-slim-bookworm

# Build stage: wheels for the service and its dependencies.
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends gcc g++ \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY verifier ./verifier
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Runtime stage: no compilers, non-root user, data in a volume.
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    RULES_DIR=/app/rules HOST=0.0.0.0 PORT=8080 \
    DATABASE_URL=sqlite+aiosqlite:////var/lib/verifier/verifier.db
RUN groupadd --system --gid 10001 verifier \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home verifier
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY rules /app/rules
RUN mkdir -p /var/lib/verifier && chown verifier:verifier /var/lib/verifier
VOLUME ["/var/lib/verifier"]
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os,sys,urllib.request as u; sys.exit(0 if u.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PORT', '8080'), timeout=2).status == 200 else 1)"]
ENTRYPOINT ["verifier", "serve"]
