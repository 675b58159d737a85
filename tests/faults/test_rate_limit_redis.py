"""The Redis rate limiter across a Redis restart (an own Redis on a spare port)."""

from __future__ import annotations

import shutil

import pytest
from redis.asyncio import Redis

from tests.conftest import need
from tests.faults.services import OwnRedis
from verifier.api.limits import RateLimiter


async def test_limiter_counts_in_redis_again_after_a_restart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    need("redis-server", shutil.which("redis-server") is not None)
    monkeypatch.setattr("verifier.api.limits._REDIS_BACKOFF_S", 0.0)
    own = OwnRedis().start()
    client = Redis.from_url(own.url, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        limiter = RateLimiter(1000, 600.0, client)
        assert await limiter.hit("portal:a") is None
        own.stop()
        assert await limiter.hit("portal:a") is None  # counted in-process meanwhile
        own.start()  # a new server: it has forgotten the Lua script
        assert await limiter.hit("portal:a") is None
        keys = await client.keys("verifier:rl:*")
        assert len(keys) == 1
        assert int(await client.get(keys[0]) or 0) == 1
    finally:
        await client.aclose()
        own.stop()
