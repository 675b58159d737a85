"""Spot checks past their SLA: raised to the pack's `priority.sample_overdue`, so they do
not starve behind a steady flow of flagged items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.review.items import SYSTEM, event_row
from verifier.review.rows import OPEN, iso
from verifier.store.tables import review_events, review_items

c = review_items.c


async def escalate_overdue(engine: AsyncEngine, top: float, now: datetime) -> int:
    """Raise open spot checks past their SLA to `top`, one `escalated` event each; how
    many. Reads, claims and the sweeper call it; the conditional UPDATE (never lowering a
    priority, only rows it changed get an event) makes concurrent calls record each
    escalation once."""
    due = (c.kind == "sample", c.status.in_(OPEN), c.due_at <= now, c.priority < top)
    async with engine.connect() as conn:  # most calls find none: no write lock
        any_due = (await conn.execute(select(c.decision_id).where(*due).limit(1))).first()
        await conn.rollback()
    if any_due is None:
        return 0
    async with engine.begin() as conn:
        changed = (await conn.execute(
            update(review_items).where(*due).values(priority=top)
            .returning(c.decision_id, c.due_at))).all()
        if changed:
            await conn.execute(insert(review_events), [
                event_row(i, "escalated", SYSTEM, now, priority=top, due_at=iso(at))
                for i, at in sorted(changed)])
    return len(changed)
