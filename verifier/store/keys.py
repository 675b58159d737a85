"""API keys: random tokens, stored only as SHA-256 hashes, each with one role and a name.

A name is unique per role among live keys (not revoked, not replaced by a rotation); a key
may expire; `last_used_at` is written at most every `KeyCache.flush_s` per key. Lifecycle
operations (revoke, rotate) live in `verifier.store.key_admin`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Role
from verifier.store.tables import api_keys

log = logging.getLogger(__name__)
KEYS_EPOCH = "keys"
"""Epoch bumped when a key is revoked or rotated: every instance empties its key cache."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name (a portal's name for portal keys) and role."""

    name: str
    role: Role
    key_id: int = 0
    expires_at: datetime | None = None


class KeyNameTaken(ValueError):
    """A live key of this role already has this name."""

    def __init__(self, role: Role, name: str) -> None:
        super().__init__(f"a live {role.value} key named {name!r} already exists")
        self.role = role
        self.name = name


def hash_key(key: str) -> str:
    """The stored form of a key (keys are 256-bit random, so a plain SHA-256 suffices)."""
    return hashlib.sha256(key.encode()).hexdigest()


def new_key(role: Role) -> str:
    """A fresh random key; the role is visible in its prefix for operators' convenience."""
    return f"pv_{role.value}_{secrets.token_urlsafe(32)}"


def clean_name(name: str) -> str:
    """A key name as stored: trimmed; 1-64 characters, no control characters (ValueError)."""
    name = name.strip()
    if not 1 <= len(name) <= 64:
        raise ValueError("a key name has 1-64 characters")
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in name):
        raise ValueError("a key name cannot hold control characters")
    return name


def live() -> ColumnElement[bool]:
    """SQL condition: the key is neither revoked nor replaced (expiry is checked apart)."""
    return and_(api_keys.c.revoked_at.is_(None), api_keys.c.replaced_by.is_(None))


async def create_key(
    engine: AsyncEngine, name: str, role: Role, key: str | None = None,
    expires_at: datetime | None = None,
) -> str:
    """Store a key (a new random one unless given) and return it; it is never shown again.

    Raises `KeyNameTaken` when a live key of the role has the name already.
    """
    name = clean_name(name)
    key = key or new_key(role)
    async with engine.begin() as conn:
        taken = (await conn.execute(
            select(api_keys.c.id).where(api_keys.c.role == role.value,
                                        api_keys.c.name == name, live())
        )).first()
        if taken is not None:
            raise KeyNameTaken(role, name)
        try:
            await conn.execute(
                insert(api_keys).values(
                    name=name, role=role.value, key_hash=hash_key(key), prefix=key[:16],
                    created_at=datetime.now(UTC), expires_at=expires_at,
                )
            )
        except IntegrityError as exc:  # a concurrent create of the same name won
            if "key_hash" in str(exc.orig):
                raise
            raise KeyNameTaken(role, name) from exc
    return key


async def find_key(engine: AsyncEngine, key: str) -> Principal | None:
    """The principal of a key that is in force (not revoked, not expired), or None."""
    now = datetime.now(UTC)
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(api_keys.c.id, api_keys.c.name, api_keys.c.role,
                       api_keys.c.expires_at).where(
                    api_keys.c.key_hash == hash_key(key), api_keys.c.revoked_at.is_(None),
                    or_(api_keys.c.expires_at.is_(None), api_keys.c.expires_at > now),
                )
            )
        ).first()
    if row is None:
        return None
    expires = row.expires_at
    if expires is not None and expires.tzinfo is None:  # SQLite returns naive UTC
        expires = expires.replace(tzinfo=UTC)
    return Principal(row.name, Role(row.role), int(row.id), expires)


class KeyCache:
    """A short-lived in-process cache of key lookups, so auth costs no query per request.

    An entry lives `ttl_s` at most and never past its key's expiry; `clear()` (called on
    the `keys` epoch, see `verifier.store.epochs`) drops every entry at once, so a revoked
    key stops working on every instance within one epoch poll. Last use is recorded in
    memory and written by `flush()` (every `flush_s` while started).
    """

    def __init__(self, engine: AsyncEngine, ttl_s: float = 10.0, size: int = 10_000,
                 flush_s: float = 30.0) -> None:
        self.engine = engine
        self.ttl = ttl_s
        self.size = size
        self.flush_s = flush_s
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._inflight: dict[str, asyncio.Future[Principal | None]] = {}
        self._used: dict[int, datetime] = {}
        self._task: asyncio.Task[None] | None = None

    def clear(self) -> None:
        """Forget every cached lookup (a key was revoked or rotated somewhere)."""
        self._cache.clear()

    async def on_epoch(self, _value: int) -> None:
        """Epoch hook: another instance changed keys."""
        self.clear()

    async def lookup(self, key: str) -> Principal | None:
        """The key's principal; misses are cached briefly too (bounded).

        Single-flight: concurrent requests with the same uncached key share one query.
        """
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit and hit[0] > now:
            self._touch(hit[1])
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
        self._cache[key] = (now + self._ttl_for(found), found)
        self._touch(found)
        return found

    def _ttl_for(self, found: Principal | None) -> float:
        if found is None:
            return 2.0
        if found.expires_at is None:
            return self.ttl
        left = (found.expires_at - datetime.now(UTC)).total_seconds()
        return max(0.0, min(self.ttl, left))

    def _touch(self, found: Principal | None) -> None:
        if found is not None and found.key_id:
            self._used[found.key_id] = datetime.now(UTC)

    async def flush(self) -> int:
        """Write the last-use times recorded since the previous flush; returns keys written."""
        used, self._used = self._used, {}
        if not used:
            return 0
        stmt = (update(api_keys).where(api_keys.c.id == bindparam("kid"))
                .values(last_used_at=bindparam("t")))
        async with self.engine.begin() as conn:
            await conn.execute(stmt, [{"kid": k, "t": t} for k, t in used.items()])
        return len(used)

    async def start(self) -> None:
        """Flush last-use times every `flush_s`."""
        self._task = asyncio.create_task(self._loop(), name="key-last-used")

    async def close(self) -> None:
        """Stop flushing, after a last flush."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await self.flush()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_s)
            try:
                await self.flush()
            except Exception as exc:  # bookkeeping only: never disturbs serving
                log.warning("could not record key last-use times: %s", exc)
