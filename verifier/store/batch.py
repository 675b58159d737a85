"""One group commit's work inside an open transaction.

In order: read the chain head (locked on PostgreSQL), look up which decisions the log
already holds (idempotent retries are answered with the stored decision and write nothing)
and the latest decision of each posting, then for each new decision assign its version and
the decision it supersedes, encode it canonically with the posting as received, hash it
onto the chain; insert the rows, move the head, and run the registered side writers over
the new decisions (`verifier.store.side_writes`).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from verifier.models import Decision
from verifier.store.chain import PostingRecord, canonical_bytes, columns
from verifier.store.head import ChainHead
from verifier.store.side_writes import NOTHING_ATTACHED, SideWrite, SideWriters, Written
from verifier.store.sql import insert_rows, sqlite3_of
from verifier.store.tables import decisions
from verifier.store.versions import Key, Versions


class Pending:
    """One decision waiting for its batch, and the future its caller awaits."""

    __slots__ = ("decision", "future", "payload", "posting", "queued_at", "side_writes")

    def __init__(self, decision: Decision, side_writes: Sequence[SideWrite],
                 future: asyncio.Future[Decision], queued_at: float = 0.0,
                 posting: PostingRecord | None = None) -> None:
        self.decision = decision
        self.side_writes = side_writes
        self.posting = posting
        """The posting decided, as received (stored in the payload), when the caller gave it."""
        self.future = future
        self.queued_at = queued_at
        """When it was handed to the writer (event-loop clock)."""
        self.payload: bytes | None = None
        """The canonical JSON of `decision` as given (version 1 unless the log says
        otherwise), encoded before the batch takes the log's lock so that the lock is held
        for less. UTF-8 bytes: the chain hashes them, the row stores their text."""

    def encode(self, decision: Decision) -> bytes:
        """The payload of `decision` (this one's, or its stored form) with the posting."""
        return canonical_bytes(decision, None if self.posting is None else self.posting.json)

    def prepare(self) -> None:
        """Encode the payload ahead of the transaction."""
        if self.payload is None:
            self.payload = self.encode(self.decision)

    def attached(self) -> Mapping[str, Any]:
        """The side-write payloads, by side writer name."""
        if not self.side_writes:
            return NOTHING_ATTACHED
        return {sw.writer: sw.payload for sw in self.side_writes}


class _Batch:
    """The rows one transaction adds, built decision by decision."""

    def __init__(self, head: ChainHead, versions: Versions) -> None:
        self.head = head
        self.versions = versions
        self.rows: list[dict[str, Any]] = []
        self.written: list[Written] = []
        self.fresh: dict[Key, Decision] = {}

    def add(self, item: Pending) -> Decision | int:
        """The stored decision for `item`, or the sequence number of the logged one."""
        d = item.decision
        key = (d.portal, d.posting_id, d.content_hash)
        logged = self.versions.known.get(key)
        if logged is not None:
            return logged
        fresh = self.fresh.get(key)
        if fresh is not None:  # the same content twice in one batch: written once
            return fresh
        prev = self.versions.previous(d)
        version, supersedes = (1, None) if prev is None else (prev.version + 1, prev.decision_id)
        stored = d if (d.version, d.supersedes) == (version, supersedes) else d.model_copy(
            update={"version": version, "supersedes": supersedes})
        payload = item.payload if stored is d and item.payload is not None else item.encode(
            stored)
        seq, prev_hash, digest = self.head.link(payload)
        self.versions.record(stored, seq)
        self.rows.append({
            "seq": seq, **columns(stored), "decided_at": stored.decided_at,
            "payload": payload.decode(), "prev_hash": prev_hash, "hash": digest,
        })
        self.written.append(Written(
            stored, seq, None if item.posting is None else item.posting.posting,
            None if prev is None else prev.seq, item.attached()))
        self.fresh[key] = stored
        return stored


def write_batch(conn: Connection, pending: list[Pending], sides: SideWriters
                ) -> tuple[list[Decision], int]:
    """One group commit's work inside an open transaction; returns results and rows added."""
    raw = sqlite3_of(conn)
    batch = _Batch(ChainHead.read(conn, raw),
                   Versions.load(conn, raw, (p.decision for p in pending)))
    out = [batch.add(item) for item in pending]
    loaded = _load(conn, raw, [o for o in out if isinstance(o, int)])
    if batch.rows:
        insert_rows(conn, decisions, batch.rows)
        batch.head.save(conn, raw)
        sides.run(conn, batch.written)
    return [loaded[o] if isinstance(o, int) else o for o in out], len(batch.rows)


def _load(conn: Connection, raw: sqlite3.Connection | None, seqs: list[int]
          ) -> dict[int, Decision]:
    """The logged decisions at these sequence numbers."""
    if not seqs:
        return {}
    wanted = sorted(set(seqs))
    if raw is not None:
        rows = raw.execute(f"SELECT seq, payload FROM decisions WHERE seq IN "
                           f"({','.join('?' * len(wanted))})", wanted).fetchall()
    else:
        rows = list(conn.exec_driver_sql(
            "SELECT seq, payload FROM decisions WHERE seq = ANY($1)", (wanted,)).all())
    return {int(s): Decision.model_validate_json(p) for s, p in rows}
