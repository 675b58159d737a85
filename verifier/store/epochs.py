"""Change epochs: how every running instance learns that shared state changed.

A change (rule pack reload, registry update) bumps a named counter in the SQL database —
the authority — and, when Redis is configured, publishes the name on a channel so other
instances react at once. Every instance also polls the counters every few seconds, so a
lost Redis message (or no Redis at all) delays a refresh by one poll, never loses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.store.tables import epochs

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)
CHANNEL = "verifier:epochs"
Callback = Callable[[str, int], Awaitable[None]]


async def bump(engine: AsyncEngine, name: str, redis: Redis | None = None) -> int:
    """Increment epoch `name` in the database (and announce it on Redis); returns the value."""
    async with engine.begin() as conn:
        q = select(epochs.c.value).where(epochs.c.name == name)
        if conn.dialect.name == "postgresql":
            q = q.with_for_update()
        cur = (await conn.execute(q)).scalar()
        now = datetime.now(UTC)
        if cur is None:
            value = 1
            await conn.execute(insert(epochs).values(name=name, value=value, updated_at=now))
        else:
            value = int(cur) + 1
            await conn.execute(
                update(epochs).where(epochs.c.name == name).values(value=value, updated_at=now)
            )
    if redis is not None:
        try:
            await redis.publish(CHANNEL, name)
        except Exception as exc:  # Redis is an accelerator; polling covers it
            log.warning("could not announce epoch %s on Redis: %s", name, exc)
    return value


async def read_all(engine: AsyncEngine) -> dict[str, int]:
    """Every epoch's current value."""
    async with engine.connect() as conn:
        return {n: int(v) for n, v in await conn.execute(select(epochs.c.name, epochs.c.value))}


class EpochWatcher:
    """Calls `callback(name, value)` when an epoch moves (poll + optional Redis push)."""

    def __init__(
        self, engine: AsyncEngine, callback: Callback, *, poll_s: float = 2.0,
        redis: Redis | None = None,
    ) -> None:
        self.engine = engine
        self.callback = callback
        self.poll_s = poll_s
        self.redis = redis
        self.seen: dict[str, int] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()

    async def start(self) -> None:
        """Read the current epochs (no callbacks for them) and start watching."""
        self.seen = await read_all(self.engine)
        self._tasks.append(asyncio.create_task(self._poll(), name="epoch-poll"))
        if self.redis is not None:
            self._tasks.append(asyncio.create_task(self._listen(), name="epoch-listen"))

    async def close(self) -> None:
        """Stop watching."""
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._tasks.clear()

    async def check(self) -> None:
        """Compare the database's epochs with those seen; fire callbacks for changes."""
        current = await read_all(self.engine)
        for name, value in current.items():
            if self.seen.get(name) != value:
                self.seen[name] = value
                try:
                    await self.callback(name, value)
                except Exception:  # a failed refresh is retried next change
                    log.exception("refresh for epoch %s failed", name)

    async def _poll(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)
            self._wake.clear()
            try:
                await self.check()
            except Exception as exc:  # keep watching through DB hiccups
                log.warning("epoch poll failed: %s", exc)

    async def _listen(self) -> None:
        redis = self.redis
        if redis is None:
            return
        while True:
            try:
                pubsub = redis.pubsub()
                await pubsub.subscribe(CHANNEL)
                async for msg in pubsub.listen():
                    if msg.get("type") == "message":
                        self._wake.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis down: polling still works
                log.warning("epoch listener lost Redis: %s; retrying", exc)
                await asyncio.sleep(self.poll_s)
