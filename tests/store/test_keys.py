"""API keys: hashed storage, roles, revocation, single-flight cache."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Role
from verifier.store import keys as keys_mod
from verifier.store.keys import KeyCache, create_key, find_key
from verifier.store.tables import api_keys


async def test_created_key_finds_its_principal_and_revocation_works(engine: AsyncEngine
                                                                   ) -> None:
    key = await create_key(engine, "zhaopin", Role.portal)
    found = await find_key(engine, key)
    assert found is not None and (found.name, found.role) == ("zhaopin", Role.portal)
    assert await find_key(engine, key + "x") is None
    async with engine.begin() as conn:
        await conn.execute(update(api_keys).values(revoked_at=datetime.now(UTC)))
    assert await find_key(engine, key) is None


async def test_cache_is_single_flight(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
                                      ) -> None:
    key = await create_key(engine, "p", Role.portal)
    calls = 0
    real = keys_mod.find_key

    async def counting(eng: AsyncEngine, k: str) -> keys_mod.Principal | None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return await real(eng, k)

    monkeypatch.setattr(keys_mod, "find_key", counting)
    cache = KeyCache(engine)
    got = await asyncio.gather(*(cache.lookup(key) for _ in range(50)))
    assert calls == 1 and all(g is not None and g.name == "p" for g in got)
    assert await cache.lookup(key) is got[0] and calls == 1
