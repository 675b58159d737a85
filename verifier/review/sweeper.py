"""The lease sweeper: one task per worker process that returns run-out leases to the queue
and writes down the raise of spot checks past their SLA (`ReviewQueue.escalate_overdue`).

Reads and claims expire leases lazily (`ReviewQueue.expire_leases`), so the queue is right
whenever someone looks; the sweeper records expiries when nobody does, so the `expired`
events, the depth gauges and the webhooks' view of the queue do not wait for the next
reader. A round is the lazy path itself with a smaller batch: small batches, each its own
short transaction, rows taken `FOR UPDATE SKIP LOCKED` on PostgreSQL (the same statement
without the lock clause on SQLite), so the sweepers of every instance and every read may run
at once and each expiry is still recorded once.

Reads and claims already rank an overdue spot check as raised (`verifier.review.rows.ranked`)
without writing anything; the sweeper records the raise (stored priority, one `escalated`
event) the same way, in batches with SKIP LOCKED, once per item however many instances sweep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from verifier.review.queue import ReviewQueue

log = logging.getLogger(__name__)
BATCH = 50


class LeaseSweeper:
    """Every `interval_s` (with ±10 % jitter, so instances drift apart), expire run-out
    leases and raise overdue spot checks in batches of `batch`; `start`/`close` around the
    worker's life."""

    def __init__(self, queue: ReviewQueue, interval_s: float, batch: int = BATCH) -> None:
        self.queue = queue
        self.interval_s = interval_s
        self.batch = batch
        self.expired = 0
        self.escalated = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the periodic task."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="lease-sweeper")

    async def close(self) -> None:
        """Stop (a batch in flight rolls back; the next sweep of any instance redoes it)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def sweep(self) -> int:
        """One round: every lease that has run out by now, batch by batch, then every spot
        check past its SLA; how many leases expired."""
        done = await self.queue.expire_leases(batch=self.batch)
        self.expired += done
        self.escalated += await self.queue.escalate_overdue(batch=self.batch)
        return done

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s * random.uniform(0.9, 1.1))
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is down, say: try again next round
                log.exception("lease sweep failed")
