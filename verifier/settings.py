"""The one settings object, built at the entry point and passed down (nothing else reads env)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
"""The rule pack of a source checkout; an installed package has none, so set `RULES_DIR`."""
DEMO_REGISTRY_FILE = Path(__file__).resolve().parent / "demo_data" / "registry.jsonl"
"""The demo registry shipped inside the package."""


def data_dir() -> Path:
    """Per-user data directory: $XDG_DATA_HOME/posting-verifier (~/.local/share/...)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "posting-verifier"


def default_database_url() -> str:
    """SQLite in the per-user data directory: the same file from every working directory."""
    return f"sqlite+aiosqlite:///{data_dir() / 'verifier.db'}"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, f"VERIFIER_{name}")


class Settings(BaseSettings):
    """Service configuration; every field can be set from the environment."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    database_url: str = Field(
        default_factory=default_database_url, validation_alias=_env("DATABASE_URL")
    )
    """Default: `default_database_url()` (per user, never relative to the working directory)."""
    redis_url: str | None = Field(default=None, validation_alias=_env("REDIS_URL"))
    rules_dir: Path = Field(default=DEFAULT_RULES_DIR, validation_alias=_env("RULES_DIR"))
    host: str = Field(default="127.0.0.1", validation_alias=_env("HOST"))
    port: Annotated[int, Field(ge=0, le=65535)] = Field(default=8080, validation_alias=_env("PORT"))
    workers: Annotated[int, Field(ge=1, le=64)] = Field(default=1, validation_alias=_env("WORKERS"))
    max_body_bytes: int = Field(default=1024 * 1024, validation_alias=_env("MAX_BODY_BYTES"))
    max_batch: Annotated[int, Field(ge=1, le=500)] = Field(
        default=500, validation_alias=_env("MAX_BATCH")
    )
    fact_timeout_s: float = Field(default=2.0, validation_alias=_env("FACT_TIMEOUT_S"))
    group_commit_ms: float = Field(default=2.0, validation_alias=_env("GROUP_COMMIT_MS"))
    group_commit_max: Annotated[int, Field(ge=1, le=5000)] = Field(
        default=500, validation_alias=_env("GROUP_COMMIT_MAX")
    )
    dedup_memory_entries: Annotated[int, Field(ge=1_000, le=50_000_000)] = Field(
        default=100_000, validation_alias=_env("DEDUP_MEMORY_ENTRIES")
    )
    """Newest posting fingerprints each process keeps in memory for duplicate lookups
    (~2.6 KB each, measured); older ones stay in SQL but are no longer compared."""
    epoch_poll_s: float = Field(default=2.0, validation_alias=_env("EPOCH_POLL_S"))
    registry_backend: Literal["memory", "postgres"] = Field(
        default="memory", validation_alias=_env("REGISTRY_BACKEND")
    )
    demo: bool = Field(default=False, validation_alias=_env("DEMO"))
    demo_registry: bool = Field(default=True, validation_alias=_env("DEMO_REGISTRY"))
    """With `demo`: also load the demo registry into an empty registry."""
    demo_registry_file: Path = Field(
        default=DEMO_REGISTRY_FILE, validation_alias=_env("DEMO_REGISTRY_FILE")
    )
    """JSONL of registry records `demo` loads (default: the copy shipped in the package)."""
    rate_limit: Annotated[int, Field(ge=0)] = Field(default=0, validation_alias=_env("RATE_LIMIT"))
    """Requests one API key may send per `rate_limit_window_s` (0: no limit). Counted in
    Redis when `redis_url` is set (one limit across every worker and host), else per
    process (so `serve --workers N` allows up to N times as many)."""
    rate_limit_window_s: Annotated[float, Field(gt=0, le=3600)] = Field(
        default=1.0, validation_alias=_env("RATE_LIMIT_WINDOW_S")
    )
    max_json_depth: Annotated[int, Field(ge=2, le=512)] = Field(
        default=16, validation_alias=_env("MAX_JSON_DEPTH")
    )
    """Deepest nesting of objects and arrays a request body may have (a batch needs 4)."""
    max_json_keys: Annotated[int, Field(ge=10)] = Field(
        default=200, validation_alias=_env("MAX_JSON_KEYS")
    )
    """Most fields one JSON object of a request body may have."""
    max_json_values: Annotated[int, Field(ge=100)] = Field(
        default=100_000, validation_alias=_env("MAX_JSON_VALUES")
    )
    """Most JSON values (objects, arrays, scalars) in one request body."""
    db_statement_timeout_s: Annotated[float, Field(gt=0)] = Field(
        default=10.0, validation_alias=_env("DB_STATEMENT_TIMEOUT_S")
    )
    """PostgreSQL: server-side statement_timeout and the driver's command timeout."""
    db_connect_timeout_s: Annotated[float, Field(gt=0)] = Field(
        default=5.0, validation_alias=_env("DB_CONNECT_TIMEOUT_S")
    )
    """PostgreSQL: connecting, and waiting for a pooled connection."""
    sqlite_busy_timeout_s: Annotated[float, Field(gt=0)] = Field(
        default=30.0, validation_alias=_env("SQLITE_BUSY_TIMEOUT_S")
    )
    """SQLite: how long a statement waits for another connection's lock."""
    redis_timeout_s: Annotated[float, Field(gt=0)] = Field(
        default=1.0, validation_alias=_env("REDIS_TIMEOUT_S")
    )
    """Connecting to Redis and each Redis command (Redis is optional: on time-out the
    service goes on without it)."""
    log_level: str = Field(default="INFO", validation_alias=_env("LOG_LEVEL"))
    log_format: Literal["json", "text"] = Field(default="json", validation_alias=_env("LOG_FORMAT"))
    """`json`: one JSON object per line (structlog); `text`: readable lines for a terminal."""
    metrics_dir: Path | None = Field(default=None, validation_alias=_env("METRICS_DIR"))
    """Where the workers of `serve --workers N` share metric samples (emptied at start);
    default: PROMETHEUS_MULTIPROC_DIR if set, else a new temporary directory."""
    webhooks: bool = Field(default=True, validation_alias=_env("WEBHOOKS"))
    """Run the webhook dispatcher in this process (events are queued either way)."""
    webhook_max_attempts: Annotated[int, Field(ge=1, le=100)] = Field(
        default=8, validation_alias=_env("WEBHOOK_MAX_ATTEMPTS"))
    """Tries before an event becomes a dead letter."""
    webhook_timeout_s: Annotated[float, Field(gt=0, le=120)] = Field(
        default=10.0, validation_alias=_env("WEBHOOK_TIMEOUT_S"))
    webhook_backoff_s: Annotated[float, Field(ge=0)] = Field(
        default=10.0, validation_alias=_env("WEBHOOK_BACKOFF_S"))
    """Wait after the first failure; doubled after each further one (with jitter)."""
    webhook_backoff_max_s: Annotated[float, Field(ge=0)] = Field(
        default=3600.0, validation_alias=_env("WEBHOOK_BACKOFF_MAX_S"))
    webhook_lease_s: Annotated[float, Field(gt=0)] = Field(
        default=60.0, validation_alias=_env("WEBHOOK_LEASE_S"))
    """How long a claimed event stays with its worker before another may send it."""
    webhook_poll_s: Annotated[float, Field(gt=0)] = Field(
        default=1.0, validation_alias=_env("WEBHOOK_POLL_S"))
    lease_sweep_s: Annotated[float, Field(ge=0)] = Field(
        default=15.0, validation_alias=_env("LEASE_SWEEP_S"))
    """How often each worker returns run-out review leases to the queue and records their
    expiry (0: only reads and claims do, lazily)."""

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite default."""
        return self.database_url.startswith("sqlite")
