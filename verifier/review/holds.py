"""Who may act on an item: the row lock an action takes, the live lease it needs, and the
409 that says why not (closed, held by another, lease run out, never claimed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection

from verifier.review.rows import OPEN, iso, lease_of, utc
from verifier.review.schemas import ReviewError
from verifier.store.tables import review_events, review_items

c = review_items.c


async def locked(conn: AsyncConnection, item_id: str) -> Row[Any]:
    """The item, row-locked for this transaction; 404 when there is none."""
    row = (await conn.execute(select(review_items).where(c.decision_id == item_id)
                              .with_for_update())).first()
    if row is None:
        raise ReviewError(404, f"No review item {item_id!r}.")
    return row


async def held(conn: AsyncConnection, item_id: str, who: str, now: datetime) -> Row[Any]:
    """The item, row-locked, if `who` holds a live lease on it; 404/409 saying why not."""
    row = await locked(conn, item_id)
    if row.status not in OPEN:
        raise ReviewError(409, closed(row))
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


def closed(row: Row[Any]) -> str:
    """Why a closed item takes no more actions."""
    if row.status == "superseded":
        return (f"Item {row.decision_id} was superseded by a newer version "
                f"({row.superseded_by}); review that one.")
    return (f"Item {row.decision_id} is already {row.status} by {row.resolved_by} at "
            f"{iso(row.resolved_at)}.")


def bulk_skip(row: Row[Any] | None, item_id: str, who: str, now: datetime) -> str | None:
    """Why a bulk resolution skips this item (None: it may settle it)."""
    if row is None:
        return f"No review item {item_id!r}."
    if row.status not in OPEN:
        return closed(row)
    live = lease_of(row, now)
    if live is not None and live.holder != who:
        return f"Claimed by {live.holder} until {live.expires_at.isoformat()}."
    return None
