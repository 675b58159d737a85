"""The review queue's actions: claim (next by priority, or one item), renew, release,
resolve (one, or many at once), notes, lease expiry and the raise of overdue spot checks.
Every action appends a review_events row with the reviewer's name; a resolution also appends
an entry to the decision log's hash chain. The API and the console both call these.

Claims are row locks of the database, never anything home-made: on PostgreSQL the next item
is taken with `FOR UPDATE SKIP LOCKED`, so concurrent reviewers on any number of instances
skip each other's rows; on SQLite every transaction starts with `BEGIN IMMEDIATE` (the
database's write lock), so the conditional UPDATE runs alone. The pieces live beside this
module: `holds` (who may act), `expiry` (run-out leases), `escalation` (overdue spot
checks) and `resolution` (settling an item)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Outcome
from verifier.review import ledger
from verifier.review.config import Reason, ReviewConfig
from verifier.review.escalation import ESCALATE_BATCH, escalate_overdue, raise_locked
from verifier.review.expiry import EXPIRE_BATCH, expire_leases, expire_locked
from verifier.review.holds import bulk_skip, closed, held, locked
from verifier.review.items import event_row
from verifier.review.resolution import reason_for, settle
from verifier.review.rows import OPEN, lease_of, ranked, to_event, to_item
from verifier.review.rows import conditions as filter_conditions
from verifier.review.schemas import (
    BulkOutcome,
    BulkResolveRequest,
    BulkResult,
    ClaimRequest,
    ClaimResult,
    ResolveRequest,
    ReviewError,
    ReviewEvent,
    ReviewItem,
)
from verifier.store.tables import review_events, review_items

c = review_items.c
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class ReviewQueue:
    """Queue actions over one database, with the review pack in force."""

    def __init__(self, engine: AsyncEngine, config: Callable[[], ReviewConfig],
                 clock: Clock = _now) -> None:
        self.engine = engine
        self.config = config
        self.clock = clock

    # -- leases ---------------------------------------------------------------------
    def _lease(self, minutes: float | None) -> timedelta:
        cfg = self.config()
        if minutes is None:
            return cfg.lease
        return min(timedelta(minutes=minutes), cfg.max_lease)

    async def expire_leases(self, *, batch: int = EXPIRE_BATCH) -> int:
        """Return items whose lease ran out to the queue, one `expired` event each (named
        after the reviewer who held it); how many (see `verifier.review.expiry`)."""
        return await expire_leases(self.engine, self.clock(), batch)

    def _top(self) -> float:
        return self.config().sla.priority.sample_overdue

    async def escalate_overdue(self, *, batch: int = ESCALATE_BATCH) -> int:
        """Write down the raise of open spot checks past their SLA (the pack's
        `priority.sample_overdue`), one `escalated` event each; how many. The sweeper calls
        it; reads and claims rank by the raise without it (see `verifier.review.escalation`)."""
        return await escalate_overdue(self.engine, self._top(), self.clock(), batch)

    async def claim_next(self, who: str, req: ClaimRequest) -> ClaimResult | None:
        """Lease the pending item that matches with the highest priority (an overdue spot
        check counting as raised, `rows.ranked`); None when none is left."""
        await self.expire_leases()
        now = self.clock()
        until = now + self._lease(req.lease_minutes)
        top = self._top()
        for _ in range(3):  # a candidate taken between pick and update: pick again
            pick = (select(c.decision_id)
                    .where(c.status == "pending", *filter_conditions(req, now))
                    .order_by(ranked(top, now).desc(), c.due_at.asc(), c.decision_id.asc())
                    .limit(1).with_for_update(skip_locked=True).scalar_subquery())
            async with self.engine.begin() as conn:
                row = (await conn.execute(
                    update(review_items).where(c.decision_id == pick, c.status == "pending")
                    .values(status="claimed", claimed_by=who, claimed_at=now, lease_until=until)
                    .returning(*review_items.c))).first()
                if row is None:
                    empty = (await conn.execute(select(c.decision_id).where(
                        c.status == "pending", *filter_conditions(req, now)).limit(1))).first()
                    if empty is None:
                        return None
                    continue
                row = await raise_locked(conn, row, top, now)
                await conn.execute(insert(review_events).values(
                    event_row(row.decision_id, "claimed", who, now,
                              lease_until=until.isoformat(), via="next")))
            return self._claimed(row, now)
        return None

    async def claim(self, who: str, item_id: str, minutes: float | None = None) -> ClaimResult:
        """Lease one item (pending, or its lease expired). Claiming one's own live claim
        again renews it."""
        await self.expire_leases()
        now = self.clock()
        until = now + self._lease(minutes)
        async with self.engine.begin() as conn:
            row = await locked(conn, item_id)
            live = lease_of(row, now)
            if live is not None and live.holder != who:
                raise ReviewError(409, f"Item {item_id} is claimed by {live.holder} until "
                                       f"{live.expires_at.isoformat()}.")
            if row.status not in OPEN:
                raise ReviewError(409, closed(row))
            if live is None:
                await expire_locked(conn, row, now)
            row = (await conn.execute(
                update(review_items).where(c.decision_id == item_id)
                .values(status="claimed", claimed_by=who, claimed_at=now, lease_until=until)
                .returning(*review_items.c))).one()
            row = await raise_locked(conn, row, self._top(), now)
            kind = "renewed" if live is not None else "claimed"
            await conn.execute(insert(review_events).values(
                event_row(item_id, kind, who, now, lease_until=until.isoformat())))
        return self._claimed(row, now)

    async def renew(self, who: str, item_id: str, minutes: float | None = None) -> ClaimResult:
        """Extend the caller's live lease."""
        now = self.clock()
        until = now + self._lease(minutes)
        async with self.engine.begin() as conn:
            await held(conn, item_id, who, now)
            row = (await conn.execute(
                update(review_items).where(c.decision_id == item_id)
                .values(lease_until=until).returning(*review_items.c))).one()
            await conn.execute(insert(review_events).values(
                event_row(item_id, "renewed", who, now, lease_until=until.isoformat())))
        return self._claimed(row, now)

    async def release(self, who: str, item_id: str) -> ReviewItem:
        """Give the item back to the queue unresolved."""
        now = self.clock()
        async with self.engine.begin() as conn:
            await held(conn, item_id, who, now)
            row = (await conn.execute(
                update(review_items).where(c.decision_id == item_id)
                .values(status="pending", claimed_by=None, claimed_at=None, lease_until=None)
                .returning(*review_items.c))).one()
            await conn.execute(insert(review_events).values(
                event_row(item_id, "released", who, now)))
        return to_item(row, self.config(), now)

    # -- resolution -----------------------------------------------------------------
    def reason(self, code: str, outcome: Outcome, *, bulk: bool = False) -> Reason:
        """The reason code, if it exists and allows `outcome` (and bulk use); 422 if not."""
        return reason_for(self.config(), code, outcome, bulk=bulk)

    async def resolve(self, who: str, item_id: str, req: ResolveRequest) -> ReviewItem:
        """Settle an item the caller holds a live lease on: the item closes, an event and a
        decision-log entry (linked to the reviewed decision) are appended, all or nothing."""
        outcome = Outcome(req.outcome)
        reason = self.reason(req.reason, outcome)
        now = self.clock()
        async with self.engine.begin() as conn:
            head = await ledger.lock_head(conn)
            await held(conn, item_id, who, now)
            row, head = await settle(conn, head, item_id, who, outcome, reason, req.note, now,
                                     bulk=False)
            await ledger.move_head(conn, head)
        return to_item(row, self.config(), now)

    async def bulk_resolve(self, who: str, req: BulkResolveRequest) -> BulkResult:
        """Settle many open items with one outcome and reason (a lead's tool: the caller's
        role is checked by the API). Items another reviewer holds a live lease on, closed
        ones and unknown ids are skipped and reported; the rest settle in one transaction."""
        outcome = Outcome(req.outcome)
        reason = self.reason(req.reason, outcome, bulk=True)
        now = self.clock()
        ids = list(dict.fromkeys(req.ids))
        results: dict[str, BulkOutcome] = {}
        async with self.engine.begin() as conn:
            head = await ledger.lock_head(conn)
            rows = {r.decision_id: r for r in (await conn.execute(
                select(review_items).where(c.decision_id.in_(ids))
                .order_by(c.decision_id).with_for_update())).all()}
            for item_id in ids:
                row = rows.get(item_id)
                skip = bulk_skip(row, item_id, who, now)
                if skip is not None:
                    results[item_id] = BulkOutcome(id=item_id, resolved=False, detail=skip)
                    continue
                if row is not None and lease_of(row, now) is None:
                    await expire_locked(conn, row, now)
                if row is not None:
                    await raise_locked(conn, row, self._top(), now)
                done, head = await settle(conn, head, item_id, who, outcome, reason,
                                          req.note, now, bulk=True)
                results[item_id] = BulkOutcome(id=item_id, resolved=True,
                                               resolution_id=done.resolution_id)
            await ledger.move_head(conn, head)
        out = [results[i] for i in ids]
        n = sum(1 for r in out if r.resolved)
        return BulkResult(resolved=n, skipped=len(out) - n, results=out)

    # -- notes ----------------------------------------------------------------------
    async def add_note(self, who: str, item_id: str, text: str) -> ReviewEvent:
        """Append a note to an item (open or closed; no lease needed)."""
        now = self.clock()
        async with self.engine.begin() as conn:
            await locked(conn, item_id)
            row = (await conn.execute(insert(review_events).values(
                event_row(item_id, "note", who, now, text=text))
                .returning(*review_events.c))).one()
        return to_event(row)

    # -- helpers --------------------------------------------------------------------
    def _claimed(self, row: Row[Any], now: datetime) -> ClaimResult:
        item = to_item(row, self.config(), now)
        if item.lease is None:  # pragma: no cover - a fresh lease is live
            raise ReviewError(409, "The lease ended before it could be returned.")
        return ClaimResult(item=item, lease=item.lease)
