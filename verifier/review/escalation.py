"""Spot checks past their SLA: raised to the pack's `priority.sample_overdue`, so they do
not starve behind a steady flow of flagged items.

One rule, two places. Reads and claims rank by `rows.ranked` (an overdue spot check counts
as raised in the statement they run anyway), so the queue is right whenever someone looks,
without an extra query or a write. This module writes the raise down: the stored priority
and one `escalated` event per item, recorded by the lease sweeper in batches, or by a claim
or bulk resolution that takes an item the sweeper has not reached yet (`raise_locked`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from verifier.review.items import SYSTEM, event_row
from verifier.review.rows import iso, overdue_sample, ranked_priority
from verifier.store.tables import review_events, review_items

c = review_items.c
ESCALATE_BATCH = 100
"""Spot checks raised per transaction: short transactions, few rows locked at a time."""


async def escalate_overdue(engine: AsyncEngine, top: float, now: datetime,
                           batch: int = ESCALATE_BATCH) -> int:
    """Raise open spot checks past their SLA by `now` to `top`, batch by batch, one
    `escalated` event each; how many. The sweeper calls it, from every instance at once:
    see `_escalate_batch`. The probe and the batches are served by the index
    `ix_review_items_sample_due` (kind, status, due_at)."""
    async with engine.connect() as conn:  # most sweeps find none: no write lock
        any_due = (await conn.execute(select(c.decision_id).where(
            *overdue_sample(top, now)).limit(1))).first()
        await conn.rollback()
    if any_due is None:
        return 0
    total = 0
    while True:
        taken, raised = await _escalate_batch(engine, top, now, batch)
        total += raised
        if taken < batch:
            return total


async def _escalate_batch(engine: AsyncEngine, top: float, now: datetime,
                          batch: int) -> tuple[int, int]:
    """Raise up to `batch` overdue spot checks in one short transaction: (taken, raised).

    As for lease expiry, the rows are taken `FOR UPDATE SKIP LOCKED` on PostgreSQL (another
    instance's sweeper, or a claim, working on a row: skipped, never waited for), and the
    UPDATE re-checks the condition, so only rows it changed get an event; once committed a
    row's priority is no longer below `top`, so each raise is recorded exactly once however
    many instances sweep. SQLite: the same statements under its write lock."""
    due = overdue_sample(top, now)
    async with engine.begin() as conn:
        ids = (await conn.execute(
            select(c.decision_id).where(*due).order_by(c.due_at, c.decision_id).limit(batch)
            .with_for_update(skip_locked=True))).scalars().all()
        if not ids:
            return 0, 0
        changed = (await conn.execute(
            update(review_items).where(c.decision_id.in_(list(ids)), *due)
            .values(priority=top).returning(c.decision_id, c.due_at))).all()
        if changed:
            await conn.execute(insert(review_events), [
                _event(i, top, now, at) for i, at in sorted(changed)])
    return len(ids), len(changed)


async def raise_locked(conn: AsyncConnection, row: Row[Any], top: float,
                       now: datetime) -> Row[Any]:
    """Write down the raise of an item this transaction holds locked, if it is due and not
    yet written (the row, updated or as it was): a claim or a resolution that takes an
    overdue spot check records the `escalated` event before its own, and no sweeper records
    it again (the row's priority is no longer below `top`)."""
    if ranked_priority(row, top, now) == row.priority:
        return row
    raised = (await conn.execute(
        update(review_items).where(c.decision_id == row.decision_id).values(priority=top)
        .returning(*review_items.c))).one()
    await conn.execute(insert(review_events).values(_event(row.decision_id, top, now,
                                                           row.due_at)))
    return raised


def _event(item_id: str, top: float, now: datetime, due_at: datetime | None) -> dict[str, Any]:
    return event_row(item_id, "escalated", SYSTEM, now, priority=top, due_at=iso(due_at))
