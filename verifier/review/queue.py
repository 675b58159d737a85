"""The review queue's actions: claim (next by priority, or one item), renew, release,
resolve (one, or many at once), notes, and lease expiry. Every action appends a
review_events row with the reviewer's name; a resolution also appends an entry to the
decision log's hash chain. The API and the console both call these.

Claims are row locks of the database, never anything home-made: on PostgreSQL the next item
is taken with `FOR UPDATE SKIP LOCKED`, so concurrent reviewers on any number of instances
skip each other's rows; on SQLite every transaction starts with `BEGIN IMMEDIATE` (the
database's write lock), so the conditional UPDATE runs alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from verifier.models import Outcome, Resolution
from verifier.review import ledger
from verifier.review.config import Reason, ReviewConfig
from verifier.review.items import SYSTEM, event_row
from verifier.review.rows import OPEN, lease_of, to_event, to_item, utc
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
from verifier.review.webhooks import outbox
from verifier.store.tables import review_events, review_items

c = review_items.c
Clock = Callable[[], datetime]
EXPIRE_BATCH = 100
"""Leases expired per transaction: short transactions, few rows locked at a time."""


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
        after the reviewer who held it); how many. Reads call it (lazily, so a read never
        shows a stale lease) and so does the sweeper (`verifier.review.sweeper`), from every
        instance at once: see `_expire_batch`."""
        now = self.clock()
        async with self.engine.connect() as conn:  # most reads find none: no write lock
            any_due = (await conn.execute(select(c.decision_id).where(*_expired(now))
                                          .limit(1))).first()
            await conn.rollback()
        if any_due is None:
            return 0
        total = 0
        while True:
            done = await self._expire_batch(now, batch)
            total += done
            if done < batch:
                return total

    async def _expire_batch(self, now: datetime, batch: int) -> int:
        """Expire up to `batch` leases that ran out by `now`, in one short transaction.

        The rows are taken `FOR UPDATE SKIP LOCKED` on PostgreSQL: a row another instance's
        sweeper, read or claim is working on is skipped, never waited for, and once that
        transaction commits the row is no longer a claimed one with a lease in the past, so
        each expiry is recorded exactly once however many instances sweep. SQLite runs the
        same statement without the lock clause; its BEGIN IMMEDIATE write lock serializes
        the transactions instead. The UPDATE re-checks the state, and only the rows it
        changed get an event. Returns how many rows were taken (a full batch: look again)."""
        async with self.engine.begin() as conn:
            due = {r.decision_id: r for r in (await conn.execute(
                select(c.decision_id, c.claimed_by, c.lease_until).where(*_expired(now))
                .order_by(c.lease_until, c.decision_id).limit(batch)
                .with_for_update(skip_locked=True))).all()}
            if not due:
                return 0
            changed = (await conn.execute(
                update(review_items).where(c.decision_id.in_(list(due)), *_expired(now))
                .values(status="pending", claimed_by=None, claimed_at=None, lease_until=None)
                .returning(c.decision_id))).scalars().all()
            if changed:
                await conn.execute(insert(review_events), [
                    event_row(i, "expired", due[i].claimed_by or "unknown", now,
                              lease_until=_iso(due[i].lease_until))
                    for i in sorted(changed)])
        return len(due)

    async def escalate_overdue(self) -> int:
        """Raise open spot checks past their SLA to the pack's `priority.sample_overdue` (so
        they do not starve behind flagged items), one `escalated` event each; how many.
        Reads, claims and the sweeper call it; the conditional UPDATE (never lowering a
        priority, only rows it changed get an event) makes concurrent calls record each
        escalation once."""
        top = self.config().sla.priority.sample_overdue
        now = self.clock()
        due = (c.kind == "sample", c.status.in_(OPEN), c.due_at <= now, c.priority < top)
        async with self.engine.connect() as conn:  # most calls find none: no write lock
            any_due = (await conn.execute(select(c.decision_id).where(*due).limit(1))).first()
            await conn.rollback()
        if any_due is None:
            return 0
        async with self.engine.begin() as conn:
            changed = (await conn.execute(
                update(review_items).where(*due).values(priority=top)
                .returning(c.decision_id, c.due_at))).all()
            if changed:
                await conn.execute(insert(review_events), [
                    event_row(i, "escalated", SYSTEM, now, priority=top, due_at=_iso(at))
                    for i, at in sorted(changed)])
        return len(changed)

    async def claim_next(self, who: str, req: ClaimRequest) -> ClaimResult | None:
        """Lease the highest-priority pending item that matches; None when none is left."""
        await self.expire_leases()
        await self.escalate_overdue()
        now = self.clock()
        until = now + self._lease(req.lease_minutes)
        for _ in range(3):  # a candidate taken between pick and update: pick again
            pick = (select(c.decision_id)
                    .where(c.status == "pending", *filter_conditions(req, now))
                    .order_by(c.priority.desc(), c.due_at.asc(), c.decision_id.asc())
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
            row = await self._locked(conn, item_id)
            live = lease_of(row, now)
            if live is not None and live.holder != who:
                raise ReviewError(409, f"Item {item_id} is claimed by {live.holder} until "
                                       f"{live.expires_at.isoformat()}.")
            if row.status not in OPEN:
                raise ReviewError(409, _closed(row))
            if live is None:
                await _expire_locked(conn, row, now)
            row = (await conn.execute(
                update(review_items).where(c.decision_id == item_id)
                .values(status="claimed", claimed_by=who, claimed_at=now, lease_until=until)
                .returning(*review_items.c))).one()
            kind = "renewed" if live is not None else "claimed"
            await conn.execute(insert(review_events).values(
                event_row(item_id, kind, who, now, lease_until=until.isoformat())))
        return self._claimed(row, now)

    async def renew(self, who: str, item_id: str, minutes: float | None = None) -> ClaimResult:
        """Extend the caller's live lease."""
        now = self.clock()
        until = now + self._lease(minutes)
        async with self.engine.begin() as conn:
            await self._held(conn, item_id, who, now)
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
            await self._held(conn, item_id, who, now)
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
        cfg = self.config()
        found = cfg.reasons.get(code)
        if found is None:
            known = ", ".join(sorted(cfg.reasons))
            raise ReviewError(422, f"Unknown reason {code!r} (known: {known}).", "reason")
        if not found.allows(outcome):
            raise ReviewError(422, f"Reason {code!r} does not allow outcome {outcome.value!r} "
                                   f"(it allows {', '.join(found.outcomes)}).", "reason")
        if bulk and not found.bulk:
            raise ReviewError(422, f"Reason {code!r} may not be used to resolve in bulk.",
                              "reason")
        return found

    async def resolve(self, who: str, item_id: str, req: ResolveRequest) -> ReviewItem:
        """Settle an item the caller holds a live lease on: the item closes, an event and a
        decision-log entry (linked to the reviewed decision) are appended, all or nothing."""
        outcome = Outcome(req.outcome)
        reason = self.reason(req.reason, outcome)
        now = self.clock()
        async with self.engine.begin() as conn:
            head = await ledger.lock_head(conn)
            await self._held(conn, item_id, who, now)
            row, head = await self._settle(conn, head, item_id, who, outcome, reason,
                                           req.note, now, bulk=False)
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
                skip = _bulk_skip(row, item_id, who, now)
                if skip is not None:
                    results[item_id] = BulkOutcome(id=item_id, resolved=False, detail=skip)
                    continue
                if row is not None and lease_of(row, now) is None:
                    await _expire_locked(conn, row, now)
                done, head = await self._settle(conn, head, item_id, who, outcome, reason,
                                                req.note, now, bulk=True)
                results[item_id] = BulkOutcome(id=item_id, resolved=True,
                                               resolution_id=done.resolution_id)
            await ledger.move_head(conn, head)
        out = [results[i] for i in ids]
        n = sum(1 for r in out if r.resolved)
        return BulkResult(resolved=n, skipped=len(out) - n, results=out)

    async def _settle(self, conn: AsyncConnection, head: tuple[int, str], item_id: str,
                      who: str, outcome: Outcome, reason: Reason, note: str, now: datetime,
                      *, bulk: bool) -> tuple[Row[Any], tuple[int, str]]:
        original = await ledger.load(conn, item_id)
        if original is None:  # pragma: no cover - items are written with their decision
            raise ReviewError(409, f"The decision of item {item_id} is not in the log.")
        row = (await conn.execute(select(c.kind).where(c.decision_id == item_id))).one()
        entry_id = ledger.new_id()
        entry = ledger.resolution_entry(original, entry_id, outcome, Resolution(
            resolves=item_id, item_kind=row.kind, reviewer=who, reason=reason.code,
            reason_label=reason.label, note=note, bulk=bulk), now)
        head = await ledger.append(conn, head, entry)
        status = "approved" if outcome is Outcome.approve else "rejected"
        done = (await conn.execute(
            update(review_items).where(c.decision_id == item_id).values(
                status=status, outcome=outcome.value, reason=reason.code, note=note or None,
                resolved_by=who, resolved_at=now, resolution_id=entry_id, lease_until=None)
            .returning(*review_items.c))).one()
        await conn.execute(insert(review_events).values(event_row(
            item_id, "resolved", who, now, outcome=outcome.value, reason=reason.code,
            note=note, resolution_id=entry_id, bulk=bulk)))
        await outbox.emit(conn, outbox.review_resolved(
            original, kind=row.kind, reviewer=who, outcome=outcome, reason=reason.code,
            reason_label=reason.label, resolution_id=entry_id, resolved_at=now, bulk=bulk))
        return done, head

    # -- notes ----------------------------------------------------------------------
    async def add_note(self, who: str, item_id: str, text: str) -> ReviewEvent:
        """Append a note to an item (open or closed; no lease needed)."""
        now = self.clock()
        async with self.engine.begin() as conn:
            await self._locked(conn, item_id)
            row = (await conn.execute(insert(review_events).values(
                event_row(item_id, "note", who, now, text=text))
                .returning(*review_events.c))).one()
        return to_event(row)

    # -- helpers --------------------------------------------------------------------
    async def _locked(self, conn: AsyncConnection, item_id: str) -> Row[Any]:
        row = (await conn.execute(select(review_items).where(c.decision_id == item_id)
                                  .with_for_update())).first()
        if row is None:
            raise ReviewError(404, f"No review item {item_id!r}.")
        return row

    async def _held(self, conn: AsyncConnection, item_id: str, who: str,
                    now: datetime) -> Row[Any]:
        """The item, row-locked, if `who` holds a live lease on it; 404/409 saying why not."""
        row = await self._locked(conn, item_id)
        if row.status not in OPEN:
            raise ReviewError(409, _closed(row))
        until = utc(row.lease_until)
        if row.status != "claimed" or row.claimed_by is None or until is None:
            raise ReviewError(409, await _not_claimed(conn, item_id, who))
        if row.claimed_by != who:
            state = "held" if until > now else "was held (lease expired)"
            raise ReviewError(409, f"Item {item_id} {state} by {row.claimed_by}, not by you.")
        if until <= now:
            raise ReviewError(409, f"Your lease on item {item_id} expired at "
                                   f"{until.isoformat()}: claim it again.")
        return row

    def _claimed(self, row: Row[Any], now: datetime) -> ClaimResult:
        item = to_item(row, self.config(), now)
        if item.lease is None:  # pragma: no cover - a fresh lease is live
            raise ReviewError(409, "The lease ended before it could be returned.")
        return ClaimResult(item=item, lease=item.lease)


async def _not_claimed(conn: AsyncConnection, item_id: str, who: str) -> str:
    """Why `who` cannot act on an unclaimed item: their lease ran out (whoever recorded the
    expiry: a read, a claim or the sweeper), or nobody holds it."""
    e = review_events.c
    last = (await conn.execute(select(e.kind, e.actor, e.data).where(e.item_id == item_id)
                               .order_by(e.id.desc()).limit(1))).first()
    if last is not None and last.kind == "expired" and last.actor == who:
        until = orjson.loads(last.data).get("lease_until", "?")
        return f"Your lease on item {item_id} expired at {until}: claim it again."
    return f"Item {item_id} is not claimed: claim it first."


async def _expire_locked(conn: AsyncConnection, row: Row[Any], now: datetime) -> None:
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
        lease_until=_iso(row.lease_until))))


def _expired(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A claimed item whose lease ran out by `now`."""
    return c.status == "claimed", c.lease_until <= now


def _closed(row: Row[Any]) -> str:
    if row.status == "superseded":
        return (f"Item {row.decision_id} was superseded by a newer version "
                f"({row.superseded_by}); review that one.")
    return (f"Item {row.decision_id} is already {row.status} by {row.resolved_by} at "
            f"{_iso(row.resolved_at)}.")


def _bulk_skip(row: Row[Any] | None, item_id: str, who: str, now: datetime) -> str | None:
    if row is None:
        return f"No review item {item_id!r}."
    if row.status not in OPEN:
        return _closed(row)
    live = lease_of(row, now)
    if live is not None and live.holder != who:
        return f"Claimed by {live.holder} until {live.expires_at.isoformat()}."
    return None


def _iso(at: datetime | None) -> str:
    got = utc(at)
    return got.isoformat() if got is not None else "?"
