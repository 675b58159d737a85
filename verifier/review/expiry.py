"""Lease expiry: items whose lease ran out go back to the queue with one `expired` event
each, named after the reviewer who held it, however many instances sweep at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from verifier.review.items import event_row
from verifier.review.rows import iso
from verifier.store.tables import review_events, review_items

c = review_items.c
EXPIRE_BATCH = 100
"""Leases expired per transaction: short transactions, few rows locked at a time."""


async def expire_leases(engine: AsyncEngine, now: datetime, batch: int = EXPIRE_BATCH) -> int:
    """Return items whose lease ran out by `now` to the queue, batch by batch; how many.
    Reads call it (lazily, so a read never shows a stale lease) and so does the sweeper
    (`verifier.review.sweeper`), from every instance at once: see `_expire_batch`."""
    async with engine.connect() as conn:  # most reads find none: no write lock
        any_due = (await conn.execute(select(c.decision_id).where(*expired(now))
                                      .limit(1))).first()
        await conn.rollback()
    if any_due is None:
        return 0
    total = 0
    while True:
        done = await _expire_batch(engine, now, batch)
        total += done
        if done < batch:
            return total


async def _expire_batch(engine: AsyncEngine, now: datetime, batch: int) -> int:
    """Expire up to `batch` leases that ran out by `now`, in one short transaction.

    The rows are taken `FOR UPDATE SKIP LOCKED` on PostgreSQL: a row another instance's
    sweeper, read or claim is working on is skipped, never waited for, and once that
    transaction commits the row is no longer a claimed one with a lease in the past, so
    each expiry is recorded exactly once however many instances sweep. SQLite runs the
    same statement without the lock clause; its BEGIN IMMEDIATE write lock serializes
    the transactions instead. The UPDATE re-checks the state, and only the rows it
    changed get an event. Returns how many rows were taken (a full batch: look again)."""
    async with engine.begin() as conn:
        due = {r.decision_id: r for r in (await conn.execute(
            select(c.decision_id, c.claimed_by, c.lease_until).where(*expired(now))
            .order_by(c.lease_until, c.decision_id).limit(batch)
            .with_for_update(skip_locked=True))).all()}
        if not due:
            return 0
        changed = (await conn.execute(
            update(review_items).where(c.decision_id.in_(list(due)), *expired(now))
            .values(status="pending", claimed_by=None, claimed_at=None, lease_until=None)
            .returning(c.decision_id))).scalars().all()
        if changed:
            await conn.execute(insert(review_events), [
                event_row(i, "expired", due[i].claimed_by or "unknown", now,
                          lease_until=iso(due[i].lease_until))
                for i in sorted(changed)])
    return len(due)


async def expire_locked(conn: AsyncConnection, row: Row[Any], now: datetime) -> None:
    """Record the run-out lease of an item this transaction holds locked (nothing if it is
    not claimed): an action that takes it over records the expiry itself, so the history
    never shows a claim or resolution over another's lease, and no sweeper or read records
    it again (the row is no longer a claimed one with a lease in the past)."""
    if row.status != "claimed":
        return
    await conn.execute(update(review_items).where(c.decision_id == row.decision_id).values(
        status="pending", claimed_by=None, claimed_at=None, lease_until=None))
    await conn.execute(insert(review_events).values(event_row(
        row.decision_id, "expired", row.claimed_by or "unknown", now,
        lease_until=iso(row.lease_until))))


def expired(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A claimed item whose lease ran out by `now`."""
    return c.status == "claimed", c.lease_until <= now
