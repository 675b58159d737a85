"""Batched near-duplicate lookups and in-transaction recording.

Lookups: every posting being verified asks the band index for postings sharing a band. One
SQL round trip per posting would cost more than all the checks together, so concurrent
lookups are coalesced like the decision writer coalesces commits: requests queue, one task
takes everything queued and answers it with two statements (the band ranges of every
distinct band key, newest `per_band` per key, then the candidate rows), on SQLite through a
synchronous connection in one thread hop (WAL: it reads a snapshot, never waiting for
writers), on PostgreSQL on the async engine.

Recording: a posting's fingerprint is upserted by a side write (`verifier.pipeline.facts`)
inside its decision's own group-commit transaction, so it is committed exactly when the
decision is, never for an idempotent retry, and never as a separate write transaction that
would contend with the decision log. Entries recorded in the last few seconds are also kept
in memory (by band key), so two near-identical postings arriving together see each other
before either is committed.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.dedup.fingerprint import Fingerprint
from verifier.dedup.index import Entry, bands, fingerprints

_CHUNK_KEYS = 480  # at most 500 terms in one compound SELECT (SQLite's limit)
_ONE_BAND = ("SELECT fingerprint_id FROM fingerprint_bands WHERE band_key = ? "
             "ORDER BY fingerprint_id DESC LIMIT ?")


@cache
def _bands_sql(n_keys: int) -> Any:
    parts = " UNION ALL ".join(
        f"SELECT * FROM (SELECT band_key, fingerprint_id FROM fingerprint_bands "
        f"WHERE band_key = :k{i} ORDER BY fingerprint_id DESC LIMIT :n) AS b{i}"
        for i in range(n_keys))
    return text(parts)


def _entry(r: Any) -> Entry:
    return Entry(
        portal=r["portal"], posting_id=r["posting_id"], employer_key=r["employer_key"],
        title_key=r["title_key"], fingerprint=Fingerprint(bytes(r["signature"]), r["size"]),
        uscc=r["uscc"], pay_min=r["pay_min"], pay_max=r["pay_max"], city=r["city"],
        headcount=r["headcount"],
    )


def lookup_many(
    conn: Connection, queries: Sequence[Entry], per_band: int, max_candidates: int
) -> list[list[Entry]]:
    """For each query, the stored entries sharing the most bands with it (not itself)."""
    keys = sorted({k for q in queries for k in q.fingerprint.band_keys()})
    by_key: dict[int, list[int]] = {}
    if conn.dialect.name == "sqlite":
        # One small statement, prepared once by sqlite3's statement cache and run per key on
        # the raw cursor (~5 µs each): far cheaper than preparing a 250-way UNION ALL.
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for k in keys:
            cur.execute(_ONE_BAND, (k, per_band))
            by_key[k] = [int(f) for (f,) in cur.fetchall()]
        cur.close()
        keys = []
    for start in range(0, len(keys), _CHUNK_KEYS):
        chunk = keys[start:start + _CHUNK_KEYS]
        params: dict[str, object] = {f"k{i}": k for i, k in enumerate(chunk)}
        params["n"] = per_band
        for band_key, fid in conn.execute(_bands_sql(len(chunk)), params):
            by_key.setdefault(int(band_key), []).append(int(fid))
    tops: list[list[int]] = []
    for q in queries:
        shared = Counter(f for k in q.fingerprint.band_keys() for f in by_key.get(k, ()))
        tops.append([f for f, _ in sorted(shared.items(), key=lambda t: (-t[1], -t[0]))
                     [:max_candidates]])
    wanted = sorted({f for top in tops for f in top})
    rows: dict[int, Entry] = {}
    for start in range(0, len(wanted), 900):
        got = conn.execute(select(fingerprints).where(
            fingerprints.c.id.in_(wanted[start:start + 900]))).mappings()
        rows.update({int(r["id"]): _entry(r) for r in got})
    out = []
    for q, top in zip(queries, tops, strict=True):
        out.append([e for f in top if (e := rows.get(f)) is not None
                    and (e.portal, e.posting_id) != (q.portal, q.posting_id)])
    return out


def upsert_many(conn: Connection, items: list[tuple[Entry, datetime]]) -> None:
    """Insert or replace postings' fingerprints and bands, set-based (a grouped side write in
    the decision writer's transaction): a handful of statements whatever the batch size."""
    latest = {(e.portal, e.posting_id): (e, now) for e, now in items}  # last version wins
    keys = list(latest)
    q = (select(fingerprints.c.id, fingerprints.c.portal, fingerprints.c.posting_id)
         .where(fingerprints.c.posting_id.in_({p for _, p in keys}),
                fingerprints.c.portal.in_({p for p, _ in keys}))
         .order_by(fingerprints.c.id))
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()  # in id order: concurrent batches take turns, no deadlock
    ids = {(r.portal, r.posting_id): int(r.id) for r in conn.execute(q)
           if (r.portal, r.posting_id) in latest}
    old = [k for k in keys if k in ids]
    new = [k for k in keys if k not in ids]
    if old:
        conn.execute(delete(bands).where(bands.c.fingerprint_id.in_([ids[k] for k in old])))
        conn.execute(update(fingerprints).where(fingerprints.c.id == bindparam("fid")),
                     [{"fid": ids[k], **latest[k][0].row(latest[k][1])} for k in old])
    if new:
        got = conn.execute(
            insert(fingerprints).returning(fingerprints.c.id, fingerprints.c.portal,
                                           fingerprints.c.posting_id),
            [latest[k][0].row(latest[k][1]) for k in new])
        ids.update({(r.portal, r.posting_id): int(r.id) for r in got})
    band_rows = [{"band_key": b, "fingerprint_id": ids[k]}
                 for k in keys for b in latest[k][0].fingerprint.band_keys()]
    if band_rows:
        conn.execute(insert(bands), band_rows)


class Recent:
    """Entries recorded in the last `ttl_s` seconds, by band key (not yet visible in SQL)."""

    def __init__(self, ttl_s: float = 10.0, limit: int = 100_000, per_band: int = 20,
                 max_candidates: int = 50) -> None:
        self.ttl = ttl_s
        self.limit = limit
        self.per_band = per_band
        self.max_candidates = max_candidates
        self._order: deque[tuple[float, Entry]] = deque()
        self._by_key: dict[int, dict[tuple[str, str], Entry]] = {}

    def add(self, entry: Entry) -> None:
        """Remember an entry about to be committed."""
        self._order.append((time.monotonic(), entry))
        ident = (entry.portal, entry.posting_id)
        for k in entry.fingerprint.band_keys():
            bucket = self._by_key.setdefault(k, {})
            bucket.pop(ident, None)
            bucket[ident] = entry
            if len(bucket) > self.per_band:  # like SQL: only the newest per band
                del bucket[next(iter(bucket))]
        self._prune()

    def similar(self, entry: Entry) -> list[Entry]:
        """Remembered entries sharing a band with `entry` (not itself)."""
        me = (entry.portal, entry.posting_id)
        found: dict[tuple[str, str], Entry] = {}
        shared: Counter[tuple[str, str]] = Counter()
        for k in entry.fingerprint.band_keys():
            for ident, other in self._by_key.get(k, {}).items():
                if ident != me:
                    found[ident] = other
                    shared[ident] += 1
        return [found[i] for i, _ in shared.most_common(self.max_candidates)]

    def __len__(self) -> int:
        return len(self._order)

    def _prune(self) -> None:
        horizon = time.monotonic() - self.ttl
        while self._order and (self._order[0][0] < horizon or len(self._order) > self.limit):
            _, old = self._order.popleft()
            ident = (old.portal, old.posting_id)
            for k in old.fingerprint.band_keys():
                bucket = self._by_key.get(k)
                if bucket is not None and bucket.get(ident) is old:
                    del bucket[ident]
                    if not bucket:
                        del self._by_key[k]


class BatchedLookup:
    """Coalesces concurrent lookups into one pair of statements per batch."""

    def __init__(self, engine: AsyncEngine, reader: Engine | None, *, per_band: int = 20,
                 max_candidates: int = 50, max_batch: int = 200) -> None:
        self.engine = engine
        self.reader = reader
        self.per_band = per_band
        self.max_candidates = max_candidates
        self.max_batch = max_batch
        self._queue: list[tuple[Entry, asyncio.Future[list[Entry]]]] = []
        self._task: asyncio.Task[None] | None = None
        self.batches = 0

    async def similar(self, entry: Entry) -> list[Entry]:
        """Stored entries sharing bands with `entry`, most shared first."""
        fut: asyncio.Future[list[Entry]] = asyncio.get_running_loop().create_future()
        self._queue.append((entry, fut))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return await asyncio.shield(fut)

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # let the requests of this loop turn join the batch
        while self._queue:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch:]
            queries = [e for e, _ in batch]
            try:
                if self.reader is not None:
                    results = await asyncio.to_thread(self._read, self.reader, queries)
                else:
                    async with self.engine.connect() as conn:
                        results = await conn.run_sync(
                            lookup_many, queries, self.per_band, self.max_candidates)
            except Exception as exc:  # every waiting posting fails closed
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            self.batches += 1
            for (_, fut), res in zip(batch, results, strict=True):
                if not fut.done():
                    fut.set_result(res)

    def _read(self, reader: Engine, queries: list[Entry]) -> list[list[Entry]]:
        with reader.connect() as conn:
            return lookup_many(conn, queries, self.per_band, self.max_candidates)
