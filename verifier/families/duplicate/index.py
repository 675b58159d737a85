"""The fingerprint index in SQL: one row per (portal, posting_id), a new id per version.

The table and the entry type. The LSH band index over it is kept in each process's memory
and caught up by id (`lookup.py`); recording is a grouped side write in the decision's
transaction. Ids only grow (PostgreSQL sequence, SQLite AUTOINCREMENT since
migration 0004), which is what lets every process read "what is new" by id.
The same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.families.duplicate.fingerprint import Fingerprint
from verifier.store.db import create_sync_engine

# Own metadata: these tables are created by migration 0003, not by the spine's metadata.
metadata = MetaData()

fingerprints = Table(
    "fingerprints", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("portal", String(64), nullable=False),
    Column("posting_id", String(128), nullable=False),
    Column("ref", String(32), nullable=False),
    Column("employer_key", Text, nullable=False),
    Column("uscc", String(40)),
    Column("title_key", Text, nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("pay_min", Float),
    Column("pay_max", Float),
    Column("city", Text),
    Column("headcount", Integer),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    sqlite_autoincrement=True,
)


def sqlite_reader(engine: AsyncEngine) -> Engine | None:
    """For SQLite, a synchronous engine on the same file for lookups, or None otherwise.

    The service's SQLite engine opens every transaction with BEGIN IMMEDIATE (serializing
    writers across processes), which makes a read wait for every writer; WAL lets a plain
    connection read a snapshot meanwhile. And one thread hop per lookup (`to_thread`) costs
    far less than aiosqlite's hop per cursor call (~1.8 ms vs ~0.3 ms measured).
    """
    if engine.dialect.name != "sqlite":
        return None
    return create_sync_engine(engine.url, immediate=False)


@lru_cache(maxsize=65_536)
def opaque_ref(portal: str, posting_id: str) -> str:
    """A stable reference to a posting that reveals neither its portal nor its id."""
    digest = hashlib.sha256(f"{portal}\0{posting_id}".encode()).hexdigest()
    return "fp-" + digest[:20]


@dataclass(frozen=True, slots=True)
class Entry:
    """What the index keeps of one posting: fingerprint plus the fields compared across portals."""

    portal: str
    posting_id: str
    employer_key: str
    title_key: str
    fingerprint: Fingerprint
    uscc: str | None = None
    pay_min: float | None = None
    pay_max: float | None = None
    city: str | None = None
    headcount: int | None = None

    @property
    def ref(self) -> str:
        """This entry's opaque reference."""
        return opaque_ref(self.portal, self.posting_id)

    def row(self, now: datetime) -> dict[str, object]:
        """The `fingerprints` row."""
        return {
            "portal": self.portal, "posting_id": self.posting_id, "ref": self.ref,
            "employer_key": self.employer_key, "uscc": self.uscc, "title_key": self.title_key,
            "signature": self.fingerprint.signature, "size": self.fingerprint.size,
            "pay_min": self.pay_min, "pay_max": self.pay_max, "city": self.city,
            "headcount": self.headcount, "updated_at": now,
        }


class FingerprintIndex:
    """Where the fingerprint index lives (engines) and how lookups are bounded."""

    def __init__(self, engine: AsyncEngine, max_candidates: int = 20, per_band: int = 20,
                 reader: Engine | None = None, capacity: int = 100_000) -> None:
        self.engine = engine
        self.reader = reader
        """Synchronous engine for lookups on SQLite (see `sqlite_reader`), else None."""
        self.capacity = capacity
        """How many of the newest fingerprints each process holds in memory for lookups."""
        self.max_candidates = max_candidates
        """How many of the most similar other postings a fact describes."""
        self.per_band = per_band

    async def count(self) -> int:
        """How many postings the index holds."""
        async with self.engine.connect() as conn:
            got = await conn.execute(select(func.count()).select_from(fingerprints))
            return int(got.scalar_one())

    async def ready(self) -> bool:
        """Whether the table exists (migration 0003 applied)."""
        async with self.engine.connect() as conn:
            return bool(await conn.run_sync(
                lambda c: c.dialect.has_table(c, "fingerprints")))
