# syntax=docker/dockerfile:1
# Build stage: wheels for the service and its dependencies.
FROM python:3.11-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends gcc g++ \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY verifier ./verifier
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# Runtime stage: no compilers, non-root user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    RULES_DIR=/app/rules HOST=0.0.0.0 PORT=8080 \
    DATABASE_URL=sqlite+aiosqlite:////app/var/verifier.db
RUN useradd --system --uid 10001 --home /app verifier
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY rules ./rules
COPY fixtures ./fixtures
RUN mkdir -p /app/var && chown -R verifier /app/var
USER verifier
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status == 200 else 1)"
ENTRYPOINT ["verifier", "serve"]
