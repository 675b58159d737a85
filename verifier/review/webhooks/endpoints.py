"""Per-portal webhook endpoints: URL, signing secret, enabled flag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Role
from verifier.review.webhooks.signing import new_secret
from verifier.store.tables import api_keys
from verifier.store.webhook_tables import webhook_endpoints as ep


class EndpointError(ValueError):
    """A webhook endpoint could not be set (bad URL, unknown portal)."""


@dataclass(frozen=True)
class Endpoint:
    """One portal's webhook endpoint."""

    portal: str
    url: str
    secret: str
    enabled: bool
    created_at: datetime
    updated_at: datetime

    @property
    def secret_hint(self) -> str:
        """The secret's first characters, to tell secrets apart without showing one."""
        return self.secret[:10] + "…"


def check_url(url: str) -> str:
    """The URL if it is an absolute http(s) URL with a host; EndpointError otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"not an absolute http(s) URL: {url!r}")
    if len(url) > 2000:
        raise EndpointError("the URL is longer than 2000 characters")
    return url.strip()


async def get(engine: AsyncEngine, portal: str) -> Endpoint | None:
    """The portal's endpoint, or None."""
    async with engine.connect() as conn:
        row = (await conn.execute(select(ep).where(ep.c.portal == portal))).first()
    return Endpoint(**row._mapping) if row else None


async def list_all(engine: AsyncEngine) -> list[Endpoint]:
    """Every endpoint, by portal."""
    async with engine.connect() as conn:
        rows = (await conn.execute(select(ep).order_by(ep.c.portal))).all()
    return [Endpoint(**r._mapping) for r in rows]


async def set_endpoint(engine: AsyncEngine, portal: str, url: str, *, rotate: bool = False,
                       require_portal: bool = True) -> tuple[Endpoint, str | None]:
    """Set (and enable) the portal's endpoint; returns it and the new secret when one was made
    (a first endpoint, or `rotate`), else None: an existing secret is never shown again."""
    url = check_url(url)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        if require_portal:
            known = (await conn.execute(select(api_keys.c.id).where(
                api_keys.c.name == portal, api_keys.c.role == Role.portal.value,
                api_keys.c.revoked_at.is_(None)).limit(1))).first()
            if known is None:
                raise EndpointError(f"no portal key named {portal!r} (create it first)")
        old = (await conn.execute(select(ep.c.secret).where(ep.c.portal == portal))).first()
        secret = new_secret() if old is None or rotate else str(old.secret)
        if old is None:
            await conn.execute(insert(ep).values(portal=portal, url=url, secret=secret,
                                                 enabled=True, created_at=now, updated_at=now))
        else:
            await conn.execute(update(ep).where(ep.c.portal == portal).values(
                url=url, secret=secret, enabled=True, updated_at=now))
    found = await get(engine, portal)
    assert found is not None
    return found, (secret if old is None or rotate else None)


async def disable(engine: AsyncEngine, portal: str) -> bool:
    """Stop sending to the portal (no new events are queued); whether it had an endpoint."""
    async with engine.begin() as conn:
        res = await conn.execute(update(ep).where(ep.c.portal == portal).values(
            enabled=False, updated_at=datetime.now(UTC)))
    return bool(res.rowcount)
