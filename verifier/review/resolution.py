"""Settling an item: the reason code it needs, then the closed row, its `resolved` event,
the decision-log entry linked to the reviewed decision and the webhook, in the caller's
transaction (which holds the chain head and the item row)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from verifier.models import Outcome, Resolution
from verifier.review import ledger
from verifier.review.config import Reason, ReviewConfig
from verifier.review.items import event_row
from verifier.review.schemas import ReviewError
from verifier.review.webhooks import outbox
from verifier.store.tables import review_events, review_items

c = review_items.c


def reason_for(cfg: ReviewConfig, code: str, outcome: Outcome, *, bulk: bool = False) -> Reason:
    """The reason code, if it exists and allows `outcome` (and bulk use); 422 if not."""
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


async def settle(conn: AsyncConnection, head: tuple[int, str], item_id: str, who: str,
                 outcome: Outcome, reason: Reason, note: str, now: datetime,
                 *, bulk: bool) -> tuple[Row[Any], tuple[int, str]]:
    """Close one item with `outcome`: its row, event, log entry and webhook; the closed
    row and the chain's new head."""
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
