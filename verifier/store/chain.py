"""The hash chain over the decision log: canonical encoding, hashing and verification.

Each row's `hash` is SHA-256 over its `prev_hash`, its `seq` and its `payload` (the decision
as canonical JSON: sorted keys, no insignificant white space, UTF-8). The indexed columns
(outcome, portal, posting id ...) are copies of payload fields for querying; verification
checks that they still agree with the payload, so altering either is detected.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Decision
from verifier.store.tables import GENESIS, chain_head, decisions

_NOT_HASHED = {"review", "final_outcome"}
"""Views added when a decision is read back, never part of the logged entry."""


def canonical(decision: Decision) -> str:
    """The canonical JSON text of a decision (what the hash covers)."""
    data = decision.model_dump(mode="json", exclude=_NOT_HASHED)
    if data.get("resolution") is None:  # only resolution entries carry it
        data.pop("resolution", None)
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()


def row_hash(prev_hash: str, seq: int, payload: str) -> str:
    """SHA-256 of one chain link."""
    h = hashlib.sha256()
    h.update(prev_hash.encode())
    h.update(b"\n")
    h.update(str(seq).encode())
    h.update(b"\n")
    h.update(payload.encode())
    return h.hexdigest()


def rule_ids(decision: Decision) -> str:
    """The space-separated, sorted rule ids of a decision's findings (an audit filter column)."""
    return " ".join(sorted({f.rule for f in decision.findings}))


def columns(decision: Decision) -> dict[str, Any]:
    """The indexed copies of payload fields stored beside it."""
    return {
        "decision_id": decision.decision_id,
        "portal": decision.portal,
        "posting_id": decision.posting_id,
        "version": decision.version,
        "content_hash": decision.content_hash,
        "outcome": decision.outcome.value,
        "risk_score": decision.risk_score,
        "rules_version": decision.rules_version,
        "enterprise_uscc": decision.enterprise.uscc if decision.enterprise else None,
        "rule_ids": rule_ids(decision),
    }


@dataclass(frozen=True)
class ChainReport:
    """Result of recomputing the chain."""

    ok: bool
    rows: int
    head_seq: int
    first_bad_seq: int | None = None
    first_bad_decision_id: str | None = None
    reason: str | None = None


def _same_time(a: datetime, b: datetime) -> bool:
    if a.tzinfo is None or b.tzinfo is None:
        return a.replace(tzinfo=None) == b.replace(tzinfo=None)
    return a == b


async def _rows(engine: AsyncEngine, batch: int = 5000) -> AsyncIterator[Any]:
    last = 0
    while True:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(decisions).where(decisions.c.seq > last)
                    .order_by(decisions.c.seq).limit(batch)
                )
            ).all()
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1].seq


async def verify_chain(engine: AsyncEngine) -> ChainReport:
    """Recompute every link in order; name the first row that does not verify."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    async for row in _rows(engine):
        count += 1

        def bad(reason: str, row: Any = row, count: int = count) -> ChainReport:
            return ChainReport(False, count, row.seq, row.seq, row.decision_id, reason)

        if row.seq != expected_seq:
            return bad(f"gap in sequence: expected {expected_seq}, found {row.seq}")
        if row.prev_hash != prev:
            return bad("prev_hash does not match the previous row's hash")
        if row_hash(prev, row.seq, row.payload) != row.hash:
            return bad("hash does not match the row's content (payload altered)")
        try:
            decision = Decision.model_validate_json(row.payload)
        except ValueError:
            return bad("payload is not a valid decision")
        cols = columns(decision)
        for key, value in cols.items():
            if getattr(row, key) != value:
                return bad(f"column {key} disagrees with the hashed payload")
        if not _same_time(row.decided_at, decision.decided_at):
            return bad("column decided_at disagrees with the hashed payload")
        prev = row.hash
        expected_seq += 1
    async with engine.connect() as conn:
        head = (await conn.execute(select(chain_head).where(chain_head.c.id == 1))).first()
    if head is None:
        return ChainReport(False, count, 0, None, None, "chain head row is missing")
    if head.seq != expected_seq - 1 or head.hash != prev:
        return ChainReport(
            False, count, head.seq, expected_seq, None,
            "chain head does not match the last row (rows removed or head altered)",
        )
    return ChainReport(True, count, head.seq)
