"""The group-commit decision writer: a queue, one writer task per process, one transaction
per batch, and every caller answered only after its decision is committed (and on disk).

Requests hand their decision to the writer and wait. The writer takes everything queued (up
to `max_batch`) and writes it in ONE transaction (`verifier.store.batch`: chain head,
idempotency and versions, chain hashing, inserts, side writes). Several processes and hosts
can write to one PostgreSQL: the head row lock serializes their batches, so the chain stays
one chain. On SQLite the transaction runs on the event loop on the writer's own connection
(`verifier.store.sqlite_log`), and callers are answered after the log's fsync, which runs in
a helper thread outside the write lock.

One request never fails another: when a batch fails for a reason other than the database
being unavailable, it is split in halves and each half written on its own, down to the
decision the database refuses; that caller alone gets the error (`UnstorableDecision`), the
others are logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Decision
from verifier.obs.metrics import observe_batch
from verifier.store.batch import Pending, write_batch
from verifier.store.chain import PostingRecord
from verifier.store.errors import StoreUnavailable, UnstorableDecision, kind
from verifier.store.review_items import ReviewItems
from verifier.store.side_writes import Hook, HookWriter, SideWrite, SideWriters, Written
from verifier.store.sqlite_log import SqliteLog

__all__ = ["DecisionWriter", "Logged", "StoreUnavailable", "UnstorableDecision"]

Logged = Written
"""A decision the current batch adds to the log, as hooks see it."""

log = logging.getLogger(__name__)


def default_side_writers() -> SideWriters:
    """The side writers every decision log has: review items of flagged decisions."""
    return SideWriters([ReviewItems()])


class DecisionWriter:
    """Batches decisions into few transactions; answers each caller after its commit."""

    def __init__(self, engine: AsyncEngine, *, max_batch: int = 500, linger_ms: float = 0.0,
                 sides: SideWriters | None = None, hooks: Sequence[Hook] = (),
                 review_hook: Hook | None = None) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.linger = linger_ms / 1000.0
        self.sides = sides if sides is not None else default_side_writers()
        """Where other parts register what they write in the decisions' transaction."""
        if review_hook is not None:  # the review queue's own item writer, in the default's place
            self.sides.register(HookWriter(review_hook, name=ReviewItems.name), replace=True)
        for hook in hooks:  # plain functions over the new decisions: required side writers
            self.sides.register(HookWriter(hook))
        self._queue: asyncio.Queue[Pending | None] = asyncio.Queue()  # None: stop
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.rows = 0
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._sqlite: SqliteLog | None = None
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

    async def submit(self, decision: Decision, posting: PostingRecord | None = None
                     ) -> Decision:
        """Log one decision; returns it as stored (or the earlier one for a retry)."""
        return (await self.submit_many([decision], None,
                                       None if posting is None else [posting]))[0]

    async def submit_many(
        self, items: list[Decision], side_writes: Sequence[Sequence[SideWrite]] | None = None,
        postings: Sequence[PostingRecord | None] | None = None,
    ) -> list[Decision]:
        """Log several decisions; they may share a transaction with other callers'.

        `side_writes[i]` are committed with `items[i]`, only if it is new; `postings[i]` is
        the posting it decides, as received, stored in the log with it."""
        if self._task is None or self._task.done():
            raise StoreUnavailable("decision writer is not running")
        sides: Sequence[Sequence[SideWrite]] = side_writes or [()] * len(items)
        for writes in sides:
            if writes:
                self.sides.check(writes)
        received: Sequence[PostingRecord | None] = postings or [None] * len(items)
        loop = asyncio.get_running_loop()
        now = loop.time()
        pending = [Pending(d, w, loop.create_future(), now, p)
                   for d, w, p in zip(items, sides, received, strict=True)]
        for p in pending:
            self._queue.put_nowait(p)
        # Not shielded: a caller that goes away (client disconnect) cancels its own futures,
        # which changes nothing for the writer. A queued decision is written whatever its
        # future's state, and only futures not yet done are answered (`_answer`, `_fail`).
        # A shield per future cost an extra future and event-loop round trip per decision.
        if len(pending) == 1:
            return [await pending[0].future]
        return list(await asyncio.gather(*(p.future for p in pending)))

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
            try:
                await self._write_isolating(batch)
            except asyncio.CancelledError:
                _fail(batch, StoreUnavailable("writer stopped"))
                raise

    async def _write_isolating(self, batch: list[Pending]) -> None:
        """Write `batch`; if it fails for a reason other than the database being down,
        write each half on its own, so only the decision the database refuses fails."""
        started = time.perf_counter()
        try:
            results, durable = await self._write(batch)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every caller must hear of the failure
            observe_batch(len(batch), time.perf_counter() - started, ok=False)
            why = kind(exc)
            if len(batch) > 1 and why != "down":
                log.warning("decision batch of %d failed (%s: %s): writing its halves apart",
                            len(batch), type(exc).__name__, exc)
                mid = len(batch) // 2
                await self._write_isolating(batch[:mid])
                await self._write_isolating(batch[mid:])
                return
            log.warning("decision batch of %d not written: %s", len(batch), exc)
            self.sides.abandon([w for p in batch for w in p.side_writes])
            cls = UnstorableDecision if why == "row" else StoreUnavailable
            _fail(batch, cls(f"{type(exc).__name__}: {exc}"))
            return
        self.batches += 1
        if durable is None:
            observe_batch(len(batch), time.perf_counter() - started, ok=True)
            _answer(batch, results)
        else:  # committed; answered once the log is on disk
            self._syncing.add(durable)
            durable.add_done_callback(partial(self._synced, batch, results, started))

    def _synced(self, batch: list[Pending], results: list[Decision], started: float,
                fut: asyncio.Future[None]) -> None:
        self._syncing.discard(fut)
        exc = StoreUnavailable("writer stopped") if fut.cancelled() else fut.exception()
        observe_batch(len(batch), time.perf_counter() - started, ok=exc is None)
        if exc is None:
            _answer(batch, results)
            return
        # Committed but maybe not on disk: the callers are not told it is logged. The rows
        # stay (a retry finds them by content hash), so nothing is abandoned.
        log.warning("decision batch of %d committed but not synced: %s", len(batch), exc)
        _fail(batch, StoreUnavailable(f"{type(exc).__name__}: {exc}"))

    async def _write(
        self, batch: list[Pending]
    ) -> tuple[list[Decision], asyncio.Future[None] | None]:
        """Write and commit one batch; returns its results and, on SQLite, the future of
        the fsync after which they may be given out (None: durable already)."""
        for p in batch:  # before the transaction: other writers wait on its lock
            p.prepare()
        if self.engine.dialect.name == "sqlite":
            return await self._write_sqlite(batch)
        async with self.engine.begin() as conn:
            results, added = await conn.run_sync(write_batch, batch, self.sides)
        self.rows += added
        return results, None

    async def _write_sqlite(
        self, batch: list[Pending]
    ) -> tuple[list[Decision], asyncio.Future[None] | None]:
        loop = asyncio.get_running_loop()
        if self._sqlite is None:
            self._sqlite = await loop.run_in_executor(self._thread, SqliteLog, self.engine.url)
        db = self._sqlite
        await db.begin()
        try:
            with db.conn.begin():  # SQLAlchemy's view of the open transaction; commits it
                results, added = write_batch(db.conn, batch, self.sides)
        except BaseException:
            db.rollback()
            raise
        self.rows += added
        if not db.wal:
            return results, None
        return results, loop.run_in_executor(self._thread, db.sync)


def _answer(batch: list[Pending], results: list[Decision]) -> None:
    for p, r in zip(batch, results, strict=True):
        if not p.future.done():
            p.future.set_result(r)


def _fail(batch: list[Pending], exc: StoreUnavailable) -> None:
    for p in batch:
        if not p.future.done():
            p.future.set_exception(exc)
