"""The hash chain over the decision log: canonical encoding, hashing and verification.

Each row's `hash` is SHA-256 over its `prev_hash`, its `seq` and its `payload` (the decision
as canonical JSON: sorted keys, no insignificant white space, UTF-8, with the posting it
decides, as received, under "posting"). The indexed columns (outcome, portal, posting id ...)
are copies of payload fields for querying; verification checks that they still agree with
the payload, and that the stored posting is the one whose SHA-256 is the decision's content
hash, so altering any of them is detected.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.models import Decision, Posting
from verifier.store.tables import GENESIS, chain_head, decisions

_NOT_HASHED = {"review", "final_outcome"}
"""Views added when a decision is read back, never part of the logged entry."""


class PostingRecord(NamedTuple):
    """A posting as received and its canonical JSON (the bytes its content hash covers and
    the decision log stores)."""

    posting: Posting
    json: bytes

    @classmethod
    def of(cls, posting: Posting) -> PostingRecord:
        """Encode `posting` canonically: sorted keys, absent (null) fields left out."""
        data = posting.model_dump(mode="json", exclude_none=True)
        return cls(posting, orjson.dumps(data, option=orjson.OPT_SORT_KEYS))

    @property
    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON: what makes a retry "the same" posting."""
        return hashlib.sha256(self.json).hexdigest()


def canonical(decision: Decision, posting: bytes | None = None) -> str:
    """The canonical JSON text of a decision, with the canonical JSON of the posting it
    decides under "posting" when given (what the hash covers)."""
    return canonical_bytes(decision, posting).decode()


def canonical_bytes(decision: Decision, posting: bytes | None = None) -> bytes:
    """`canonical` as the UTF-8 bytes the chain hash covers (the writer hashes these and
    stores their text, instead of encoding the text back to hash it)."""
    data = decision.model_dump(mode="json", exclude=_NOT_HASHED)
    if data.get("resolution") is None:  # only resolution entries carry it
        data.pop("resolution", None)
    if posting is not None:
        data["posting"] = orjson.Fragment(posting)  # already canonical: embedded as it is
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)


def stored_posting(payload: str | dict[str, Any]) -> dict[str, Any] | None:
    """The posting stored with a decision (its JSON object), or None for a decision logged
    without one."""
    data = orjson.loads(payload) if isinstance(payload, str) else payload
    posting = data.get("posting")
    return posting if isinstance(posting, dict) else None


def row_hash(prev_hash: str, seq: int, payload: str | bytes) -> str:
    """SHA-256 of one chain link (`payload` as text, or already as its UTF-8 bytes)."""
    h = hashlib.sha256()
    h.update(prev_hash.encode())
    h.update(b"\n")
    h.update(str(seq).encode())
    h.update(b"\n")
    h.update(payload if isinstance(payload, bytes) else payload.encode())
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
        "supersedes": decision.supersedes,
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


def _problem(row: Any, prev: str) -> str | None:
    """What is wrong with one row given the previous row's hash, if anything."""
    if row.prev_hash != prev:
        return "prev_hash does not match the previous row's hash"
    if row_hash(prev, row.seq, row.payload) != row.hash:
        return "hash does not match the row's content (payload altered)"
    try:
        decision = Decision.model_validate_json(row.payload)
        posting = stored_posting(row.payload)
    except ValueError:
        return "payload is not a valid decision"
    for key, value in columns(decision).items():
        if getattr(row, key) != value:
            return f"column {key} disagrees with the hashed payload"
    if not _same_time(row.decided_at, decision.decided_at):
        return "column decided_at disagrees with the hashed payload"
    if posting is not None:
        canonical_posting = orjson.dumps(posting, option=orjson.OPT_SORT_KEYS)
        if hashlib.sha256(canonical_posting).hexdigest() != decision.content_hash:
            return "stored posting disagrees with the decision's content hash"
    return None


async def verify_chain(engine: AsyncEngine) -> ChainReport:
    """Recompute every link in order; name the first row that does not verify."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    async for row in _rows(engine):
        count += 1
        problem = (f"gap in sequence: expected {expected_seq}, found {row.seq}"
                   if row.seq != expected_seq else _problem(row, prev))
        if problem is not None:
            return ChainReport(False, count, row.seq, row.seq, row.decision_id, problem)
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
