"""The SQLite decision writer: the lock held only for the work, the log synced before anyone
is answered, lock waits that never block the event loop, checkpoints off the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.store.test_writer import decision
from verifier.store import migrate
from verifier.store import sqlite_log as log_mod
from verifier.store.chain import verify_chain
from verifier.store.db import create_engine
from verifier.store.tables import decisions
from verifier.store.writer import DecisionWriter, StoreUnavailable, UnstorableDecision


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, Path]]:
    path = tmp_path / "log.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await migrate.upgrade(engine)
    yield engine, path
    await engine.dispose()


@asynccontextmanager
async def running(engine: AsyncEngine, **kwargs: Any) -> AsyncIterator[DecisionWriter]:
    """A started writer, closed on exit."""
    w = DecisionWriter(engine, **kwargs)
    await w.start()
    try:
        yield w
    finally:
        await w.close()


async def rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(decisions))).scalar_one())


async def test_callers_are_answered_only_after_the_log_is_synced(
    sqlite_db: tuple[AsyncEngine, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, _ = sqlite_db
    events: list[str] = []
    release = asyncio.Event()
    loop = asyncio.get_running_loop()
    real_sync = log_mod.SqliteLog.sync

    def slow_sync(self: log_mod.SqliteLog) -> None:
        events.append("sync started")
        asyncio.run_coroutine_threadsafe(release.wait(), loop).result(timeout=10)
        real_sync(self)
        events.append("synced")

    monkeypatch.setattr(log_mod.SqliteLog, "sync", slow_sync)
    async with running(engine) as w:
        try:
            task = asyncio.create_task(w.submit(decision("durable")))
            for _ in range(200):
                if events:
                    break
                await asyncio.sleep(0.01)
            assert events == ["sync started"]
            # Committed (another connection sees it) but not yet answered: not yet on disk.
            assert await rows(engine) == 1
            assert not task.done()
            release.set()
            stored = await task
            assert events == ["sync started", "synced"]
            assert stored.posting_id == "durable"
        finally:
            release.set()


async def test_writer_connection_commits_without_fsync_and_leaves_checkpoints_to_the_sync(
    sqlite_db: tuple[AsyncEngine, Path],
) -> None:
    engine, _ = sqlite_db
    async with running(engine) as w:
        await w.submit(decision("x"))
        db = w._sqlite
        assert db is not None and db.wal
        assert db.raw.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert db.raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        assert db.raw.execute("PRAGMA busy_timeout").fetchone()[0] == 0


async def test_checkpoints_move_the_log_into_the_database_file(
    sqlite_db: tuple[AsyncEngine, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, path = sqlite_db
    monkeypatch.setattr(log_mod, "CHECKPOINT_EVERY_S", 0.0)
    async with running(engine) as w:
        before = path.stat().st_size
        await asyncio.gather(*(w.submit(decision(f"c{i}", content="cp")) for i in range(300)))
        await w.submit(decision("last"))  # its sync checkpoints everything before it
        assert path.stat().st_size > before  # pages copied out of the WAL, writer still open
        assert (await verify_chain(engine)).ok


async def test_a_held_lock_is_waited_for_without_blocking_the_event_loop(
    sqlite_db: tuple[AsyncEngine, Path],
) -> None:
    engine, path = sqlite_db
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's writer, mid-transaction
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    tick = asyncio.create_task(ticker())
    async with running(engine) as w:
        try:
            task = asyncio.create_task(w.submit(decision("waits")))
            await asyncio.sleep(0.3)
            assert not task.done()
            assert ticks >= 10  # the loop kept running while the writer waited
            other.execute("COMMIT")
            stored = await asyncio.wait_for(task, 10)
            assert stored.version == 1
            assert await rows(engine) == 1
        finally:
            tick.cancel()
            other.close()


async def test_a_lock_held_too_long_fails_the_batch_and_writes_nothing(
    sqlite_db: tuple[AsyncEngine, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, path = sqlite_db
    monkeypatch.setattr(log_mod, "LOCK_WAIT_S", 0.2)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    async with running(engine) as w:
        try:
            with pytest.raises(StoreUnavailable, match="locked"):
                await w.submit(decision("starved"))
            other.execute("ROLLBACK")
            assert await rows(engine) == 0
            stored = await w.submit(decision("later"))  # the writer recovers
            assert stored.posting_id == "later"
        finally:
            other.close()


async def test_a_failed_sync_is_not_reported_logged_but_the_retry_finds_the_decision(
    sqlite_db: tuple[AsyncEngine, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, _ = sqlite_db

    def broken_sync(self: log_mod.SqliteLog) -> None:
        raise OSError(5, "Input/output error")

    async with running(engine) as w:
        with monkeypatch.context() as m:
            m.setattr(log_mod.SqliteLog, "sync", broken_sync)
            with pytest.raises(StoreUnavailable, match="Input/output"):
                await w.submit(decision("io", content="v1"))
        retry = await w.submit(decision("io", content="v1"))
        assert retry.version == 1  # the committed row, not a second version
        assert await rows(engine) == 1


async def test_linger_bounds_the_wait_of_the_oldest_decision(
    sqlite_db: tuple[AsyncEngine, Path],
) -> None:
    engine, _ = sqlite_db
    loop = asyncio.get_running_loop()
    async with running(engine, linger_ms=1000) as w:
        await w.submit(decision("warm"))  # opens the writer's connection
        t0 = loop.time()
        await w.submit(decision("alone"))
        alone = loop.time() - t0
        assert alone >= 0.95  # waited for company

        t0 = loop.time()
        task = asyncio.create_task(w.submit(decision("busy")))
        await asyncio.sleep(0)  # the decision is queued
        busy_until = time.monotonic() + 1.2
        while time.monotonic() < busy_until:  # the loop busy with other requests
            pass
        await task
        waited = loop.time() - t0
        # The linger had passed while the loop was busy: written at once, not 1 s later
        # (the margin leaves room for this disk's occasional slow fdatasync).
        assert waited < 1.2 + 0.6, waited


async def test_a_batch_that_fails_midway_is_rolled_back_and_its_good_part_rewritten(
    sqlite_db: tuple[AsyncEngine, Path],
) -> None:
    engine, _ = sqlite_db
    async with running(engine) as w:
        first = decision("one")
        clash = decision("two").model_copy(update={"decision_id": first.decision_id})
        results = await asyncio.gather(w.submit_many([first, clash]), return_exceptions=True)
        # The second insert fails after the first: the transaction is rolled back whole,
        # then each half is written on its own; only the refused decision fails.
        (err,) = results
        assert isinstance(err, UnstorableDecision) and "UNIQUE" in str(err)
        assert await rows(engine) == 1
        assert w._sqlite is not None and not w._sqlite.raw.in_transaction
        stored = await w.submit(decision("three"))
        assert stored.posting_id == "three"
        report = await verify_chain(engine)
        assert report.ok and report.rows == 2, report
