"""The group-commit decision writer.

Requests hand their decision to one writer task per process and wait for it. The writer
takes everything queued (up to `max_batch`), and in ONE transaction: locks the chain head
(`SELECT ... FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` takes the database write
lock), finds which decisions already exist (idempotent retries: same portal, posting id and
content hash → the stored decision is returned and nothing is written) and the latest
version of each posting, assigns sequence numbers and versions, hashes each row onto the
chain, inserts the rows and the review items of flagged ones, moves the head, commits.
Only then are the waiting requests answered. Several processes and hosts can write to one
PostgreSQL: the head row lock serializes their batches, so the chain stays one chain.

On SQLite the batch runs on the event loop's own thread, on the writer's own connection,
between `BEGIN IMMEDIATE` (SQLite's write lock, shared by every process on the file; when
another holds it the writer polls without blocking the loop) and a COMMIT that does not
wait for the disk (`synchronous=NORMAL`): the lock is held only for the work. The fsync of
the write-ahead log then runs in a helper thread, outside the lock and overlapping the next
batch, and only after it are the batch's callers answered, so an answered decision is on
disk exactly as with `synchronous=FULL`. WAL checkpoints run in that thread too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, partial
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Dialect,
    Float,
    Integer,
    String,
    Table,
    Text,
    insert,
    select,
)
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Decision, Outcome
from verifier.obs.metrics import observe_batch
from verifier.pipeline.facts import GroupedWrite, SideWrite
from verifier.store.chain import canonical, columns, row_hash
from verifier.store.db import create_sync_engine
from verifier.store.tables import decisions, review_items

log = logging.getLogger(__name__)


class StoreUnavailable(Exception):
    """The decision log could not be written; nothing was committed for this request."""


@dataclass(frozen=True, slots=True)
class Logged:
    """A decision the current batch adds to the log, and the one it supersedes (if any)."""

    decision: Decision
    seq: int
    supersedes_seq: int | None


LogHook = Callable[[Connection, list[Logged]], None]
"""Runs inside the batch's transaction after its rows are inserted (e.g. writes the webhook
outbox); an exception fails the whole batch, so what it writes is never lost alone."""


def basic_review_items(conn: Connection, logged: list[Logged]) -> None:
    """A pending review item per flagged decision (the review queue's own hook adds
    priority, SLA, spot checks and supersession: `verifier.review.items.QueueHook`)."""
    now = datetime.now(UTC)
    rows = [{"decision_id": x.decision.decision_id, "decision_seq": x.seq,
             "portal": x.decision.portal, "posting_id": x.decision.posting_id,
             "status": "pending", "created_at": now}
            for x in logged if x.decision.outcome is Outcome.flag]
    if rows:
        insert_rows(conn, review_items, rows)


class _Pending:
    """One decision waiting for its batch, and the future its caller awaits."""

    __slots__ = ("decision", "future", "payload", "queued_at", "side_writes")

    def __init__(self, decision: Decision, side_writes: list[SideWrite],
                 future: asyncio.Future[Decision], queued_at: float = 0.0) -> None:
        self.decision = decision
        self.side_writes = side_writes
        self.future = future
        self.queued_at = queued_at
        """When it was handed to the writer (event-loop clock)."""
        self.payload: str | None = None
        """The canonical JSON of `decision` as given (version 1 unless the log says
        otherwise), encoded before the batch takes the log's lock so that the lock is held
        for less."""


def _prepare(batch: list[_Pending]) -> None:
    for p in batch:
        if p.payload is None:
            p.payload = canonical(p.decision)


class DecisionWriter:
    """Batches decisions into few transactions; answers each caller after its commit."""

    def __init__(self, engine: AsyncEngine, *, max_batch: int = 500, linger_ms: float = 0.0,
                 hooks: Sequence[LogHook] = (), review_hook: LogHook = basic_review_items):
        self.engine = engine
        self.hooks = (review_hook, *hooks)
        """The review hook first (it writes the review items, required with every flagged
        decision), then the others (e.g. the webhook outbox)."""
        self.max_batch = max_batch
        self.linger = linger_ms / 1000.0
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()  # None: stop
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.rows = 0
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._sqlite: _SqliteLog | None = None
        self._syncing: set[asyncio.Future[None]] = set()

    @property
    def running(self) -> bool:
        """Whether the writer task is alive."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Start the writer task."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="decision-writer")

    async def close(self) -> None:
        """Write everything already queued, then stop (new submissions are refused)."""
        if self._task is None:
            return
        task, self._task = self._task, None
        self._queue.put_nowait(None)
        try:
            await asyncio.wait_for(asyncio.shield(task), 30)
        except TimeoutError:
            task.cancel()
        if self._syncing:  # committed batches whose callers wait for the disk
            await asyncio.gather(*self._syncing, return_exceptions=True)
        if self._sqlite is not None:
            await asyncio.get_running_loop().run_in_executor(self._thread, self._sqlite.close)
            self._sqlite = None
        self._thread.shutdown(wait=False)

    async def submit(self, decision: Decision) -> Decision:
        """Log one decision; returns it as stored (or the earlier one for a retry)."""
        return (await self.submit_many([decision]))[0]

    async def submit_many(
        self, items: list[Decision], side_writes: list[list[SideWrite]] | None = None
    ) -> list[Decision]:
        """Log several decisions; they may share a transaction with other callers'.

        `side_writes[i]` run in the same transaction as `items[i]`, only if it is new.
        """
        if self._task is None or self._task.done():
            raise StoreUnavailable("decision writer is not running")
        sides = side_writes or [[] for _ in items]
        loop = asyncio.get_running_loop()
        now = loop.time()
        pending = [_Pending(d, w, loop.create_future(), now)
                   for d, w in zip(items, sides, strict=True)]
        for p in pending:
            self._queue.put_nowait(p)
        # Shielded: a caller that goes away (client disconnect) does not cancel the futures
        # the writer answers.
        if len(pending) == 1:
            return [await asyncio.shield(pending[0].future)]
        return list(await asyncio.gather(*(asyncio.shield(p.future) for p in pending)))

    async def _run(self) -> None:
        stop = False
        while not stop:
            first = await self._queue.get()
            if first is None:
                return
            batch = [first]
            # Linger bounds how long the OLDEST decision waits for company. Under load the
            # writer is often scheduled after that has passed (every request ahead of it in
            # the event loop ran first), and then it writes at once.
            wait = first.queued_at + self.linger - asyncio.get_running_loop().time()
            if wait > 0:
                await asyncio.sleep(wait)
            while len(batch) < self.max_batch and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stop = True
                    break
                batch.append(item)
            started = time.perf_counter()
            try:
                results, durable = await self._write(batch)
            except asyncio.CancelledError:
                _fail(batch, "writer stopped")
                raise
            except Exception as exc:  # every caller must hear of the failure
                log.warning("decision batch of %d not written: %s", len(batch), exc)
                observe_batch(len(batch), time.perf_counter() - started, ok=False)
                _abandon(batch)
                _fail(batch, f"{type(exc).__name__}: {exc}")
            else:
                self.batches += 1
                if durable is None:
                    observe_batch(len(batch), time.perf_counter() - started, ok=True)
                else:
                    durable.add_done_callback(partial(_observe_synced, len(batch), started))
                if durable is None:
                    _answer(batch, results)
                else:  # committed; answered once the log is on disk
                    self._syncing.add(durable)
                    durable.add_done_callback(partial(self._synced, batch, results))

    def _synced(self, batch: list[_Pending], results: list[Decision],
                fut: asyncio.Future[None]) -> None:
        self._syncing.discard(fut)
        exc = StoreUnavailable("writer stopped") if fut.cancelled() else fut.exception()
        if exc is None:
            _answer(batch, results)
            return
        # Committed but maybe not on disk: the callers are not told it is logged. The rows
        # stay (a retry finds them by content hash), so nothing is abandoned.
        log.warning("decision batch of %d committed but not synced: %s", len(batch), exc)
        _fail(batch, f"{type(exc).__name__}: {exc}")

    async def _write(
        self, batch: list[_Pending]
    ) -> tuple[list[Decision], asyncio.Future[None] | None]:
        """Write and commit one batch; returns its results and, on SQLite, the future of
        the fsync after which they may be given out (None: durable already)."""
        _prepare(batch)  # before the transaction: other writers wait on its lock
        if self.engine.dialect.name == "sqlite":
            return await self._write_sqlite(batch)
        async with self.engine.begin() as conn:
            results, added = await conn.run_sync(_write_batch, batch, self.hooks)
        self.rows += added
        return results, None

    async def _write_sqlite(
        self, batch: list[_Pending]
    ) -> tuple[list[Decision], asyncio.Future[None] | None]:
        loop = asyncio.get_running_loop()
        if self._sqlite is None:
            self._sqlite = await loop.run_in_executor(self._thread, _SqliteLog, self.engine.url)
        db = self._sqlite
        deadline = loop.time() + _LOCK_WAIT_S
        while not db.try_begin():
            if loop.time() > deadline:
                raise StoreUnavailable(f"the database stayed locked for {_LOCK_WAIT_S:.0f} s")
            await asyncio.sleep(_LOCK_POLL_S)
        try:
            with db.conn.begin():  # SQLAlchemy's view of the open transaction; commits it
                results, added = _write_batch(db.conn, batch, self.hooks)
        except BaseException:
            db.rollback()
            raise
        self.rows += added
        if not db.wal:
            return results, None
        return results, loop.run_in_executor(self._thread, db.sync)


_LOCK_POLL_S = 0.0005
"""How often a writer retries SQLite's write lock while another connection holds it."""
_LOCK_WAIT_S = 30.0
"""How long it waits in all before the batch fails (the database's former busy timeout)."""
_CHECKPOINT_EVERY_S = 0.2
"""Checkpoint the write-ahead log into the database at most this often (in the sync thread)."""


class _SqliteLog:
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
        if now - self._checkpointed >= _CHECKPOINT_EVERY_S:
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


def _observe_synced(size: int, started: float, fut: asyncio.Future[None]) -> None:
    ok = not fut.cancelled() and fut.exception() is None
    observe_batch(size, time.perf_counter() - started, ok=ok)


def _answer(batch: list[_Pending], results: list[Decision]) -> None:
    for p, r in zip(batch, results, strict=True):
        if not p.future.done():
            p.future.set_result(r)


def _fail(batch: list[_Pending], why: str) -> None:
    for p in batch:
        if not p.future.done():
            p.future.set_exception(StoreUnavailable(why))


def _abandon(batch: list[_Pending]) -> None:
    for p in batch:
        for w in p.side_writes:
            if isinstance(w, GroupedWrite) and w.abandon is not None:
                try:
                    w.abandon()
                except Exception:  # a provider's clean-up never masks the write failure
                    log.exception("abandoning a side write failed")


def _write_batch(conn: Connection, pending: list[_Pending], hooks: Sequence[LogHook] = ()
                 ) -> tuple[list[Decision], int]:
    """One group commit's work inside an open transaction; returns results and rows added."""
    batch = [p.decision for p in pending]
    side: list[SideWrite] = []
    raw = sqlite3_of(conn)
    seq, prev = _head(conn, raw)
    pairs = {(d.portal, d.posting_id) for d in batch}
    known: dict[tuple[str, str, str], int] = {}
    latest: dict[tuple[str, str], int] = {}
    latest_seq: dict[tuple[str, str], int] = {}
    for portal, posting_id, chash, version, seq_ in _logged(conn, raw, pairs):
        known[(portal, posting_id, chash)] = seq_
        pk = (portal, posting_id)
        # The first row of the newest version: the decision itself, not a later review
        # resolution entry (which carries the same version).
        if version > latest.get(pk, 0) or (version == latest[pk] and seq_ < latest_seq[pk]):
            latest[pk] = version
            latest_seq[pk] = seq_
    rows: list[dict[str, Any]] = []
    out: list[Decision | int] = []
    logged: list[Logged] = []
    fresh: dict[tuple[str, str, str], Decision] = {}
    for item in pending:
        d = item.decision
        key = (d.portal, d.posting_id, d.content_hash)
        if key in known:
            out.append(known[key])
            continue
        if key in fresh:
            out.append(fresh[key])
            continue
        version = latest.get((d.portal, d.posting_id), 0) + 1
        latest[(d.portal, d.posting_id)] = version
        stored = d.model_copy(update={"version": version}) if d.version != version else d
        seq += 1
        logged.append(Logged(stored, seq, latest_seq.get((d.portal, d.posting_id))))
        latest_seq[(d.portal, d.posting_id)] = seq
        payload = item.payload if stored is d and item.payload is not None else canonical(stored)
        digest = row_hash(prev, seq, payload)
        rows.append({
            "seq": seq, **columns(stored), "decided_at": stored.decided_at,
            "payload": payload, "prev_hash": prev, "hash": digest,
        })
        prev = digest
        fresh[key] = stored
        side.extend(item.side_writes)
        out.append(stored)
    loaded: dict[int, Decision] = {}
    old = [o for o in out if isinstance(o, int)]
    if old:
        res = conn.execute(
            select(decisions.c.seq, decisions.c.payload).where(decisions.c.seq.in_(old))
        )
        loaded = {s: Decision.model_validate_json(p) for s, p in res}
    if rows:
        insert_rows(conn, decisions, rows)
        if raw is not None:
            raw.execute("UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1", (seq, prev))
        else:
            conn.exec_driver_sql("UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1",
                                 (seq, prev))
        for hook in hooks:
            hook(conn, logged)
        run_side_writes(conn, side)
    return [loaded[o] if isinstance(o, int) else o for o in out], len(rows)


def _head(conn: Connection, raw: sqlite3.Connection | None) -> tuple[int, str]:
    """The chain head (seq, hash); on PostgreSQL its row stays locked until commit."""
    if raw is not None:  # BEGIN IMMEDIATE already holds SQLite's write lock
        row = raw.execute("SELECT seq, hash FROM chain_head WHERE id = 1").fetchone()
    else:  # PostgreSQL (driver SQL: no statement to build per batch)
        row = conn.exec_driver_sql(
            "SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE").one()
    return int(row[0]), str(row[1])


def _logged(
    conn: Connection, raw: sqlite3.Connection | None, pairs: set[tuple[str, str]]
) -> list[tuple[str, str, str, int, int]]:
    """(portal, posting_id, content_hash, version, seq) of every logged decision for these
    (portal, posting_id) pairs.

    Two plain IN lists (not a row-value IN) so that SQLite, like PostgreSQL, searches the
    (portal, posting_id) index instead of scanning the log; exact pairs are filtered here.
    Plain SQL (on SQLite through the DB-API connection): building and compiling a
    SQLAlchemy select per batch cost more than running it."""
    portals = sorted({p for p, _ in pairs})
    ids = sorted({i for _, i in pairs})
    rows: Sequence[Any]
    if raw is not None:
        sql = ("SELECT portal, posting_id, content_hash, version, seq FROM decisions "
               f"WHERE portal IN ({','.join('?' * len(portals))}) "
               f"AND posting_id IN ({','.join('?' * len(ids))})")
        rows = raw.execute(sql, (*portals, *ids)).fetchall()
    else:  # PostgreSQL
        rows = conn.exec_driver_sql(
            "SELECT portal, posting_id, content_hash, version, seq FROM decisions "
            "WHERE portal = ANY($1) AND posting_id = ANY($2)", (portals, ids)).all()
    return [(str(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4]))
            for r in rows if (r[0], r[1]) in pairs]


def sqlite3_of(conn: Connection) -> sqlite3.Connection | None:
    """The plain `sqlite3` connection under `conn`, or None (another database, or aiosqlite
    under an async engine's `run_sync`, whose cursor calls are coroutines)."""
    raw = conn.connection.driver_connection
    return raw if isinstance(raw, sqlite3.Connection) else None


@cache
def _sqlite_insert(table: Table, cols: tuple[str, ...], dialect: Dialect
                   ) -> tuple[str, list[tuple[int, Callable[[Any], Any]]]]:
    """The INSERT statement, and the position and bind processor of each column that has
    one (a datetime's text form, a float's coercion)."""
    sql = _insert_sql(table, cols, ["?"] * len(cols))
    procs = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in cols]
    return sql, [(i, f) for i, f in enumerate(procs) if f is not None]


_PLAIN_TYPES = (BigInteger, Integer, String, Text, Float, DateTime)


@cache
def _pg_insert(table: Table, cols: tuple[str, ...]) -> str | None:
    """A driver-level INSERT for PostgreSQL when every column is of a plain type (whose
    Python values asyncpg encodes as they are), else None."""
    if not all(isinstance(table.c[c].type, _PLAIN_TYPES) for c in cols):
        return None
    return _insert_sql(table, cols, [f"${i}" for i in range(1, len(cols) + 1)])


def _insert_sql(table: Table, cols: tuple[str, ...], marks: list[str]) -> str:
    return f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join(marks)})"


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows. On SQLite straight through the DB-API cursor with the columns' own
    bind processors (the same stored values as `conn.execute(insert(table), rows)`, without
    SQLAlchemy's per-row parameter processing: a third of the writer's time)."""
    cols = tuple(rows[0])
    raw = sqlite3_of(conn)
    if raw is None:
        sql_pg = _pg_insert(table, cols) if conn.dialect.name == "postgresql" else None
        if sql_pg is None:  # aiosqlite under run_sync, or a column type asyncpg needs help with
            conn.execute(insert(table), rows)
        else:  # driver SQL, the values as they are (asyncpg encodes them by column type)
            conn.exec_driver_sql(sql_pg, [tuple(r[c] for c in cols) for r in rows])
        return
    sql, procs = _sqlite_insert(table, cols, conn.dialect)
    params: list[Any] = [[r[c] for c in cols] for r in rows]
    for i, f in procs:
        for p in params:
            p[i] = f(p[i])
    cur = raw.cursor()
    try:
        cur.executemany(sql, params)
    finally:
        cur.close()


def run_side_writes(conn: Connection, side: list[SideWrite]) -> None:
    """Run side writes; grouped ones once per group. A side write (a fingerprint, a cache
    row) is never worth losing decisions for: each call runs in a savepoint, and a failure is
    logged and rolled back alone."""
    groups: dict[Any, list[Any]] = {}
    calls: list[tuple[str, Any]] = []
    for write in side:
        if isinstance(write, GroupedWrite):
            if write.group not in groups:
                groups[write.group] = []
                calls.append(("group", write.group))
            groups[write.group].append(write.payload)
        else:
            calls.append(("one", write))
    for kind, fn in calls:
        try:
            with conn.begin_nested():
                if kind == "group":
                    fn(conn, groups[fn])
                else:
                    fn(conn)
        except Exception as exc:  # isolate it, keep the decisions
            log.warning("side write %r failed: %s", getattr(fn, "__name__", fn), exc)
