"""Against real server processes: durability, several writers, workers, reloads."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import REDIS, free_port, need, pg_available, redis_available
from tests.factories import posting_dict
from tests.live import ROOT, start_server
from verifier.store.chain import verify_chain
from verifier.store.db import create_engine

PORTAL = {"Authorization": "Bearer demo-portal-key"}
ADMIN = {"Authorization": "Bearer demo-admin-key"}


async def post(session: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> Any:
    async with session.post(url + "/v1/postings/verify", json=body, headers=PORTAL) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def chain_ok(db_url: str) -> int:
    engine = create_engine(db_url)
    try:
        report = await verify_chain(engine)
    finally:
        await engine.dispose()
    assert report.ok, report
    return report.rows


async def test_decision_survives_kill9_right_after_200(db_url: str, tmp_path: Path) -> None:
    port = free_port()
    server = start_server(port, db_url, tmp_path)
    try:
        async with aiohttp.ClientSession() as s:
            made = await post(s, server.url, posting_dict(posting_id="durable"))
        server.kill9()  # the 200 is in hand: the decision must already be committed
    finally:
        server.stop()
    again = start_server(port, db_url, tmp_path)
    try:
        async with aiohttp.ClientSession() as s, s.get(
            again.url + "/v1/postings/durable/decision", headers=PORTAL) as r:
            assert r.status == 200
            assert (await r.json())["decision_id"] == made["decision_id"]
    finally:
        again.stop()
    assert await chain_ok(db_url) == 1


@pytest.mark.slow
async def test_two_server_processes_on_one_postgres_keep_one_chain(tmp_path: Path) -> None:
    need("PostgreSQL", pg_available())
    from tests.conftest import create_pg_database, drop_pg_database, pg_url

    name = await create_pg_database()
    url = pg_url(name)
    a = start_server(free_port(), url, tmp_path)
    b = start_server(free_port(), url, tmp_path)
    try:
        async with aiohttp.ClientSession() as s:
            sem = asyncio.Semaphore(32)

            async def one(server_url: str, i: int) -> Any:
                async with sem:
                    return await post(s, server_url, posting_dict(posting_id=f"c{i}"))

            got = await asyncio.gather(*(one(a.url if i % 2 else b.url, i) for i in range(400)))
        assert len({d["decision_id"] for d in got}) == 400
        assert await chain_ok(url) == 400
    finally:
        a.stop()
        b.stop()
        await drop_pg_database(name)


@pytest.mark.slow
async def test_workers_share_one_port(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path}/w.db"
    server = start_server(free_port(), db, tmp_path, workers=2)
    try:
        async with aiohttp.ClientSession() as s:
            got = await asyncio.gather(
                *(post(s, server.url, posting_dict(posting_id=f"w{i}")) for i in range(100)))
        assert len({d["decision_id"] for d in got}) == 100
    finally:
        server.stop()
    assert await chain_ok(db) == 100


async def _rules_version(session: aiohttp.ClientSession, url: str) -> str:
    async with session.get(url + "/v1/rules", headers=PORTAL) as r:
        assert r.status == 200
        return str((await r.json())["rules_version"])


async def _eventually(fn: Any, ok: Any, seconds: float = 10.0) -> Any:
    got = None
    for _ in range(int(seconds / 0.2)):
        got = await fn()
        if ok(got):
            return got
        await asyncio.sleep(0.2)
    return got


async def test_sighup_reloads_and_bad_pack_keeps_old(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    server = start_server(free_port(), f"sqlite+aiosqlite:///{tmp_path}/h.db", tmp_path,
                          rules_dir=rules)
    try:
        async with aiohttp.ClientSession() as s:
            before = await _rules_version(s, server.url)
            (rules / "content" / "content.toml").write_text(
                "min_description_chars = 31\nmax_headcount = 999\n")
            server.hup()
            after = await _eventually(lambda: _rules_version(s, server.url), lambda v: v != before)
            assert after != before
            (rules / "content" / "content.toml").write_text("min_description_chars = [\n")
            server.hup()
            await asyncio.sleep(1.0)
            assert await _rules_version(s, server.url) == after  # bad pack refused
            async with s.post(server.url + "/v1/admin/rules/reload", headers=ADMIN) as r:
                assert r.status == 422
                assert "content/content.toml:1" in (await r.json())["detail"]
    finally:
        server.stop()


async def test_admin_reload_reaches_every_instance(db_url: str, redis_url: str | None,
                                                   tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    a = start_server(free_port(), db_url, tmp_path, rules_dir=rules, redis_url=redis_url)
    b = start_server(free_port(), db_url, tmp_path, rules_dir=rules, redis_url=redis_url)
    try:
        async with aiohttp.ClientSession() as s:
            before = await _rules_version(s, b.url)
            (rules / "content" / "content.toml").write_text(
                "min_description_chars = 40\nmax_headcount = 999\n")
            async with s.post(a.url + "/v1/admin/rules/reload", headers=ADMIN) as r:
                assert r.status == 200
                new = (await r.json())["rules_version"]
            assert new != before
            assert await _eventually(lambda: _rules_version(s, b.url), lambda v: v == new) == new
    finally:
        a.stop()
        b.stop()


def test_redis_constant_is_local() -> None:
    assert REDIS.startswith("redis://127.0.0.1")
    assert isinstance(redis_available(), bool)
