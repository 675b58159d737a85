"""A resolution as its own entry in the decision log: appended to the hash chain, never an
update of the decision it settles. The entry is a `Decision` whose outcome is the final one,
whose `resolution` names the reviewed decision, the reviewer, the reason and the note, and
whose content hash is derived from the reviewed decision's id (so the log's unique index
admits one resolution per decision, whatever races above it)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection
from uuid_utils import uuid7

from verifier.models import Decision, Outcome, Resolution
from verifier.store.chain import canonical, columns, row_hash
from verifier.store.tables import chain_head, decisions


def resolution_hash(decision_id: str) -> str:
    """The content hash of the resolution entry of a decision."""
    return hashlib.sha256(f"resolution\n{decision_id}".encode()).hexdigest()


def new_id() -> str:
    """A fresh, time-ordered decision id for a resolution entry."""
    return str(uuid7())


async def lock_head(conn: AsyncConnection) -> tuple[int, str]:
    """The chain head, locked until commit (PostgreSQL row lock; on SQLite the transaction's
    BEGIN IMMEDIATE already holds the database's write lock). Taken FIRST in every review
    transaction that appends, the same order as the decision writer's, so the two never
    deadlock."""
    if conn.dialect.name == "postgresql":
        row = (await conn.execute(text(
            "SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE"))).one()
    else:
        row = (await conn.execute(select(chain_head.c.seq, chain_head.c.hash)
                                  .where(chain_head.c.id == 1))).one()
    return int(row[0]), str(row[1])


def resolution_entry(original: Decision, entry_id: str, outcome: Outcome,
                     resolution: Resolution, now: datetime) -> Decision:
    """The decision-log entry that records a resolution of `original`."""
    return Decision(
        decision_id=entry_id, posting_id=original.posting_id, portal=original.portal,
        version=original.version, outcome=outcome, risk_score=original.risk_score,
        findings=[], tags=original.tags, enterprise=original.enterprise,
        rules_version=original.rules_version,
        content_hash=resolution_hash(original.decision_id), decided_at=now,
        resolution=resolution,
    )


async def append(conn: AsyncConnection, head: tuple[int, str], entry: Decision
                 ) -> tuple[int, str]:
    """Append one entry after `head` (locked by `lock_head` in this transaction); returns
    the new head. The caller moves the head row with `move_head` after its last append."""
    seq, prev = head[0] + 1, head[1]
    payload = canonical(entry)
    digest = row_hash(prev, seq, payload)
    await conn.execute(decisions.insert().values(
        seq=seq, **columns(entry), decided_at=entry.decided_at, payload=payload,
        prev_hash=prev, hash=digest))
    return seq, digest


async def move_head(conn: AsyncConnection, head: tuple[int, str]) -> None:
    """Point the chain head at the last appended entry."""
    await conn.execute(update(chain_head).where(chain_head.c.id == 1)
                       .values(seq=head[0], hash=head[1]))


async def load(conn: AsyncConnection, decision_id: str) -> Decision | None:
    """A logged decision by id."""
    payload = (await conn.execute(select(decisions.c.payload).where(
        decisions.c.decision_id == decision_id))).scalar_one_or_none()
    return Decision.model_validate_json(payload) if payload is not None else None
