"""Key lifecycle: unique names per role, expiry, last use, revoke and rotate reaching every
instance's cache (SQLite, then PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Role
from verifier.store import migrate
from verifier.store.db import create_engine
from verifier.store.epochs import EpochWatcher
from verifier.store.key_admin import KeyNotFound, find, list_keys, revoke, rotate
from verifier.store.keys import KEYS_EPOCH, KeyCache, KeyNameTaken, create_key, find_key, hash_key
from verifier.store.tables import api_keys


async def test_names_are_unique_per_role_among_live_keys(engine: AsyncEngine) -> None:
    await create_key(engine, "张三", Role.reviewer)
    with pytest.raises(KeyNameTaken, match="张三"):
        await create_key(engine, " 张三 ", Role.reviewer)  # trimmed: the same name
    await create_key(engine, "张三", Role.auditor)  # another role may use it
    first = (await list_keys(engine, role="reviewer"))[0]
    await revoke(engine, str(first.id))
    key = await create_key(engine, "张三", Role.reviewer)  # a revoked key frees the name
    found = await find_key(engine, key)
    assert found is not None and (found.name, found.role) == ("张三", Role.reviewer)


async def test_expiry_is_enforced_and_bounds_the_cache(engine: AsyncEngine) -> None:
    past = await create_key(engine, "old", Role.portal,
                            expires_at=datetime.now(UTC) - timedelta(seconds=1))
    assert await find_key(engine, past) is None
    soon = await create_key(engine, "soon", Role.portal,
                            expires_at=datetime.now(UTC) + timedelta(seconds=1.5))
    cache = KeyCache(engine, ttl_s=60)
    got = await cache.lookup(soon)
    assert got is not None and got.expires_at is not None
    await asyncio.sleep(1.7)
    assert await cache.lookup(soon) is None  # the cached entry did not outlive the key
    assert (await find(engine, "2")).status() == "expired"


async def test_last_use_is_recorded_by_flush(engine: AsyncEngine) -> None:
    key = await create_key(engine, "p", Role.portal)
    cache = KeyCache(engine)
    assert (await list_keys(engine))[0].last_used_at is None
    before = datetime.now(UTC)
    for _ in range(3):
        await cache.lookup(key)
    assert await cache.flush() == 1
    used = (await list_keys(engine))[0].last_used_at
    assert used is not None and used >= before - timedelta(seconds=1)
    assert await cache.flush() == 0  # nothing new since


async def test_revocation_reaches_another_instance_through_the_epoch(engine: AsyncEngine
                                                                     ) -> None:
    key = await create_key(engine, "p", Role.portal)
    other = KeyCache(engine, ttl_s=300)  # a long TTL: only the epoch can empty it
    assert await other.lookup(key) is not None

    async def on_epoch(name: str, value: int) -> None:
        if name == KEYS_EPOCH:
            await other.on_epoch(value)

    watcher = EpochWatcher(engine, on_epoch, poll_s=0.1)
    await watcher.start()
    try:
        await revoke(engine, key)  # the key itself identifies it too
        for _ in range(50):
            await asyncio.sleep(0.1)
            if await other.lookup(key) is None:
                break
        assert await other.lookup(key) is None
    finally:
        await watcher.close()


async def test_rotate_with_grace_then_without(engine: AsyncEngine) -> None:
    old = await create_key(engine, "zhaopin", Role.portal)
    new, info, was = await rotate(engine, old[:16], grace=timedelta(hours=1))
    assert (info.name, info.role) == ("zhaopin", "portal") and new != old
    assert was.status() == f"replaced by #{info.id}" and was.expires_at is not None
    assert await find_key(engine, old) is not None  # works during the grace period
    assert await find_key(engine, new) is not None
    with pytest.raises(KeyNotFound, match="only an active key"):
        await rotate(engine, str(was.id))
    newer, _, gone = await rotate(engine, str(info.id))
    assert gone.status() == "revoked" and await find_key(engine, new) is None
    assert await find_key(engine, newer) is not None
    with pytest.raises(KeyNameTaken):
        await create_key(engine, "zhaopin", Role.portal)


async def test_find_refuses_ambiguous_and_unknown(engine: AsyncEngine) -> None:
    await create_key(engine, "a", Role.portal)
    await create_key(engine, "b", Role.portal)
    with pytest.raises(KeyNotFound, match="several"):
        await find(engine, "pv_portal_")
    with pytest.raises(KeyNotFound, match="no key"):
        await find(engine, "99")


async def test_migration_keeps_duplicate_names_working(db_url: str) -> None:
    """Keys of one name added before names were unique stay valid; older ones are marked
    replaced by the newest, so the unique index can be built."""
    engine = create_engine(db_url)
    try:
        await migrate.upgrade(engine, "0005")
        now = datetime.now(UTC)
        async with engine.begin() as conn:
            for key in ("k-one", "k-two"):
                await conn.execute(
                    text("INSERT INTO api_keys (name, role, key_hash, prefix, created_at) "
                         "VALUES ('dup', 'portal', :h, :p, :c)"),
                    {"h": hash_key(key), "p": key, "c": now})
        await migrate.upgrade(engine)
        infos = await list_keys(engine)
        assert [i.status() for i in infos] == [f"replaced by #{infos[1].id}", "active"]
        for key in ("k-one", "k-two"):
            assert await find_key(engine, key) is not None
        async with engine.connect() as conn:
            assert (await conn.execute(select(api_keys.c.replaced_by).order_by(
                api_keys.c.id))).scalars().all() == [
                infos[1].id, None]
    finally:
        await engine.dispose()
