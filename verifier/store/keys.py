"""API keys: random tokens, stored only as SHA-256 hashes, each with one role."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Role
from verifier.store.tables import api_keys


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name (a portal's name for portal keys) and role."""

    name: str
    role: Role


def hash_key(key: str) -> str:
    """The stored form of a key (keys are 256-bit random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key(role: Role) -> str:
    """A fresh random key; the role is visible in its prefix for operators' convenience."""
    return f"pv_{role.value}_{secrets.token_urlsafe(32)}"


async def create_key(engine: AsyncEngine, name: str, role: Role, key: str | None = None) -> str:
    """Store a key (a new random one unless given) and return it; it is never shown again."""
    key = key or new_key(role)
    async with engine.begin() as conn:
        await conn.execute(
            insert(api_keys).values(
                name=name, role=role.value, key_hash=hash_key(key), prefix=key[:12],
                created_at=datetime.now(UTC),
            )
        )
    return key


async def find_key(engine: AsyncEngine, key: str) -> Principal | None:
    """The principal of an unrevoked key, or None."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(api_keys.c.name, api_keys.c.role).where(
                    api_keys.c.key_hash == hash_key(key), api_keys.c.revoked_at.is_(None)
                )
            )
        ).first()
    return Principal(row.name, Role(row.role)) if row else None


class KeyCache:
    """A short-lived in-process cache of key lookups, so auth costs no query per request."""

    def __init__(self, engine: AsyncEngine, ttl_s: float = 30.0, size: int = 10_000) -> None:
        self.engine = engine
        self.ttl = ttl_s
        self.size = size
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._inflight: dict[str, asyncio.Future[Principal | None]] = {}

    async def lookup(self, key: str) -> Principal | None:
        """The key's principal; misses are cached briefly too (bounded).

        Single-flight: concurrent requests with the same uncached key share one query.
        """
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit and hit[0] > now:
            return hit[1]
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        fut: asyncio.Future[Principal | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            found = await find_key(self.engine, key)
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # retrieved: waiters re-raise it, nobody logs it as unhandled
            raise
        finally:
            del self._inflight[key]
        fut.set_result(found)
        if len(self._cache) >= self.size:
            self._cache.clear()
        self._cache[key] = (now + (self.ttl if found else 2.0), found)
        return found
