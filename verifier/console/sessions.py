"""Console sessions: a random token in an HttpOnly cookie, stored hashed with its CSRF token.

A session belongs to the reviewer key that signed in; revoking, replacing or expiry of the
key ends its sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, DateTime, Index, String, Table, delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Role
from verifier.store.keys import hash_key, live
from verifier.store.tables import api_keys, metadata

TTL = timedelta(hours=12)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("key_hash", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_console_sessions_expires", "expires_at"),
)


@dataclass(frozen=True)
class Session:
    """A signed-in reviewer: the key's name and role, the form token, when it ends."""

    name: str
    role: Role
    csrf: str
    expires_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create(engine: AsyncEngine, key: str) -> str:
    """A new session for an (already checked) key; returns the cookie token."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(delete(console_sessions).where(console_sessions.c.expires_at < now))
        await conn.execute(insert(console_sessions).values(
            token_hash=_digest(token), key_hash=hash_key(key), csrf=secrets.token_urlsafe(24),
            created_at=now, expires_at=now + TTL))
    return token


async def find(engine: AsyncEngine, token: str) -> Session | None:
    """The live session of a cookie token (its key unrevoked), or None."""
    s, k = console_sessions.c, api_keys.c
    now = datetime.now(UTC)
    async with engine.connect() as conn:
        row = (await conn.execute(
            select(k.name, k.role, s.csrf, s.expires_at)
            .select_from(console_sessions.join(api_keys, k.key_hash == s.key_hash))
            .where(s.token_hash == _digest(token), live(),
                   or_(k.expires_at.is_(None), k.expires_at > now),
                   s.expires_at > now))).first()
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    return Session(row.name, Role(row.role), row.csrf, expires)


async def end(engine: AsyncEngine, token: str) -> None:
    """Sign out: forget the session."""
    async with engine.begin() as conn:
        await conn.execute(delete(console_sessions).where(
            console_sessions.c.token_hash == _digest(token)))
