"""Shared resources of one process: settings, database engine, optional Redis, change bus.

Built once by the app factory (or a CLI command) and handed to whatever needs I/O:
fact providers, the decision writer, the API. No module-level clients.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis


@dataclass
class Resources:
    """What a process holds open while it serves."""

    settings: Settings
    engine: AsyncEngine
    redis: Redis | None = None
    extras: dict[str, object] = field(default_factory=dict)
    on_epoch: dict[str, Callable[[int], Awaitable[None]]] = field(default_factory=dict)
    """Refresh hooks by epoch name (see `verifier.store.epochs`): a provider that caches shared
    state registers one, and every instance calls it when another instance bumps the epoch."""

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is SQLite."""
        return self.engine.dialect.name == "sqlite"
