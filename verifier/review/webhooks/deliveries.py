"""Reading the outbox for operators: deliveries, dead letters, attempts; redelivery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, get_args

import orjson
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.store.webhook_tables import webhook_attempts, webhook_outbox

o = webhook_outbox
DeliveryStatus = Literal["pending", "delivered", "dead"]
STATUSES: tuple[str, ...] = get_args(DeliveryStatus)
_LIST_COLS = (o.c.id, o.c.event_id, o.c.portal, o.c.event_type, o.c.status, o.c.attempts,
              o.c.created_at, o.c.next_attempt_at, o.c.delivered_at, o.c.last_status,
              o.c.last_error)


def _iso(v: datetime | None) -> str | None:
    if v is None:
        return None
    if v.tzinfo is None:  # SQLite hands back naive UTC
        v = v.replace(tzinfo=UTC)
    return v.isoformat().replace("+00:00", "Z")


def _item(r: Any) -> dict[str, Any]:
    return {"event_id": r.event_id, "portal": r.portal, "type": r.event_type,
            "status": r.status, "attempts": r.attempts, "created_at": _iso(r.created_at),
            "next_attempt_at": _iso(r.next_attempt_at) if r.status == "pending" else None,
            "delivered_at": _iso(r.delivered_at), "last_status": r.last_status,
            "last_error": r.last_error}


async def list_deliveries(engine: AsyncEngine, *, portal: str | None = None,
                          status: str | None = None, event_type: str | None = None,
                          limit: int = 50, before: int | None = None) -> dict[str, Any]:
    """Newest first, with a cursor (`before`) to the next page and counts by status."""
    where = []
    if portal:
        where.append(o.c.portal == portal)
    if event_type:
        where.append(o.c.event_type == event_type)
    async with engine.connect() as conn:
        counts = {s: 0 for s in STATUSES}
        for s, n in await conn.execute(
                select(o.c.status, func.count()).where(*where).group_by(o.c.status)):
            counts[s] = int(n)
        if status:
            where.append(o.c.status == status)
        if before is not None:
            where.append(o.c.id < before)
        rows = (await conn.execute(select(*_LIST_COLS).where(*where)
                                   .order_by(o.c.id.desc()).limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [_item(r) for r in rows], "counts": counts,
            "next_cursor": str(rows[-1].id) if more else None}


async def get_delivery(engine: AsyncEngine, event_id: str) -> dict[str, Any] | None:
    """One event with its body and every attempt, or None."""
    a = webhook_attempts
    async with engine.connect() as conn:
        row = (await conn.execute(select(*_LIST_COLS, o.c.body).where(
            o.c.event_id == event_id))).first()
        if row is None:
            return None
        tries = (await conn.execute(select(a).where(a.c.event_id == event_id)
                                    .order_by(a.c.attempt, a.c.id))).all()
    out = _item(row)
    out["body"] = orjson.loads(row.body)
    out["attempts_log"] = [{"attempt": t.attempt, "url": t.url, "at": _iso(t.at),
                            "status_code": t.status_code, "error": t.error,
                            "duration_ms": t.duration_ms} for t in tries]
    return out


async def redeliver(engine: AsyncEngine, *, event_id: str | None = None,
                    portal: str | None = None, dead_only: bool = True) -> int:
    """Queue events again (same id and body) with a fresh count of tries; returns how many.

    One event by id (any status), or every dead letter (of one portal, if given)."""
    now = datetime.now(UTC)
    where = []
    if event_id is not None:
        where.append(o.c.event_id == event_id)
    if portal:
        where.append(o.c.portal == portal)
    if dead_only:
        where.append(o.c.status == "dead")
    async with engine.begin() as conn:
        res = await conn.execute(update(o).where(*where).values(
            status="pending", attempts=0, next_attempt_at=now, claimed_by=None,
            claimed_until=None, delivered_at=None))
    return int(res.rowcount)
