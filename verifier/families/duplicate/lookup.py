"""The band index in memory, kept current by tailing the SQL `fingerprints` table.

SQL holds one row per (portal, posting_id): the authority, written in each decision's own
transaction. Every process keeps the LSH band index of the newest `capacity` rows in memory
(`BandMemory`), so a lookup costs a few dict probes instead of 16 index seeks. Before each
batch of lookups, one statement reads the rows committed since the last batch by any process
(`tail`: ids above the highest seen, plus ids skipped earlier that may still commit), so a
posting committed by another process or host before this lookup began is always seen.
Postings being verified in this process are added at once, before their decisions commit,
so two near-identical postings arriving together see each other.

Nothing here is authoritative: a restarted process rebuilds its memory from SQL (`load`).
Lookups are coalesced like the decision writer coalesces commits: requests queue, one task
syncs once and answers everything queued, on SQLite through a synchronous connection in one
thread hop (WAL: it reads a snapshot, never waiting for writers), on PostgreSQL on the async
engine. A failed sync fails every waiting posting closed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.families.duplicate.fingerprint import Fingerprint
from verifier.families.duplicate.index import Entry, fingerprints
from verifier.store.side_writes import SideWriter
from verifier.store.sql import insert_rows, sqlite3_of

_CHUNK = 500  # rows per tail statement
_GAP_TTL_S = 60.0  # how long an id skipped by the sequence may still commit
_MAX_GAPS = 2_000
_START_GAP_WINDOW = 2_000  # ids below the highest at start that may still be in flight

Ident = tuple[str, str]


def _entry(r: Any) -> Entry:
    return Entry(
        portal=r["portal"], posting_id=r["posting_id"], employer_key=r["employer_key"],
        title_key=r["title_key"], fingerprint=Fingerprint(bytes(r["signature"]), r["size"]),
        uscc=r["uscc"], pay_min=r["pay_min"], pay_max=r["pay_max"], city=r["city"],
        headcount=r["headcount"],
    )


class BandMemory:
    """Entries by LSH band key: the newest `per_band` per key, at most `capacity` in all.

    Kept compact (~2.6 KB per entry with its signature, measured; 6.5 KB before): most band
    keys belong to one posting only, so a bucket is the posting's identity tuple itself until
    a second posting shares it, and band keys are recomputed from the signature when an entry
    leaves rather than stored.
    """

    def __init__(self, capacity: int = 100_000, per_band: int = 20,
                 max_candidates: int = 50) -> None:
        self.capacity = capacity
        self.per_band = per_band
        self.max_candidates = max_candidates
        self._entries: dict[Ident, Entry] = {}  # insertion order = age
        self._by_key: dict[int, Ident | list[Ident]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, entry: Entry) -> None:
        """Remember an entry (replacing an older version of the same posting)."""
        ident = (entry.portal, entry.posting_id)
        old = self._entries.pop(ident, None)
        if old is not None:
            if old == entry:  # the committed row of an entry added before its commit
                self._entries[ident] = old
                return
            self._unlink(ident, old)
        self._entries[ident] = entry
        by_key = self._by_key
        for k in entry.fingerprint.band_keys():
            bucket = by_key.get(k)
            if bucket is None:
                by_key[k] = ident
            elif isinstance(bucket, tuple):
                by_key[k] = [bucket, ident]
            else:
                bucket.append(ident)
                if len(bucket) > self.per_band:  # only the newest per band (template storms)
                    del bucket[0]
        while len(self._entries) > self.capacity:
            gone = next(iter(self._entries))
            self._unlink(gone, self._entries.pop(gone))

    def discard(self, entry: Entry) -> None:
        """Forget `entry` if it is still the version remembered (its commit failed)."""
        ident = (entry.portal, entry.posting_id)
        if self._entries.get(ident) == entry:
            self._unlink(ident, self._entries.pop(ident))

    def similar(self, entry: Entry) -> list[Entry]:
        """Remembered entries sharing a band with `entry` (not itself), most shared first."""
        shared: Counter[Ident] = Counter()
        for k in entry.fingerprint.band_keys():
            bucket = self._by_key.get(k)
            if bucket is None:
                continue
            if isinstance(bucket, tuple):
                shared[bucket] += 1
            else:
                shared.update(bucket)  # counted in C: buckets are full in a storm
        shared.pop((entry.portal, entry.posting_id), None)
        ranked = sorted(shared.items(), key=itemgetter(1), reverse=True)  # stable
        return [self._entries[i] for i, _ in ranked[: self.max_candidates]]

    def _unlink(self, ident: Ident, entry: Entry) -> None:
        by_key = self._by_key
        for k in entry.fingerprint.band_keys():
            bucket = by_key.get(k)
            if bucket is None:
                continue
            if isinstance(bucket, tuple):
                if bucket == ident:
                    del by_key[k]
            elif ident in bucket:
                bucket.remove(ident)
                if len(bucket) == 1:
                    by_key[k] = bucket[0]
                elif not bucket:
                    del by_key[k]


@dataclass
class TailState:
    """How far this process has read the `fingerprints` table."""

    last_id: int = 0
    gaps: dict[int, float] = field(default_factory=dict)
    """Ids below `last_id` not seen yet (a transaction still open, or rolled back / deleted),
    with the time they were first missed; forgotten after `_GAP_TTL_S`."""

    def advance(self, ids: list[int], now: float) -> None:
        """Record the ids just read."""
        for i in ids:
            self.gaps.pop(i, None)
        top = max(ids, default=self.last_id)
        if top > self.last_id:
            seen = set(ids)
            for i in range(max(self.last_id + 1, top - _MAX_GAPS), top):
                if i not in seen:
                    self.gaps.setdefault(i, now)
            self.last_id = top
        horizon = now - _GAP_TTL_S
        for i in [i for i, t in self.gaps.items() if t < horizon]:
            del self.gaps[i]
        if len(self.gaps) > _MAX_GAPS:
            for i in sorted(self.gaps)[: len(self.gaps) - _MAX_GAPS]:
                del self.gaps[i]


_COLS = [c.name for c in fingerprints.columns]
_SQLITE_TAIL = (f"SELECT {', '.join(_COLS)} FROM fingerprints WHERE id > ? "
                f"ORDER BY id LIMIT {_CHUNK}")


def _sqlite_tail(raw: sqlite3.Connection, after: int) -> list[dict[str, Any]]:
    # The common case (nothing new) runs once per lookup batch: a statement prepared once by
    # sqlite3's cache on the raw cursor costs ~10 µs, SQLAlchemy's compiled select ~100 µs.
    cur = raw.cursor()
    try:
        cur.execute(_SQLITE_TAIL, (after,))
        return [dict(zip(_COLS, r, strict=True)) for r in cur.fetchall()]
    finally:
        cur.close()


def tail(conn: Connection, state: TailState, max_chunks: int | None = None
         ) -> tuple[list[int], list[Entry]]:
    """Rows committed since `state` (not applied to it): their ids and entries, in id order.

    With `max_chunks`, at most that many chunks of `_CHUNK` rows: a prefix by id (so every id
    it skips is a real gap); `len(ids) == max_chunks * _CHUNK` tells that more may follow."""
    ids: list[int] = []
    out: list[Entry] = []
    raw = sqlite3_of(conn)
    if state.gaps:
        gap_ids = sorted(state.gaps)
        for start in range(0, len(gap_ids), 900):
            for r in conn.execute(select(fingerprints).where(
                    fingerprints.c.id.in_(gap_ids[start:start + 900]))).mappings():
                ids.append(int(r["id"]))
                out.append(_entry(r))
    after = state.last_id
    chunks = 0
    while True:
        rows: list[Any] = _sqlite_tail(raw, after) if raw is not None else list(conn.execute(
            select(fingerprints).where(fingerprints.c.id > after)
            .order_by(fingerprints.c.id).limit(_CHUNK)).mappings())
        for r in rows:
            ids.append(int(r["id"]))
            out.append(_entry(r))
        chunks += 1
        if len(rows) < _CHUNK or (max_chunks is not None and chunks >= max_chunks):
            return ids, out
        after = int(rows[-1]["id"])


def load_newest(conn: Connection, limit: int) -> tuple[list[int], list[Entry]]:
    """The newest `limit` rows, oldest first."""
    rows = list(conn.execute(
        select(fingerprints).order_by(fingerprints.c.id.desc()).limit(limit)).mappings())
    rows.reverse()
    return [int(r["id"]) for r in rows], [_entry(r) for r in rows]


def upsert_many(conn: Connection, items: list[tuple[Entry, datetime]]) -> None:
    """Replace postings' fingerprint rows (a grouped side write in the decision writer's
    transaction): two statements whatever the batch size. A changed posting gets a new id,
    so every process's tail sees the new version."""
    latest = {(e.portal, e.posting_id): (e, now) for e, now in items}  # last version wins
    keys = sorted(latest)
    # Two plain IN lists (SQLite searches the unique index for these, not for a row-value IN);
    # exact pairs are filtered here.
    q = (select(fingerprints.c.id, fingerprints.c.portal, fingerprints.c.posting_id)
         .where(fingerprints.c.posting_id.in_({p for _, p in keys}),
                fingerprints.c.portal.in_({p for p, _ in keys})))
    old = [int(r.id) for r in conn.execute(q) if (r.portal, r.posting_id) in latest]
    for start in range(0, len(old), 900):
        conn.execute(delete(fingerprints).where(fingerprints.c.id.in_(old[start:start + 900])))
    insert_rows(conn, fingerprints, [latest[k][0].row(latest[k][1]) for k in keys])


FINGERPRINTS = "duplicates.fingerprints"
"""The side writer recording each new decision's fingerprint (`FingerprintWriter`)."""


class FingerprintWriter(SideWriter):
    """Upserts the fingerprints attached to new decisions, in their transaction; a posting
    whose decision was not written is forgotten from memory again."""

    name = FINGERPRINTS

    def __init__(self, memory: BandMemory) -> None:
        self.memory = memory

    def write_attached(self, conn: Connection, payloads: list[Any]) -> None:
        """Upsert the (entry, recorded_at) payloads."""
        upsert_many(conn, payloads)

    def abandon(self, payloads: list[Any]) -> None:
        """Forget the entries remembered before their commit."""
        for entry, _ in payloads:
            self.memory.discard(entry)


class MirroredLookup:
    """The band index in memory plus its SQL tail, with lookups coalesced per batch."""

    def __init__(self, engine: AsyncEngine, reader: Engine | None, *, capacity: int = 100_000,
                 per_band: int = 20, max_candidates: int = 50, max_batch: int = 500) -> None:
        self.engine = engine
        self.reader = reader
        self.memory = BandMemory(capacity, per_band, max_candidates)
        self.state = TailState()
        self.max_batch = max_batch
        self._queue: list[tuple[Entry, bool, asyncio.Future[list[Entry]]]] = []
        self._task: asyncio.Task[None] | None = None
        self.batches = 0

    async def load(self) -> int:
        """Fill memory with the newest rows; returns how many."""
        ids, entries = await self._read(load_newest, self.memory.capacity)
        for e in entries:
            self.memory.add(e)
        now = time.monotonic()
        if ids:
            top = ids[-1]
            self.state.last_id = top
            seen = set(ids)
            self.state.gaps = {i: now for i in range(max(1, top - _START_GAP_WINDOW), top)
                               if i not in seen}
        return len(entries)

    async def similar(self, entry: Entry, *, remember: bool = True) -> list[Entry]:
        """Entries sharing bands with `entry`, most shared first, after catching up with SQL.

        With `remember`, `entry` (about to be committed with its decision) is added to memory
        right after its own lookup: later lookups in this process see it at once."""
        fut: asyncio.Future[list[Entry]] = asyncio.get_running_loop().create_future()
        self._queue.append((entry, remember, fut))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return await asyncio.shield(fut)

    async def sync(self) -> int:
        """Read what other processes committed since the last sync; returns rows read.

        On SQLite the first chunk is read on the event loop itself (a WAL snapshot read of
        the few rows committed since the last batch costs ~20 µs, a thread hop ~100 µs);
        a backlog larger than a chunk is read in a thread."""
        n = 0
        if self.reader is not None:
            with self.reader.connect() as conn:
                ids, entries = tail(conn, self.state, max_chunks=1)
            n += self._apply(ids, entries)
            if len(ids) < _CHUNK:
                return n
        ids, entries = await self._read(tail, self.state)
        return n + self._apply(ids, entries)

    def _apply(self, ids: list[int], entries: list[Entry]) -> int:
        for e in entries:
            self.memory.add(e)
        self.state.advance(ids, time.monotonic())
        return len(ids)

    async def _read(self, fn: Any, arg: Any) -> tuple[list[int], list[Entry]]:
        if self.reader is not None:
            reader = self.reader

            def run() -> tuple[list[int], list[Entry]]:
                with reader.connect() as conn:
                    got: tuple[list[int], list[Entry]] = fn(conn, arg)
                    return got

            return await asyncio.to_thread(run)
        async with self.engine.connect() as conn:
            got: tuple[list[int], list[Entry]] = await conn.run_sync(fn, arg)
            return got

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # let the requests of this loop turn join the batch
        while self._queue:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch:]
            try:
                await self.sync()
            except Exception as exc:  # every waiting posting fails closed
                for _, _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            self.batches += 1
            for entry, remember, fut in batch:  # in arrival order: later ones see earlier ones
                found = self.memory.similar(entry)
                if remember:
                    self.memory.add(entry)
                if not fut.done():
                    fut.set_result(found)
