"""The review item of every flagged decision, written in the decision's own transaction.

Registered with the decision writer by default (`SideWriters` under the name
``review_items``); the review queue may register a richer writer under the same name
(`register(..., replace=True)`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, update

from verifier.models import Outcome
from verifier.store.side_writes import SideWriter, Written
from verifier.store.sql import insert_rows
from verifier.store.tables import review_items

OPEN = ("pending", "claimed")
"""Statuses of a review item nobody has settled yet."""


class ReviewItems(SideWriter):
    """Opens a `pending` review item for each new flagged decision, and closes the open item
    of a resubmitted posting's previous version as `superseded`."""

    name = "review_items"
    required = True  # a flagged decision is never logged without its review item

    def applies(self, batch: Sequence[Written]) -> bool:
        """Whether the batch holds a flagged decision or a resubmission."""
        return any(w.decision.outcome is Outcome.flag or w.decision.supersedes is not None
                   for w in batch)

    def write(self, conn: Connection, batch: Sequence[Written]) -> None:
        """Insert the items of the batch's flagged decisions; close superseded ones."""
        now = datetime.now(UTC)
        rows = [self.row(w, now) for w in batch if w.decision.outcome is Outcome.flag]
        if rows:
            insert_rows(conn, review_items, rows)
        old = sorted({w.decision.supersedes for w in batch if w.decision.supersedes})
        if old:  # by primary key; an earlier version in this same batch included
            conn.execute(update(review_items).where(
                review_items.c.decision_id.in_(old), review_items.c.status.in_(OPEN),
            ).values(status="superseded"))

    def row(self, w: Written, now: datetime) -> dict[str, Any]:
        """The review item row of one flagged decision."""
        d = w.decision
        return {
            "decision_id": d.decision_id, "decision_seq": w.seq, "portal": d.portal,
            "posting_id": d.posting_id, "status": "pending", "created_at": now,
        }
