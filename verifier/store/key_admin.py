"""Key lifecycle for operators: list, find by id/prefix/key, revoke, rotate.

Revoking or rotating bumps the `keys` epoch, so every running instance drops its key cache
within one epoch poll (at once with Redis).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Role
from verifier.store import epochs
from verifier.store.keys import KEYS_EPOCH, hash_key, new_key
from verifier.store.tables import api_keys

if TYPE_CHECKING:
    from redis.asyncio import Redis


class KeyNotFound(LookupError):
    """No key, or more than one, matches what the operator gave."""


def _utc(t: datetime | None) -> datetime | None:
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


@dataclass(frozen=True)
class KeyInfo:
    """One stored key as operators see it (never the key itself)."""

    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    replaced_by: int | None

    def status(self, now: datetime | None = None) -> str:
        """active | expired | revoked | replaced (still valid until its expiry)."""
        now = now or datetime.now(UTC)
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        if self.replaced_by is not None:
            return f"replaced by #{self.replaced_by}"
        return "active"

    def as_dict(self) -> dict[str, Any]:
        """JSON-able form (ISO times)."""
        def iso(t: datetime | None) -> str | None:
            return t.isoformat() if t is not None else None
        return {"id": self.id, "name": self.name, "role": self.role, "prefix": self.prefix,
                "status": self.status(), "created_at": iso(self.created_at),
                "expires_at": iso(self.expires_at), "last_used_at": iso(self.last_used_at),
                "revoked_at": iso(self.revoked_at), "replaced_by": self.replaced_by}


_COLS = (api_keys.c.id, api_keys.c.name, api_keys.c.role, api_keys.c.prefix,
         api_keys.c.created_at, api_keys.c.expires_at, api_keys.c.last_used_at,
         api_keys.c.revoked_at, api_keys.c.replaced_by)


def _info(row: Any) -> KeyInfo:
    return KeyInfo(int(row.id), row.name, row.role, row.prefix, _utc(row.created_at) or
                   datetime.now(UTC), _utc(row.expires_at), _utc(row.last_used_at),
                   _utc(row.revoked_at), row.replaced_by)


async def list_keys(engine: AsyncEngine, *, role: str | None = None,
                    include_revoked: bool = True) -> list[KeyInfo]:
    """Every key (optionally of one role), oldest first."""
    q = select(*_COLS).order_by(api_keys.c.id)
    if role is not None:
        q = q.where(api_keys.c.role == role)
    if not include_revoked:
        q = q.where(api_keys.c.revoked_at.is_(None))
    async with engine.connect() as conn:
        return [_info(r) for r in await conn.execute(q)]


async def find(engine: AsyncEngine, ident: str) -> KeyInfo:
    """The one key named by its id (`12` or `#12`), the full key, or a unique prefix."""
    ident = ident.strip()
    q = select(*_COLS)
    if ident.lstrip("#").isdigit():
        q = q.where(api_keys.c.id == int(ident.lstrip("#")))
    elif len(ident) >= 32:
        q = q.where(api_keys.c.key_hash == hash_key(ident))
    else:
        q = q.where(api_keys.c.prefix.startswith(ident, autoescape=True))
    async with engine.connect() as conn:
        rows = [_info(r) for r in await conn.execute(q.limit(6))]
    if not rows:
        raise KeyNotFound(f"no key matches {ident!r}")
    if len(rows) > 1:
        ids = ", ".join(f"#{r.id}" for r in rows[:5])
        raise KeyNotFound(f"{ident!r} matches several keys ({ids}): give the id")
    return rows[0]


async def revoke(engine: AsyncEngine, ident: str, redis: Redis | None = None) -> KeyInfo:
    """Revoke a key now; every instance stops accepting it within one epoch poll."""
    info = await find(engine, ident)
    if info.revoked_at is None:
        async with engine.begin() as conn:
            await conn.execute(update(api_keys).where(api_keys.c.id == info.id)
                               .values(revoked_at=datetime.now(UTC)))
        await epochs.bump(engine, KEYS_EPOCH, redis)
    return await find(engine, str(info.id))


async def rotate(engine: AsyncEngine, ident: str, grace: timedelta = timedelta(0),
                 expires_at: datetime | None = None,
                 redis: Redis | None = None) -> tuple[str, KeyInfo, KeyInfo]:
    """A new key with the old one's name and role; the old one is replaced and works for
    `grace` more (0: revoked at once). Returns (new key, new info, old info)."""
    old = await find(engine, ident)
    if old.status() not in ("active",):
        raise KeyNotFound(f"key #{old.id} is {old.status()}: only an active key is rotated")
    key = new_key(Role(old.role))
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        # The old row leaves the live set first, so the new one may take its name.
        end = now + grace
        values: dict[str, Any] = {"revoked_at": now} if grace <= timedelta(0) else {
            "expires_at": min(end, old.expires_at) if old.expires_at else end}
        await conn.execute(update(api_keys).where(api_keys.c.id == old.id)
                           .values(replaced_by=-1, **values))
        new_id = (await conn.execute(
            insert(api_keys).values(name=old.name, role=old.role, key_hash=hash_key(key),
                                    prefix=key[:16], created_at=now,
                                    expires_at=expires_at).returning(api_keys.c.id)
        )).scalar_one()
        await conn.execute(update(api_keys).where(api_keys.c.id == old.id)
                           .values(replaced_by=new_id))
    await epochs.bump(engine, KEYS_EPOCH, redis)
    return key, await find(engine, str(new_id)), await find(engine, str(old.id))
