"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, Redis, live servers.

The PostgreSQL and Redis variants run whenever those services are reachable; with
VERIFIER_TEST_REQUIRE_SERVICES=1 (set by .ci/run) an unreachable service fails the test
instead of skipping it.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests import loop_teardown

loop_teardown.install()

REQUIRE = os.environ.get("VERIFIER_TEST_REQUIRE_SERVICES") == "1"
PG_ADMIN = os.environ.get("VERIFIER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("VERIFIER_TEST_REDIS", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parent.parent


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@cache
def pg_available() -> bool:
    """Whether the test PostgreSQL answers."""
    return _reachable("127.0.0.1", 5432)


@cache
def redis_available() -> bool:
    """Whether the test Redis answers."""
    return _reachable("127.0.0.1", 6379)


def need(service: str, ok: bool) -> None:
    """Skip (or fail, under VERIFIER_TEST_REQUIRE_SERVICES=1) when a service is down."""
    if ok:
        return
    msg = f"{service} is not reachable"
    if REQUIRE:
        pytest.fail(msg + " (VERIFIER_TEST_REQUIRE_SERVICES=1)")
    pytest.skip(msg)


async def _pg_exec(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_url(dbname: str) -> str:
    """URL of database `dbname` on the test server."""
    base = PG_ADMIN.rsplit("/", 1)[0]
    return f"{base}/{dbname}"


async def create_pg_database() -> str:
    """A new, empty PostgreSQL database; returns its name."""
    name = f"vt_{uuid.uuid4().hex[:12]}"
    await _pg_exec(f'CREATE DATABASE "{name}"')
    return name


async def drop_pg_database(name: str) -> None:
    """Drop a test database (terminating leftover connections)."""
    await _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database URL: SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/verifier.db"
        return
    need("PostgreSQL", pg_available())
    name = await create_pg_database()
    try:
        yield pg_url(name)
    finally:
        await drop_pg_database(name)


@pytest.fixture
def redis_url(db_url: str) -> str | None:
    """Redis beside PostgreSQL (the production shape); none beside SQLite (the embedded one)."""
    if db_url.startswith("sqlite"):
        return None
    need("Redis", redis_available())
    return REDIS


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Any]:
    """An async engine on a fresh, migrated database (SQLite, then PostgreSQL)."""
    from verifier.store import migrate
    from verifier.store.db import create_engine

    eng = create_engine(db_url)
    await migrate.upgrade(eng)
    yield eng
    await eng.dispose()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the PostgreSQL variants `postgres` (and those with Redis `redis`), so
    `-m "not postgres"` runs only what needs no service."""
    for item in items:
        spec = getattr(item, "callspec", None)
        if spec is None or spec.params.get("db_url") != "postgres":
            continue
        item.add_marker(pytest.mark.postgres)
        if "redis_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.redis)
