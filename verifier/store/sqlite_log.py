"""The decision writer's own connection to an SQLite file: write lock, log sync, checkpoints.

The batch's statements run on the event loop between `BEGIN IMMEDIATE` (SQLite's write lock,
shared by every process on the file; when another holds it the writer polls without blocking
the loop) and a COMMIT that does not wait for the disk (`synchronous=NORMAL`): the lock is
held only for the work. The fsync of the write-ahead log then runs in the writer's helper
thread, outside the lock and overlapping the next batch, and only after it are the batch's
callers answered, so an answered decision is on disk exactly as with `synchronous=FULL`.
WAL checkpoints run in that thread too.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time

from sqlalchemy.engine import URL

from verifier.store.db import create_sync_engine
from verifier.store.sql import sqlite3_of

LOCK_POLL_S = 0.0005
"""How often a writer retries SQLite's write lock while another connection holds it."""
LOCK_WAIT_S = 30.0
"""How long it waits in all before the batch fails (the database's former busy timeout)."""
CHECKPOINT_EVERY_S = 0.2
"""Checkpoint the write-ahead log into the database at most this often (in the sync thread)."""


class LockTimeout(Exception):
    """SQLite's write lock stayed held elsewhere for longer than `LOCK_WAIT_S`."""


class SqliteLog:
    """The decision writer's own connection to an SQLite file.

    Made, used for fsync and checkpoints, and closed in the writer's helper thread; the
    transactions themselves run on the event loop (statements take microseconds once the
    write lock is held, and a thread hop per statement would cost more than that)."""

    def __init__(self, url: URL) -> None:
        self.engine = create_sync_engine(url, immediate=False)
        self.conn = self.engine.connect()
        raw = sqlite3_of(self.conn)
        if raw is None:  # pragma: no cover - the sync engine is always pysqlite
            raise RuntimeError("the SQLite writer needs the sqlite3 driver")
        self.raw = raw
        raw.execute("PRAGMA busy_timeout=0")  # never block the event loop on the lock
        db = url.database or ""
        mode = str(raw.execute("PRAGMA journal_mode").fetchone()[0]).lower()
        self.wal = mode == "wal" and db not in ("", ":memory:")
        self.wal_path = f"{db}-wal"
        self._fd: int | None = None
        self._checkpointed = time.monotonic()
        if self.wal:
            # Commit writes the log without waiting for the disk; `sync` then makes it
            # durable before anyone is answered. Checkpoints are left to `sync` as well, so
            # a commit on the event loop never copies the log into the database.
            raw.execute("PRAGMA synchronous=NORMAL")
            raw.execute("PRAGMA wal_autocheckpoint=0")

    def try_begin(self) -> bool:
        """Take SQLite's write lock now, or say it is held elsewhere."""
        try:
            self.raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY,
                                                          sqlite3.SQLITE_LOCKED):
                return False
            raise
        return True

    async def begin(self) -> None:
        """Take the write lock, polling without blocking the event loop; raises LockTimeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LOCK_WAIT_S
        while not self.try_begin():
            if loop.time() > deadline:
                raise LockTimeout(f"the database stayed locked for {LOCK_WAIT_S:.0f} s")
            await asyncio.sleep(LOCK_POLL_S)

    def rollback(self) -> None:
        """Undo the open transaction, if any is still open."""
        if self.raw.in_transaction:
            self.raw.rollback()

    def sync(self) -> None:
        """Flush the write-ahead log to disk (everything committed before this call is then
        durable), and checkpoint it now and then. fdatasync, as SQLite itself uses: data and
        size, not timestamps (fsync forced a file-system journal commit per call; measured
        stalls of 150-340 ms)."""
        if self._fd is None:  # the log exists once committed to, and SQLite removes it only
            # when the last connection closes: this one stays open, so one descriptor lasts
            self._fd = os.open(self.wal_path, os.O_RDONLY)
        os.fdatasync(self._fd)
        now = time.monotonic()
        if now - self._checkpointed >= CHECKPOINT_EVERY_S:
            self._checkpointed = now
            self._checkpoint()

    def _checkpoint(self) -> None:
        # PASSIVE, as SQLite's own automatic checkpoints: copies what no reader still needs,
        # never waits for or blocks writers; the database file is synced after copying.
        # (Measured under steady load from two processes: the log levels off at ~26 MB and
        # is started over whenever it has been fully copied.)
        with self.engine.connect() as conn:  # full sync, as every connection but the writer's
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def close(self) -> None:
        """Close the connection and the log's file descriptor."""
        self.rollback()
        self.conn.close()
        self.engine.dispose()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
