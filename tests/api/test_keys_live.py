"""Key revocation reaches every worker of a running service within seconds."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import aiohttp

from tests.conftest import free_port
from tests.live import ROOT, start_server


async def _cli(db_url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": db_url, "RULES_DIR": str(ROOT / "rules")}
    env.pop("REDIS_URL", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "verifier", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode().strip()


async def _statuses(url: str, key: str, n: int) -> list[int]:
    """Statuses of `n` requests, each on a new connection (the kernel spreads connections
    over the workers)."""
    headers = {"Authorization": f"Bearer {key}"}
    out = []
    conn = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=conn) as s:
        for _ in range(n):
            async with s.get(url + "/v1/rules", headers=headers) as r:
                out.append(r.status)
    return out


async def test_revoked_key_is_refused_by_every_worker_within_seconds(
    db_url: str, tmp_path: Path
) -> None:
    server = start_server(free_port(), db_url, tmp_path, workers=2, timeout=180)
    try:
        key = await _cli(db_url, "keys", "create", "--role", "reviewer", "--name", "张三")
        assert set(await _statuses(server.url, key, 12)) == {200}  # cached by both workers
        await _cli(db_url, "keys", "revoke", key[:16])
        t0 = time.monotonic()
        while time.monotonic() - t0 < 10:
            if set(await _statuses(server.url, key, 12)) == {401}:
                break
            await asyncio.sleep(0.2)
        took = time.monotonic() - t0
        assert set(await _statuses(server.url, key, 12)) == {401}
        assert took < 5.0, took  # EPOCH_POLL_S is 0.5 here, the cache TTL 10 s
    finally:
        server.stop()
