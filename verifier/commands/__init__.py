"""CLI command modules. Each module exposes `command`, a click command or group that
`verifier.cli` adds to the `verifier` command; a new family adds a module, not an edit.

Every command that works on the service's data opens it with `service_database`: the
database must already exist and be migrated (a command never creates one), so a command
run with another `DATABASE_URL` than the service's, or none, says so in two lines instead
of silently reading or filling a new, empty database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from sqlalchemy.ext.asyncio import AsyncEngine

    from verifier.settings import Settings


@asynccontextmanager
async def service_database(
    database_url: str | None = None, *, settings: Settings | None = None
) -> AsyncIterator[tuple[AsyncEngine, Redis | None]]:
    """The service's existing database (`--database-url`, else DATABASE_URL) and its Redis
    when REDIS_URL is set; `OperatorError` when there is no migrated database there."""
    from verifier.failures import settings_from
    from verifier.store.open import open_existing

    settings = settings or settings_from(database_url=database_url)
    redis = None
    if settings.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.redis_url, socket_timeout=1.0,
                               socket_connect_timeout=1.0)
    try:
        async with open_existing(settings.database_url) as engine:
            yield engine, redis
    finally:
        if redis is not None:
            await redis.aclose()
